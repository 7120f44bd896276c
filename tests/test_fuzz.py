"""No input is a server error: every route, every parameter and field, every persona.

A property-based fuzz test (hypothesis). It walks every route of the URL resolver, finds
the GET parameters and form fields each one takes (from the forms and links of the
pages themselves, rendered for the roles that see them, plus the parameters Raison's
lists share), and sends generated strings to them: NUL bytes, lone surrogates, 100,000
characters, Unicode digits such as "²", SQL, template syntax, numbers out of range.
It does so as each persona (executive, manager, employee, outsider, anonymous), with and
without ``HX-Request``, and fails on any 5xx, naming the exact request.

It matters most on PostgreSQL, which refuses NUL in text and enforces column lengths
(SQLite accepts both): CI runs it on both. ``RAISON_FUZZ_EXAMPLES`` sets the examples
per route and persona on top of the fixed ones (default 2: about two minutes on
PostgreSQL on a small shared machine).

Requests whose server error is already known and being fixed in the views are listed in
``KNOWN``: the sweep does not fail on them, and ``test_server_errors_found_by_the_fuzz`` replays each
(xfail, not strict) until the fix lands; then delete the entry.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from alignment import engine, questions
from alignment.models import Flag, Notification
from interop.models import ImportJob, ImportStatus
from tests.factories import KeyResultFactory
from tests.practices.test_views import build_world

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("RAISON_FUZZ_EXAMPLES", "2"))
PERSONAS = ("executive", "manager", "employee", "outsider", "anonymous")

#: Hand-picked strings that broke or could break something; hypothesis mixes them with
#: generated text.
NASTY = [
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "x" * 100_000,
    "²",
    "١٢٣",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "' OR '1'='1' --",
    "1; DROP TABLE objectives_objective; --",
    "%' AND 1=0 UNION SELECT NULL --",
    "{{ 7|add:7 }}",
    "{% debug %}",
    "%(name)s %s {0}",
    "<script>alert(1)</script>",
    "abc",
    "//evil.example/",
    "javascript:alert(1)",
    "../../../etc/passwd",
    " ",
    "",
    "\u202e\ufeff\u200b",
    "2026-02-30",
    "True",
]

#: Sent to every parameter and field of every route at once, whatever hypothesis draws:
#: the kinds of input that reached a 500 (NUL, a Unicode digit, a lone surrogate in a
#: string longer than a varchar(255)). The 100,000-character string is among NASTY:
#: in every parameter of every route at once it would cost minutes and find nothing more.
CORE = ["a\x00b", "²", "\ud800" + "x" * 300]

FUZZ = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY).flatmap(lambda nasty: st.text(max_size=20).map(lambda text: text + nasty)),
    st.text(max_size=60),
    st.integers().map(str),
)

#: Query parameters the list, search and form pages of Raison read.
COMMON_GET = ("q", "page", "next", "parent", "for", "status", "unit", "kind", "means_q", "flagged", "sort", "region")

#: Routes with no page of their own to find their parameters on.
ADMIN_FUZZED = {"admin:index", "admin:login", "admin:logout"}

#: (route name, method, field) → why: a 5xx the fuzz knows of and is not fixed yet. The
#: sweep skips requests that fuzz one of these; each is replayed by
#: test_server_errors_found_by_the_fuzz (xfail). Empty: every request it found (NUL in a
#: search, ?parent=², next=abc) is fixed and replayed as a plain regression test.
KNOWN: dict[tuple[str, str, str], str] = {}


# --- Routes -----------------------------------------------------------------------------


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def routes() -> list[tuple[str, str, URLPattern]]:
    """Every named route outside the admin, and the admin's own pages that take input."""
    found = []
    for name, route, pattern in walk(get_resolver().url_patterns):
        # The REST API has its own fuzz, against its OpenAPI document (tests/api/test_schemathesis.py).
        if name and not route.startswith("api/") and (not route.startswith("admin/") or name in ADMIN_FUZZED):
            found.append((name, route, pattern))
    return found


@dataclass
class World:
    users: dict
    objects: dict


def build(org, executive, manager, employee, outsider) -> World:
    w = build_world(org, employee)
    engine.run()  # flags and their notifications
    flag = Flag.objects.filter(practice=w.orphan).first() or Flag.objects.first()
    for user in (executive, manager, employee, outsider):
        Notification.objects.get_or_create(recipient=user, flag=flag)
    users = {"executive": executive, "manager": manager, "employee": employee, "outsider": outsider, "anonymous": None}
    key_result = KeyResultFactory(objective=w.north_objective, owner=employee)
    question = questions.ask(by=employee, subject=w.north_practice, text="Why do we still do this?")
    import_job = ImportJob.objects.create(
        created_by=executive, unit=org.company, format="csv", filename="plan.csv", status=ImportStatus.DONE
    )
    objects = {"w": w, "flag": flag, "key_result": key_result, "question": question, "import_job": import_job}
    return World(users=users, objects=objects)


def url_for(name: str, route: str, pattern: URLPattern, world: World) -> str:
    """The route's URL with real ids for its parameters (a new parameter must be mapped here)."""
    w = world.objects["w"]
    ids: dict[str, int] = {}
    params = set(pattern.pattern.converters)
    if name.startswith("objectives:key_result_") and name != "objectives:key_result_new":
        ids = {"pk": world.objects["key_result"].pk}
    elif name.startswith("objectives:") or name == "objective_link_record":
        ids = {"pk": w.north_objective.pk}
    elif name.startswith("question_"):
        ids = {"pk": world.objects["question"].pk}
    elif name.startswith("interop:"):
        ids = {"pk": world.objects["import_job"].pk}
    elif name in ("practices:adopt", "practices:decline"):
        ids = {"pk": w.proposal.pk}
    elif name.startswith("practices:means_"):
        ids = {"pk": w.wiki.pk, "objective_pk": w.north_objective.pk}
    elif name.startswith("practices:"):
        ids = {"pk": w.north_practice.pk, "objective_pk": w.north_objective.pk, "means_pk": w.wiki.pk}
    elif name.startswith("flag_"):
        ids = {"pk": world.objects["flag"].pk}
    elif name == "notification_read":
        ids = {"pk": Notification.objects.order_by("pk").first().pk}
    missing = params - set(ids)
    assert not missing, f"tests/test_fuzz.py does not know which ids to give {name} ({route}): {missing}"
    from django.urls import reverse

    return reverse(name, kwargs={key: ids[key] for key in params})


# --- Forms and parameters, from the pages themselves ----------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    """Forms (fields with the values a browser would send) and same-site links' query keys."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.link_params: dict[str, set[str]] = {}
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or self.page_url
            self._form = Form(action=action, method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "a" and "?" in a.get("href", ""):
            parts = urlsplit(a["href"])
            path = parts.path or self.page_url
            self.link_params.setdefault(path, set()).update(key for key, _ in parse_qsl(parts.query, True))
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in self._form.fields:
                    self._form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self._form.fields[name] = a.get("value", "")
        elif tag == "button" and name:
            self._form.fields.setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif tag == "option" and self._select:
            if self._select_value is None or "selected" in a:
                value = a.get("value", "")
                if value or self._select_value is None:
                    self._select_value = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields[name] = "Fuzzed text."

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            self._form.fields[self._select] = self._select_value or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def route_of(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


@dataclass
class Targets:
    """What one route takes: query parameter names and the POST forms seen for it."""

    get_params: set[str] = field(default_factory=lambda: set(COMMON_GET))
    forms: list[Form] = field(default_factory=list)


def discover(world: World, urls: dict[str, str]) -> dict[str, Targets]:
    targets = {name: Targets() for name in urls}
    seen: set[tuple[str, frozenset[str]]] = set()
    # The executive sees every manager's form; the employee the proposal and "I practise
    # this" forms; the anonymous visitor the sign-in form.
    for persona in ("executive", "employee", "anonymous"):
        client = Client()
        if world.users[persona] is not None:
            client.force_login(world.users[persona])
        for url in urls.values():
            for headers in ({}, {"HX-Request": "true"}) if persona == "executive" else ({},):
                response = client.get(url, headers=headers)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                parser = FormParser(url)
                parser.feed(response.content.decode())
                for path, keys in parser.link_params.items():
                    name = route_of(path)
                    if name in targets:
                        targets[name].get_params |= keys
                for form in parser.forms:
                    name = route_of(form.action)
                    if name not in targets:
                        continue
                    if form.method == "get":
                        targets[name].get_params |= set(form.fields)
                    elif (name, frozenset(form.fields)) not in seen:
                        seen.add((name, frozenset(form.fields)))
                        targets[name].forms.append(form)
    return targets


# --- Requests -----------------------------------------------------------------------------


def encode(pairs: list[tuple[str, str]]) -> str:
    # Lone surrogates are not UTF-8: send the bytes a careless client would (surrogatepass),
    # as Django's test client would refuse to encode them at all.
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in pairs)


@dataclass
class Failure:
    persona: str
    route: str
    method: str
    url: str
    body: str
    fields: tuple[str, ...]
    status: int
    error: str

    def describe(self) -> str:
        body = self.body if len(self.body) < 300 else self.body[:300] + "…"
        return f"[{self.persona}] {self.method} {self.url[:300]} {body} → {self.status} {self.error}"


def send(client: Client, method: str, url: str, pairs: list[tuple[str, str]], htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    query = encode(pairs)
    if method == "GET":
        full = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
        return client.get(full, headers=headers), full, ""
    response = client.post(url, data=query, content_type="application/x-www-form-urlencoded", headers=headers)
    return response, url, query


def is_known(route: str, method: str, fields) -> bool:
    return any((route, method, name) in KNOWN for name in fields)


def fuzz_persona(
    persona: str, world: World, urls: dict[str, str], targets: dict[str, Targets]
) -> tuple[list[Failure], int]:
    failures: list[Failure] = []
    sent = [0]
    user = world.users[persona]
    client = Client(raise_request_exception=False)

    def check(route, method, url, pairs, chosen, htmx):
        if user is not None and "_auth_user_id" not in client.session:
            client.force_login(user)  # a fuzzed sign-out (or password change) must not end the run
        response, sent_url, body = send(client, method, url, pairs, htmx)
        sent[0] += 1
        if response.status_code >= 500 and not is_known(route, method, chosen):
            error = repr(getattr(response, "exc_info", None) and response.exc_info[1])[:500]
            failures.append(Failure(persona, route, method, sent_url, body, tuple(chosen), response.status_code, error))

    def prober(route: str, url: str, get_names: list[str], forms: list[Form]):
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(value=FUZZ, data=st.data(), htmx=st.booleans())
        def probe(value, data, htmx):
            chosen = data.draw(st.sets(st.sampled_from(get_names), min_size=1), label="query parameters")
            check(route, "GET", url, [(name, value) for name in sorted(chosen)], chosen, htmx)
            for form in forms:
                # "next" too: pages copy it into their forms only when they were given one.
                fields = {"next": "", **form.fields}
                fuzzed = data.draw(st.sets(st.sampled_from(sorted(fields)), min_size=1), label=form.action)
                pairs = [(name, value) if name in fuzzed else (name, default) for name, default in fields.items()]
                check(route, "POST", form.action, [(k, v) for k, v in pairs if v or k in fuzzed], fuzzed, htmx)
            if not forms:
                # POST-only routes and pages whose form was never shown: the common names.
                check(route, "POST", url, [(name, value) for name in sorted(chosen)], chosen, htmx)

        return probe

    def everywhere(route: str, url: str, target: Targets, value: str) -> None:
        """The value in every query parameter at once, then in every field of each form."""
        names = sorted(target.get_params)
        check(route, "GET", url, [(name, value) for name in names], names, False)
        for form in target.forms:
            fields = ["next", *form.fields]
            check(route, "POST", form.action, [(name, value) for name in fields], fields, False)
        if not target.forms:
            check(route, "POST", url, [(name, value) for name in names], names, False)

    login_url = urls["login"]
    if user is not None:
        client.force_login(user)
    for route, url in urls.items():
        target = targets[route]
        if user is None and client.get(url).get("Location", "").startswith(login_url):
            # Sent to the sign-in page by the decorator, before the view reads anything.
            everywhere(route, url, target, CORE[0])
            continue
        for value in CORE:
            everywhere(route, url, target, value)
        prober(route, url, sorted(target.get_params), target.forms)()
    return failures, sent[0]


@pytest.fixture
def world(org, executive, manager, employee, outsider) -> World:
    return build(org, executive, manager, employee, outsider)


@pytest.fixture
def urls(world) -> dict[str, str]:
    return {name: url_for(name, route, pattern, world) for name, route, pattern in routes()}


def test_every_route_is_walked(urls):
    # The walk found the app's routes, each with real ids: a route it cannot fill fails above.
    assert {"objectives:create", "practices:practice_detail", "flag_acknowledge", "login", "admin:login"} <= set(urls)
    assert len(urls) >= 50


def test_no_input_is_a_server_error(world, urls):
    started = time.monotonic()
    targets = discover(world, urls)
    # The discovery must see the forms, or the fuzz would only ever test refusals.
    assert targets["objectives:create"].forms and targets["practices:practice_link_objective"].forms
    assert targets["login"].forms and targets["practices:propose"].forms
    assert {"q"} <= targets["objectives:search"].get_params
    discovered = time.monotonic()
    failures, sent = [], 0
    for persona in PERSONAS:
        found, count = fuzz_persona(persona, world, urls, targets)
        failures += found
        sent += count
    print(
        f"fuzz: {len(urls)} routes, {sum(len(t.forms) for t in targets.values())} forms,"
        f" {sent} requests in {time.monotonic() - discovered:.0f} s (discovery {discovered - started:.0f} s)"
    )
    unique = {(f.persona, f.route, f.method, f.fields): f for f in failures}
    assert not unique, f"{len(unique)} server errors:\n" + "\n".join(f.describe() for f in unique.values())


# --- Known server errors, fixed elsewhere ---------------------------------------------------


@dataclass(frozen=True)
class Replay:
    route: str
    method: str
    field: str
    path: str  # ids filled from the world: {objective}, {practice}, {means}, {flag}, {notification}, {proposal}
    pairs: tuple[tuple[str, str], ...]

    @property
    def reason(self) -> str:
        return KNOWN.get((self.route, self.method, self.field), "")

    @property
    def marks(self):
        return [pytest.mark.xfail(strict=False, reason=self.reason)] if self.reason else []


#: The exact requests, as the manager of the north division (PostgreSQL shows the NUL
#: ones); those not in KNOWN any more are plain regression tests.
KNOWN_REQUESTS = [
    Replay("objectives:search", "GET", "q", "/objectives/search/", (("q", "a\x00b"),)),
    Replay("practices:means_search", "GET", "means_q", "/practices/search/means/", (("means_q", "a\x00b"),)),
    Replay("practices:practice_detail", "GET", "q", "/practices/{practice}/", (("q", "a\x00b"),)),
    Replay("practices:practice_detail", "GET", "means_q", "/practices/{practice}/", (("means_q", "a\x00b"),)),
    Replay("practices:means_detail", "GET", "q", "/practices/means/{means}/", (("q", "a\x00b"),)),
    Replay("practices:proposals", "GET", "q", "/practices/proposals/", (("for", "{proposal}"), ("q", "a\x00b"))),
    Replay("flag_detail", "GET", "q", "/flags/{flag}/", (("q", "a\x00b"),)),
    Replay("objectives:create", "GET", "parent", "/objectives/new/", (("parent", "²"),)),
    Replay(
        "practices:practice_retire",
        "POST",
        "next",
        "/practices/{practice}/retire/",
        (("version", "1"), ("next", "abc")),
    ),
    Replay(
        "flag_acknowledge", "POST", "next", "/flags/{flag}/acknowledge/", (("reason", "Accepted."), ("next", "abc"))
    ),
    Replay("flag_retire", "POST", "next", "/flags/{flag}/retire/", (("next", "abc"),)),
    Replay(
        "flag_link",
        "POST",
        "next",
        "/flags/{flag}/link/",
        (("objective", "{objective}"), ("rationale", "Demos share lessons."), ("next", "abc")),
    ),
    Replay("notification_read", "POST", "next", "/notifications/{notification}/read/", (("next", "abc"),)),
    Replay("notifications_read_all", "POST", "next", "/notifications/read-all/", (("next", "abc"),)),
]


@pytest.mark.parametrize(
    "replay",
    [pytest.param(r, marks=r.marks, id=f"{r.method} {r.route} {r.field}") for r in KNOWN_REQUESTS],
)
def test_server_errors_found_by_the_fuzz(replay, world):
    w = world.objects["w"]
    manager = world.users["manager"]
    ids = {
        "objective": w.north_objective.pk,
        "practice": w.north_practice.pk,
        "means": w.wiki.pk,
        "flag": world.objects["flag"].pk,
        "notification": Notification.objects.filter(recipient=manager).first().pk,
        "proposal": w.proposal.pk,
    }
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    pairs = [(name, value.format(**ids)) for name, value in replay.pairs]
    response, _url, _body = send(client, replay.method, replay.path.format(**ids), pairs, htmx=False)
    assert response.status_code < 500, response.exc_info


def test_every_known_server_error_is_replayed():
    assert set(KNOWN) <= {(r.route, r.method, r.field) for r in KNOWN_REQUESTS}

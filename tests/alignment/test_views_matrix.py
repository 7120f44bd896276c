"""Rights matrix of UI part A's routes: route, method and persona → outcome, with and without htmx.

Outcomes: ``ok`` (2xx/3xx, never the sign-in page), ``invalid`` (422: allowed, but the
empty form is refused next to its fields), ``refused`` (403), ``hidden`` (404: someone
else's record is as invisible as a missing one), ``login`` (redirect to sign in).
Objects: ``goal`` is a north sub-objective, ``root`` the company's strategic objective,
``flag`` an orphan-practice flag on a north practice, ``note`` a notification to the manager.
A test walks the URL resolver and fails on any of these namespaces' routes missing here.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import timezone

from alignment.models import Flag, FlagKind, Notification
from tests.factories import ObjectiveFactory, PracticeFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("executive", "manager", "other_manager", "employee", "outsider", "anonymous")

EVERYONE = dict.fromkeys(PERSONAS[:-1], "ok") | {"anonymous": "login"}
MANAGERS_OF_NORTH = {
    "executive": "invalid",
    "manager": "invalid",
    "other_manager": "refused",
    "employee": "refused",
    "outsider": "refused",
    "anonymous": "login",
}
MANAGERS_OF_NORTH_GET = {k: ("ok" if v == "invalid" else v) for k, v in MANAGERS_OF_NORTH.items()}
EXECUTIVES = MANAGERS_OF_NORTH | {"manager": "refused"}
EXECUTIVES_GET = MANAGERS_OF_NORTH_GET | {"manager": "refused"}
ANY_MANAGER_GET = EVERYONE | {"employee": "refused", "outsider": "refused"}
ANY_MANAGER_POST = ANY_MANAGER_GET | {"executive": "invalid", "manager": "invalid", "other_manager": "invalid"}

#: (url name, object for the pk, method, outcome per persona)
MATRIX = [
    ("dashboard", None, "GET", EVERYONE),
    ("flags_inbox", None, "GET", EVERYONE),
    ("flag_detail", "flag", "GET", EVERYONE),
    ("flag_acknowledge", "flag", "POST", MANAGERS_OF_NORTH),
    ("flag_link", "flag", "POST", MANAGERS_OF_NORTH),
    ("flag_retire", "flag", "POST", MANAGERS_OF_NORTH | {"executive": "ok", "manager": "ok"}),
    ("strategy_map", None, "GET", EVERYONE),
    ("notifications", None, "GET", EVERYONE),
    (
        "notification_read",
        "note",
        "POST",
        dict.fromkeys(PERSONAS[:-1], "hidden") | {"manager": "ok", "anonymous": "login"},
    ),
    ("notifications_read_all", None, "POST", EVERYONE),
    ("objectives:tree", None, "GET", EVERYONE),
    ("objectives:list", None, "GET", EVERYONE),
    ("objectives:search", None, "GET", EVERYONE),
    ("objectives:detail", "goal", "GET", EVERYONE),
    ("objectives:children", "goal", "GET", EVERYONE),
    ("objectives:create", None, "GET", ANY_MANAGER_GET),
    ("objectives:create", None, "POST", ANY_MANAGER_POST),
    ("objectives:edit", "goal", "GET", MANAGERS_OF_NORTH_GET),
    ("objectives:edit", "goal", "POST", MANAGERS_OF_NORTH),
    ("objectives:edit", "root", "GET", EXECUTIVES_GET),
    ("objectives:edit", "root", "POST", EXECUTIVES),
    ("objectives:status", "goal", "GET", MANAGERS_OF_NORTH_GET),
    ("objectives:status", "goal", "POST", MANAGERS_OF_NORTH),
    ("objectives:status", "root", "POST", EXECUTIVES),
    ("objectives:reparent", "goal", "GET", MANAGERS_OF_NORTH_GET),
    ("objectives:reparent", "goal", "POST", MANAGERS_OF_NORTH),
    ("objectives:reparent", "root", "POST", EXECUTIVES),
]

#: Methods a route refuses outright (405), checked for a signed-in executive.
WRONG_METHODS = {
    "flag_acknowledge": "GET",
    "flag_link": "GET",
    "flag_retire": "GET",
    "notification_read": "GET",
    "notifications_read_all": "GET",
    "dashboard": "POST",
    "flags_inbox": "POST",
    "flag_detail": "POST",
    "strategy_map": "POST",
    "notifications": "POST",
    "objectives:tree": "POST",
    "objectives:list": "POST",
    "objectives:search": "POST",
    "objectives:detail": "POST",
    "objectives:children": "POST",
    "objectives:create": "PUT",
    "objectives:edit": "DELETE",
    "objectives:status": "DELETE",
    "objectives:reparent": "DELETE",
}

#: URL names of part A (the root names it owns and the objectives namespace).
PART_A_ROOT_NAMES = {
    "dashboard",
    "flags_inbox",
    "flag_detail",
    "flag_acknowledge",
    "flag_link",
    "flag_retire",
    "strategy_map",
    "notifications",
    "notification_read",
    "notifications_read_all",
}


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_part_a_route_is_in_the_matrix():
    routes = {name for name in _names(get_resolver()) if name.startswith("objectives:") or name in PART_A_ROOT_NAMES}
    covered = {name for name, *_rest in MATRIX}
    assert routes - covered == set(), "add these routes to MATRIX"
    assert covered - routes == set(), "MATRIX names routes that do not exist"
    assert set(WRONG_METHODS) == routes


@pytest.fixture
def objects(org, manager):
    root = ObjectiveFactory(title="Root", unit=org.company, parent=None)
    goal = ObjectiveFactory(title="Goal", unit=org.north, parent=root)
    practice = PracticeFactory(unit=org.north)
    flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, raised_at=timezone.now())
    note = Notification.objects.create(recipient=manager, flag=flag)
    return {"root": root, "goal": goal, "flag": flag, "note": note}


def _check(response, outcome: str, label: str) -> None:
    status = response.status_code
    location = response.get("Location", "")
    if outcome == "login":
        assert status == 302, label
        assert location.startswith(reverse("login")), label
    elif outcome == "ok":
        assert status < 400, f"{label}: {status}"
        assert not location.startswith(reverse("login")), label
    else:
        expected = {"invalid": 422, "refused": 403, "hidden": 404}[outcome]
        assert status == expected, f"{label}: {status} != {expected}"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("name", "obj", "method", "outcomes"), MATRIX, ids=[f"{m[2]} {m[0]} {m[1] or ''}" for m in MATRIX]
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_rights_matrix(client, request, objects, persona, name, obj, method, outcomes, htmx):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=[objects[obj].pk] if obj else [])
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.get(url, **extra) if method == "GET" else client.post(url, {}, **extra)
    _check(response, outcomes[persona], f"{persona} {method} {name}")


@pytest.mark.parametrize(("name", "method"), sorted(WRONG_METHODS.items()))
def test_wrong_method_is_405(client, executive, objects, name, method):
    client.force_login(executive)
    obj = next(o for n, o, *_rest in MATRIX if n == name)
    url = reverse(name, args=[objects[obj].pk] if obj else [])
    assert client.generic(method, url).status_code == 405

"""No 500 from a query parameter, a ``next`` value or an id in a query string (issue 9, 1-3).

Each value below once reached the database or ``redirect()`` raw: a NUL byte is a
``DataError`` on PostgreSQL (SQLite accepts it, so the PostgreSQL run is the one that
shows that bug), ``"²".isdigit()`` is true but ``int("²")`` fails, and ``redirect("abc")``
takes the string for a URL name. Run with DATABASE_URL=postgres://… as well.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.engine import sweep
from alignment.models import Flag, Notification
from objectives.models import ObjectiveStatus
from practices.models import PracticeStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeObjectiveFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

#: Raw, already percent-encoded: a lone surrogate cannot be encoded any other way.
HOSTILE = {
    "nul": quote("a\x00b"),
    "long": "x" * 100_000,
    "superscript-two": quote("²"),
    "arabic-indic-digits": quote("١٢"),
    "surrogate": "%ED%A0%80",
    "sql": quote("' OR 1=1 --"),
    "template": quote("{{ 7|add:7 }}{% debug %}"),
    "negative": "-1",
    "huge-number": "9" * 40,
}


@pytest.fixture
def world(org, manager, employee):
    strategy = ObjectiveFactory(unit=org.company, title="Capitalise on knowledge")
    objective = ObjectiveFactory(unit=org.north, title="Reuse lessons learned", parent=strategy)
    means = MeansFactory(unit=org.north, name="Wiki")
    MeansObjectiveFactory(means=means, objective=objective)
    practice = PracticeFactory(unit=org.north, name="Lessons learned in the wiki")
    PracticeObjectiveFactory(practice=practice, objective=objective)
    orphan = PracticeFactory(unit=org.north, name="Orphan practice", owner=manager)
    PracticeFactory(unit=org.north_team, name="Proposed practice", status=PracticeStatus.PROPOSED)
    sweep()
    flag = Flag.objects.get(practice=orphan)
    # The sweep notified the orphan's owner; the fixture does not rely on it doing so.
    notification, _ = Notification.objects.get_or_create(recipient=manager, flag=flag)
    assert notification.read_at is None
    return {
        "objective": objective,
        "means": means,
        "practice": practice,
        "orphan": orphan,
        "flag": flag,
        "notification": notification,
    }


def _routes(w) -> list[tuple[str, list[str]]]:
    """Every page that reads a GET parameter, with the parameters it reads."""
    return [
        (reverse("objectives:search"), ["q", "name", "status"]),
        (reverse("objectives:list"), ["q", "unit", "status", "flagged", "page"]),
        (reverse("objectives:children", args=[w["objective"].pk]), ["collapse"]),
        (reverse("objectives:create"), ["parent"]),
        (reverse("objectives:status", args=[w["objective"].pk]), ["status"]),
        (reverse("practices:means_search"), ["means_q", "name", "practice"]),
        (reverse("practices:practice_detail", args=[w["practice"].pk]), ["q", "means_q", "region"]),
        (reverse("practices:means_detail", args=[w["means"].pk]), ["q", "region"]),
        (reverse("practices:practice_list"), ["q", "unit", "status", "flagged", "page"]),
        (reverse("practices:means_list"), ["q", "unit", "kind", "status", "flagged", "page"]),
        (reverse("practices:proposals"), ["for", "q", "page", "mine"]),
        (reverse("flag_detail", args=[w["flag"].pk]), ["q", "next"]),
        (reverse("flags_inbox"), ["state", "kind", "unit", "owner", "scope", "page"]),
        (reverse("notifications"), ["page"]),
        (reverse("strategy_map"), ["unit"]),
    ]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_query_parameter_value_is_a_server_error(client, manager, world, value):
    client.force_login(manager)
    for url, params in _routes(world):
        for param in params:
            for headers in ({}, HTMX):
                response = client.get(url, QUERY_STRING=f"{param}={value}", **headers)
                assert response.status_code < 500, (url, param, response.status_code)
                assert response.status_code in (200, 302), (url, param, response.status_code)


#: Text people never type but a crafted link can carry, mixed into the generated strings.
_NASTY = st.sampled_from(["\x00", "\ud800", "²", "١", "'", '"', "%", "{{", "{%", "<script>", "\u202e", "\r\n"])
_VALUES = st.one_of(
    st.text(max_size=50),
    st.lists(st.one_of(st.text(max_size=5), _NASTY), max_size=8).map("".join),
    st.integers().map(str),
    # Decimal and other digits ("²", "١"): isdigit() is true for all, int() refuses some.
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
    st.sampled_from(["x" * 100_000, "9" * 40, "-0", "1e3", "0x1f", " 1 "]),
)


@settings(
    max_examples=150,
    deadline=None,
    # The world is only read by these GET requests: sharing it between examples is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_query_parameters_never_cause_a_server_error(client, manager, world, data):
    client.force_login(manager)
    url, params = data.draw(st.sampled_from(_routes(world)), label="route")
    chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, unique=True), label="params")
    query = "&".join(
        f"{param}={quote(data.draw(_VALUES, label=param), safe='', errors='surrogatepass')}" for param in chosen
    )
    headers = data.draw(st.sampled_from([{}, HTMX]), label="headers")
    response = client.get(url, QUERY_STRING=query, **headers)
    assert response.status_code in (200, 302), (url, query[:200], response.status_code)


@pytest.mark.parametrize(
    ("url_name", "param", "needs"),
    [
        ("objectives:search", "q", None),
        ("practices:means_search", "means_q", None),
        ("practices:practice_detail", "q", "practice"),
        ("practices:practice_detail", "means_q", "practice"),
        ("practices:means_detail", "q", "means"),
        ("flag_detail", "q", "flag"),
    ],
)
def test_a_nul_byte_in_a_search_counts_as_no_search(client, manager, world, url_name, param, needs):
    client.force_login(manager)
    url = reverse(url_name, args=[world[needs].pk] if needs else [])
    hostile = client.get(url, QUERY_STRING=f"{param}=Wi%00ki")
    assert hostile.status_code == 200
    plain = client.get(url)
    # The same page as without the parameter: nothing was searched for a value nobody types.
    assert _without_tokens(hostile) == _without_tokens(plain)


def test_a_nul_byte_in_the_proposals_search_counts_as_no_search(client, manager, world):
    client.force_login(manager)
    proposed = world["practice"].__class__.objects.get(name="Proposed practice")
    url = reverse("practices:proposals")
    hostile = client.get(url, QUERY_STRING=f"for={proposed.pk}&q=Reuse%00")
    assert hostile.status_code == 200
    assert _without_tokens(hostile) == _without_tokens(client.get(url))
    # A real search still narrows that proposal's objectives.
    searched = client.get(url, {"for": proposed.pk, "q": "zzz-nothing"}).content.decode()
    assert "Reuse lessons learned" not in searched.split('id="decide"')[1]


def _without_tokens(response) -> str:
    """The page's own content (the header's language form echoes the full path), tokens aside."""
    body = _main(response.content.decode())
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'name="form_token" value="[^"]+"', "", body)
    return re.sub(r"X-CSRFToken\": \"[^\"]+\"", "", body)


def _main(body: str) -> str:
    return body[body.index("<main") : body.index("</main>")] if "<main" in body else body


# --- Ids in query strings ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A1%D9%A2x", "1.5", "-3", "0", "9" * 30, "%00"])
def test_a_parent_that_is_not_an_id_opens_an_empty_form(client, manager, world, value):
    client.force_login(manager)
    response = client.get(reverse("objectives:create"), QUERY_STRING=f"parent={value}")
    assert response.status_code == 200
    assert "selected" not in response.content.decode().split('name="parent"')[1].split("</select>")[0]


def test_a_parent_id_still_preselects_the_parent_and_its_unit(client, manager, world):
    client.force_login(manager)
    parent = world["objective"]
    body = client.get(reverse("objectives:create"), {"parent": parent.pk}).content.decode()
    assert f'<option value="{parent.pk}" selected>' in body
    assert f'<option value="{parent.unit_id}" selected>' in body


# --- next ---------------------------------------------------------------------------------

NOT_A_PATH = ["abc", "flags_inbox", "https://evil.example/", "//evil.example/", "javascript:alert(1)", "a\x00b"]


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_acknowledging_a_flag_with_a_next_that_is_not_a_path_goes_to_the_inbox(client, manager, world, next_value):
    client.force_login(manager)
    flag = world["flag"]
    response = client.post(reverse("flag_acknowledge", args=[flag.pk]), {"reason": "accepted", "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == reverse("flags_inbox")
    flag.refresh_from_db()
    assert flag.acknowledged_at is not None


def test_acknowledging_a_flag_goes_back_to_a_next_path(client, manager, world):
    client.force_login(manager)
    back = reverse("flags_inbox") + "?state=open&scope=all"
    response = client.post(reverse("flag_acknowledge", args=[world["flag"].pk]), {"reason": "ok", "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_retiring_a_flagged_practice_with_a_bad_next_goes_to_the_inbox(client, manager, world, next_value):
    client.force_login(manager)
    response = client.post(reverse("flag_retire", args=[world["flag"].pk]), {"next": next_value})
    assert response["Location"] == reverse("flags_inbox")
    world["orphan"].refresh_from_db()
    assert world["orphan"].status == PracticeStatus.RETIRED


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_linking_a_flagged_practice_with_a_bad_next_goes_to_the_inbox(client, manager, world, next_value):
    client.force_login(manager)
    data = {"objective": world["objective"].pk, "rationale": "It serves it.", "next": next_value}
    response = client.post(reverse("flag_link", args=[world["flag"].pk]), data)
    assert response["Location"] == reverse("flags_inbox")
    assert world["orphan"].objective_links.filter(objective=world["objective"]).exists()


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_retiring_a_practice_with_a_bad_next_goes_to_its_page(client, manager, world, next_value):
    client.force_login(manager)
    practice = world["practice"]
    response = client.post(
        reverse("practices:practice_retire", args=[practice.pk]), {"version": practice.version, "next": next_value}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:practice_detail", args=[practice.pk])
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.RETIRED


def test_retiring_a_practice_with_a_version_that_is_not_a_number_retires_it(client, manager, world):
    client.force_login(manager)
    practice = world["practice"]
    response = client.post(reverse("practices:practice_retire", args=[practice.pk]), {"version": "²"})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.RETIRED


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_reading_a_notification_with_a_bad_next_goes_to_the_notifications(client, manager, world, next_value):
    client.force_login(manager)
    notification = world["notification"]
    response = client.post(reverse("notification_read", args=[notification.pk]), {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_reading_all_notifications_with_a_bad_next_goes_to_the_notifications(client, manager, world, next_value):
    client.force_login(manager)
    response = client.post(reverse("notifications_read_all"), {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()


def test_the_flag_page_never_copies_a_bad_next_into_its_forms(client, manager, world):
    client.force_login(manager)
    url = reverse("flag_detail", args=[world["flag"].pk])
    assert 'name="next"' not in _main(client.get(url, {"next": "abc"}).content.decode())
    kept = _main(client.get(url, {"next": "/flags/?state=open"}).content.decode())
    assert 'name="next" value="/flags/?state=open"' in kept


def test_the_status_page_takes_a_suggested_status_only_when_it_is_one(client, manager, world):
    # ?status= on the status page is a suggestion; one that is not a status is ignored.
    client.force_login(manager)
    url = reverse("objectives:status", args=[world["objective"].pk])
    body = client.get(url, {"status": "archived"}).content.decode()
    assert '<option value="archived" selected>' in body
    body = client.get(url, QUERY_STRING="status=%00").content.decode()
    assert f'<option value="{ObjectiveStatus.ACTIVE}" selected>' in body


@pytest.mark.parametrize("next_value", NOT_A_PATH)
def test_django_s_own_next_readers_never_fail_on_a_bad_next(client, manager, world, next_value):
    # Sign-in, sign-out and the language switch read next themselves (Django's views):
    # they must answer a redirect, never a server error.
    client.force_login(manager)
    language = client.post("/i18n/setlang/", {"language": "en", "next": next_value})
    assert language.status_code == 302
    assert "evil.example" not in language["Location"]
    assert client.get(reverse("login"), {"next": next_value}).status_code in (200, 302)
    signed_out = client.post(reverse("logout"), {"next": next_value})
    assert signed_out.status_code in (200, 302)
    assert "evil.example" not in signed_out.get("Location", "")

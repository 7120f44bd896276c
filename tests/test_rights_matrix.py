"""docs/rights.csv is the one matrix of route × method × role; this test holds the code to it.

Each row names a route, a method (GET or POST; PATCH and DELETE too for the REST API,
which is sent an empty JSON object), the objects its URL points at, and for each persona
what an empty request gets:

- ``ok``: served (2xx/3xx, and not sent to sign in);
- ``invalid``: allowed, but the empty form is refused next to its fields (422);
- ``refused``: forbidden (403), or 401 for a client that did not authenticate;
- ``hidden``: someone else's record, as invisible as a missing one (404);
- ``login``: sent to sign in, and back here afterwards.

Two coarser words are still understood, for rows not yet refined: ``allow`` (ok or
invalid) and ``deny`` (refused or hidden).

Every request is tried as a plain request and again as an htmx request. A route missing
from the matrix, or a row for a route that no longer exists, fails; so does a method the
matrix lists for none of a route's rows unless the route answers it 405. Each request
runs inside a rolled-back savepoint, so one persona's write cannot change what the next
one sees. The pages' tests with valid data (tests/practices/test_views.py) take who may
act from this same matrix.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from alignment import questions
from alignment.models import Flag, FlagKind, Notification
from interop.models import ImportJob, ImportStatus
from objectives.models import ObjectiveStatus
from org.models import Role
from practices.models import PracticeStatus
from tests.factories import (
    KeyResultFactory,
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
)

MATRIX = Path(__file__).resolve().parent.parent / "docs" / "rights.csv"
PERSONAS = ("executive", "manager", "other_manager", "employee", "outsider", "anonymous")
VERDICTS = ("ok", "invalid", "refused", "hidden", "login")
#: The coarse words, and the precise verdicts each accepts.
COARSE = {"allow": {"ok", "invalid"}, "deny": {"refused", "hidden"}}
# Django's admin guards itself (is_staff) and is covered by tests/alignment/test_admin.py.
UNLISTED_NAMESPACES = {"admin"}
#: Django's own views, whose handling of other methods is Django's: the sign-in page
#: redirects a signed-in person whatever the method, set_language redirects a GET, and
#: the password form treats PUT as POST.
FOREIGN_METHOD_HANDLING = {"login", "set_language", "password_change"}


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    kwargs: str
    expected: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.method} {self.route} {self.kwargs}".strip()


def _rows() -> list[Row]:
    with MATRIX.open(newline="") as handle:
        return [
            Row(line["route"], line["method"], line["kwargs"], {p: line[p] for p in PERSONAS})
            for line in csv.DictReader(handle)
        ]


ROWS = _rows()


def verdicts(route: str, method: str) -> dict[str, str]:
    """Persona → verdict for a route and method (all its rows must agree)."""
    found = {tuple(row.expected.items()) for row in ROWS if row.route == route and row.method == method}
    assert len(found) == 1, f"docs/rights.csv has {len(found)} different rows for {method} {route}"
    return dict(found.pop())


def _route_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in UNLISTED_NAMESPACES:
                continue
            prefix = f"{namespace}{inner}:" if inner else namespace
            names |= _route_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_the_rights_matrix():
    routes = _route_names(get_resolver().url_patterns)
    listed = {row.route for row in ROWS}
    assert sorted(routes - listed) == [], "routes missing from docs/rights.csv"
    assert sorted(listed - routes) == [], "docs/rights.csv lists routes that no longer exist"


def test_every_cell_of_the_matrix_is_a_known_verdict():
    for row in ROWS:
        assert row.method in ("GET", "POST", "PATCH", "DELETE"), row.id
        assert set(row.expected.values()) <= {*VERDICTS, *COARSE}, row.id
    assert len({row.id for row in ROWS}) == len(ROWS), "a row appears twice"


@pytest.fixture
def world(org, executive, manager, other_manager, employee, outsider):
    root = ObjectiveFactory(title="Root", unit=org.company, status=ObjectiveStatus.ACTIVE)
    north_objective = ObjectiveFactory(title="North goal", unit=org.north, parent=root)
    north_key_result = KeyResultFactory(objective=north_objective, owner=employee)
    north_practice = PracticeFactory(unit=org.north, owner=manager)
    north_means = MeansFactory(unit=org.north, owner=manager)
    PracticeObjectiveFactory(practice=north_practice, objective=north_objective)
    PracticeMeansFactory(practice=north_practice, means=north_means)
    MeansObjectiveFactory(means=north_means, objective=north_objective)
    proposal = PracticeFactory(unit=org.north_team, status=PracticeStatus.PROPOSED, proposed_by=employee)
    orphan = PracticeFactory(unit=org.north, owner=manager)
    # The live path's re-checks run on commit, never inside this rolled-back test.
    flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=orphan, raised_at=timezone.now())
    notification = Notification.objects.create(recipient=manager, flag=flag)
    north_question = questions.ask(by=employee, subject=north_practice, text="Why do we still do this?")
    # A finished import: confirming it again changes nothing, whoever tries.
    import_job = ImportJob.objects.create(
        created_by=executive, unit=org.company, format="csv", filename="plan.csv", status=ImportStatus.DONE
    )
    return {
        "root": root,
        "north_objective": north_objective,
        "north_key_result": north_key_result,
        "north_practice": north_practice,
        "north_means": north_means,
        "proposal": proposal,
        "flag": flag,
        "notification": notification,
        "north_question": north_question,
        "import_job": import_job,
        "users": {
            "executive": executive,
            "manager": manager,
            "other_manager": other_manager,
            "employee": employee,
            "outsider": outsider,
        },
    }


def _url(row: Row, world) -> str:
    kwargs = {}
    for part in filter(None, row.kwargs.split(";")):
        name, key = part.split("=")
        kwargs[name] = world[key].pk
    return reverse(row.route, kwargs=kwargs)


def _verdict(response) -> str:
    status = response.status_code
    known = {400: "invalid", 401: "refused", 403: "refused", 404: "hidden", 422: "invalid"}
    if status in known:
        return known[status]
    # Sent to sign in *and* back here afterwards: a plain redirect to the sign-in page
    # (after signing out) is the view doing its job, not a refusal.
    if status == 302 and response.url.startswith(reverse(settings.LOGIN_URL) + "?next="):
        return "login"
    if status < 400:
        return "ok"
    return f"status {status}"


def matches(expected: str, got: str) -> bool:
    return got in COARSE.get(expected, {expected})


def may_act(verdict: str) -> bool:
    """Whether a persona with this verdict is let through to the form or the action."""
    return matches(verdict, "ok") or matches(verdict, "invalid")


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_rights_matrix(row: Row, world, client):
    url = _url(row, world)
    mismatches = []
    for persona in PERSONAS:
        user = world["users"].get(persona)
        for htmx in (False, True):
            client.logout()
            if user is not None:
                client.force_login(user)
            headers = {"HX-Request": "true"} if htmx else {}
            with transaction.atomic():
                if row.method == "GET":
                    response = client.get(url, headers=headers)
                elif row.route.startswith("api:"):
                    # The REST API reads JSON; an empty object is what a careless client would send.
                    response = client.generic(row.method, url, "{}", "application/json", headers=headers)
                else:
                    response = client.post(url, {}, headers=headers)
                transaction.set_rollback(True)
            got = _verdict(response)
            if not matches(row.expected[persona], got):
                who = f"{persona} (htmx)" if htmx else persona
                mismatches.append(f"{who}: expected {row.expected[persona]}, got {got} ({response.status_code})")
    assert not mismatches, f"{row.id}: " + "; ".join(mismatches)


def test_matrix_personas_match_the_suite_personas(org, executive, manager, other_manager, employee, outsider):
    # The matrix speaks of these roles; keep them meaning what the conftest says.
    assert executive.memberships.get().role == Role.EXECUTIVE
    assert executive.memberships.get().unit == org.company
    assert manager.memberships.get().role == Role.MANAGER
    assert manager.memberships.get().unit == org.north
    assert other_manager.memberships.get().role == Role.MANAGER
    assert other_manager.memberships.get().unit == org.south
    assert employee.memberships.get().role == Role.EMPLOYEE
    assert employee.memberships.get().unit == org.north_team
    assert not outsider.memberships.exists()


def _wrong_methods() -> list[tuple[str, str]]:
    listed: dict[str, set[str]] = {}
    for row in ROWS:
        listed.setdefault(row.route, set()).add(row.method)
    return [
        (route, method)
        for route, methods in sorted(listed.items())
        if route not in FOREIGN_METHOD_HANDLING
        for method in ("GET", "POST", "PUT", "DELETE")
        if method not in methods
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), _wrong_methods(), ids=[f"{m} {r}" for r, m in _wrong_methods()])
def test_a_method_the_matrix_does_not_list_is_refused_with_405(route, method, world, client):
    client.force_login(world["users"]["executive"])
    row = next(row for row in ROWS if row.route == route)
    for headers in ({}, {"HX-Request": "true"}):
        with transaction.atomic():
            response = client.generic(method, _url(row, world), headers=headers)
            transaction.set_rollback(True)
        assert response.status_code == 405, headers

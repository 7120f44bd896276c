"""docs/rights.csv is the one matrix of route × method × role; this test holds the code to it.

Each row names a route, a method, the objects its URL points at, and for each persona
whether the request is allowed ("allow"), refused ("deny": 403 or 404) or sent to sign
in ("login"). Every request is tried as a plain request and again as an htmx request.
A route missing from the matrix, or a row for a route that no longer exists, fails.
Each request runs inside a rolled-back savepoint, so one persona's write cannot change
what the next one sees.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alignment.models import Flag, FlagKind, Notification
from interop.models import ImportJob, ImportStatus
from objectives.models import ObjectiveStatus
from org.models import Role
from practices.models import PracticeStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    MembershipFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UserFactory,
)

MATRIX = Path(__file__).resolve().parent.parent / "docs" / "rights.csv"
PERSONAS = ("executive", "manager", "other_manager", "employee", "outsider", "anonymous")
# Django's admin guards itself (is_staff) and is covered by tests/alignment/test_admin.py.
UNLISTED_NAMESPACES = {"admin"}


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
        assert row.method in ("GET", "POST"), row.id
        assert set(row.expected.values()) <= {"allow", "deny", "login"}, row.id


@pytest.fixture
def world(org, executive, manager, other_manager, employee, outsider):
    root = ObjectiveFactory(title="Root", unit=org.company, status=ObjectiveStatus.ACTIVE)
    north_objective = ObjectiveFactory(title="North goal", unit=org.north, parent=root)
    north_practice = PracticeFactory(unit=org.north, owner=manager)
    north_means = MeansFactory(unit=org.north, owner=manager)
    PracticeObjectiveFactory(practice=north_practice, objective=north_objective)
    PracticeMeansFactory(practice=north_practice, means=north_means)
    MeansObjectiveFactory(means=north_means, objective=north_objective)
    proposal = PracticeFactory(unit=org.north_team, status=PracticeStatus.PROPOSED, proposed_by=employee)
    orphan = PracticeFactory(unit=org.north, owner=manager)
    flag = Flag.objects.filter(kind=FlagKind.ORPHAN_PRACTICE, practice=orphan, resolved_at=None).first()
    if flag is None:
        from django.utils import timezone

        flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=orphan, raised_at=timezone.now())
    notification, _created = Notification.objects.get_or_create(recipient=manager, flag=flag)
    # A finished import: confirming it again changes nothing, whoever tries.
    import_job = ImportJob.objects.create(
        created_by=executive, unit=org.company, format="csv", filename="plan.csv", status=ImportStatus.DONE
    )
    return {
        "root": root,
        "north_objective": north_objective,
        "north_practice": north_practice,
        "north_means": north_means,
        "proposal": proposal,
        "flag": flag,
        "notification": notification,
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
    if response.status_code in (401, 403, 404):
        return "deny"
    # Sent to sign in *and* back here afterwards: a plain redirect to the sign-in page
    # (after signing out) is the view doing its job, not a refusal.
    if response.status_code == 302 and response.url.startswith(reverse(settings.LOGIN_URL) + "?next="):
        return "login"
    if response.status_code == 405:
        return "method not allowed"
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return "allow"


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
                else:
                    response = client.post(url, {}, headers=headers)
                transaction.set_rollback(True)
            got = _verdict(response)
            if got != row.expected[persona]:
                who = f"{persona} (htmx)" if htmx else persona
                mismatches.append(f"{who}: expected {row.expected[persona]}, got {got} ({response.status_code})")
    assert not mismatches, f"{row.id}: " + "; ".join(mismatches)


def test_matrix_personas_match_the_suite_personas(org, executive, manager, other_manager, employee):
    # The matrix speaks of these roles; keep them meaning what the conftest says.
    assert executive.memberships.get().role == Role.EXECUTIVE
    assert manager.memberships.get().unit == org.north
    assert other_manager.memberships.get().unit == org.south
    assert employee.memberships.get().role == Role.EMPLOYEE
    MembershipFactory  # noqa: B018 — factories stay importable for new personas
    UserFactory  # noqa: B018

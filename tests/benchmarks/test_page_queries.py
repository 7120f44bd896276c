"""Every page costs the same number of queries whatever the organisation's size.

The pages are those ``manage.py bench_pages`` measures (``benchmarks.pages``), opened by
an executive, a manager and an employee on a small organisation, then again after it
grew several times over. django-zeal stays on (tests/settings.py): a page loading rows
one by one fails here even before the counts are compared.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment import engine
from alignment.models import Flag
from benchmarks import pages as bench_pages
from objectives.models import ObjectiveStatus
from practices.models import PracticeStatus, Practitioner
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("executive", "manager", "employee")


def grow(org, people, n: int, tag: str) -> None:
    """Add a strategy tree of ``n`` objectives with means and practices, a few of each broken."""
    units = [org.company, org.north, org.north_team, org.south]
    objectives = [ObjectiveFactory(title=f"Objective {tag} root", unit=org.company, owner=people[0])]
    for i in range(n):
        objectives.append(
            ObjectiveFactory(
                title=f"Objective {tag} {i}",
                parent=objectives[i // 2],
                unit=units[i % 4],
                owner=people[i % 3],
                status=ObjectiveStatus.DRAFT if i % 7 == 6 else ObjectiveStatus.ACTIVE,
            )
        )
    means = []
    for i in range(n):
        m = MeansFactory(name=f"Means {tag} {i}", unit=units[i % 4], owner=people[i % 3])
        if i % 5:  # every fifth serves nothing
            MeansObjectiveFactory(means=m, objective=objectives[i % len(objectives)])
        means.append(m)
    for i in range(2 * n):
        practice = PracticeFactory(
            name=f"Practice {tag} {i}",
            unit=units[i % 4],
            owner=people[i % 3],
            status=PracticeStatus.PROPOSED if i % 6 == 5 else PracticeStatus.ACTIVE,
            proposed_by=people[2] if i % 6 == 5 else None,
        )
        if i % 4:  # every fourth is an orphan
            PracticeObjectiveFactory(practice=practice, objective=objectives[(i * 3) % len(objectives)])
        PracticeMeansFactory(practice=practice, means=means[i % n])
        if i % 3 == 0:
            Practitioner.objects.create(practice=practice, user=people[i % 3])
    engine.sweep()


def page_queries(client, users, unit_ids) -> dict[tuple[str, str], int]:
    counts = {}
    for name, user in zip(PERSONAS, users, strict=True):
        client.force_login(user)
        for page in bench_pages.pages(bench_pages.subjects(unit_ids[name])):
            headers = {"HTTP_HX_REQUEST": "true"} if page.htmx else {}
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.url, **headers)
            assert response.status_code == 200, (name, page.url, response.status_code)
            counts[(name, page.label)] = len(queries)
    return counts


def test_every_page_costs_the_same_queries_as_the_organisation_grows(client, org, executive, manager, employee):
    users = [executive, manager, employee]
    unit_ids = {"executive": org.company.pk, "manager": org.north.pk, "employee": org.north_team.pk}
    grow(org, users, 4, "a")
    assert Flag.objects.open().exists()
    small = page_queries(client, users, unit_ids)
    grow(org, users, 40, "b")
    larger = page_queries(client, users, unit_ids)
    assert len(small) == len(larger) == 3 * len(bench_pages.pages(bench_pages.subjects(org.company.pk)))
    changed = {page: (small[page], larger[page]) for page in small if small[page] != larger[page]}
    assert not changed, f"queries changed with the organisation's size (small, larger): {changed}"

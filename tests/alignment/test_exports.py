"""CSV exports of the four lists: the rows the page shows (filters applied), all pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.models import Flag, FlagKind
from objectives.models import ObjectiveStatus
from tests.factories import MeansFactory, ObjectiveFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_objectives_export_applies_the_filters(client, employee, org):
    ObjectiveFactory(title="North goal", unit=org.north, status=ObjectiveStatus.ACTIVE)
    ObjectiveFactory(title="South goal", unit=org.south, status=ObjectiveStatus.ACTIVE)
    ObjectiveFactory(title="North draft", unit=org.north, status=ObjectiveStatus.DRAFT)
    client.force_login(employee)
    rows = _rows(client.get(reverse("export_objectives"), {"unit": org.north.pk, "status": "active"}))
    assert rows[0][:3] == ["Id", "Title", "Status"]
    assert [row[1] for row in rows[1:]] == ["North goal"]
    assert len(_rows(client.get(reverse("export_objectives")))) == 1 + 3
    page = client.get(reverse("objectives:list"), {"unit": org.north.pk}).content.decode()
    assert f"{reverse('export_objectives')}?unit={org.north.pk}" in page


def test_means_and_practices_exports(client, employee, org):
    for index in range(30):  # more than one page of the list
        PracticeFactory(name=f"Practice {index:02}", unit=org.north)
    PracticeFactory(name="Elsewhere", unit=org.south)
    MeansFactory(name="Wiki", unit=org.north)
    client.force_login(employee)
    rows = _rows(client.get(reverse("export_practices"), {"unit": org.north.pk}))
    assert len(rows) == 1 + 30
    assert "Elsewhere" not in {row[1] for row in rows}
    rows = _rows(client.get(reverse("export_means"), {"q": "wik"}))
    assert [row[1] for row in rows[1:]] == ["Wiki"]


def test_flags_export_matches_the_inbox(client, manager, org):
    north = PracticeFactory(name="North orphan", unit=org.north)
    south = PracticeFactory(name="South orphan", unit=org.south)
    for practice in (north, south):
        Flag.objects.get_or_create(
            kind=FlagKind.ORPHAN_PRACTICE, practice=practice, resolved_at=None, defaults={"raised_at": timezone.now()}
        )
    client.force_login(manager)
    rows = _rows(client.get(reverse("export_flags")))  # a manager's inbox: their units first
    assert {row[3] for row in rows[1:]} == {"North orphan"}
    rows = _rows(client.get(reverse("export_flags"), {"scope": "all"}))
    assert {row[3] for row in rows[1:]} == {"North orphan", "South orphan"}
    assert rows[1][7] == "Open"


def test_a_formula_never_reaches_the_spreadsheet(client, employee, org):
    PracticeFactory(name='=HYPERLINK("http://evil","x")', unit=org.north)
    client.force_login(employee)
    rows = _rows(client.get(reverse("export_practices")))
    assert rows[1][1].startswith("'=")


def test_export_queries_do_not_grow_with_rows(client, employee, org):
    client.force_login(employee)

    def count(name):
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(reverse(name)).streaming_content)
        return len(queries)

    PracticeFactory(unit=org.north)
    ObjectiveFactory(unit=org.north)
    before = {name: count(name) for name in ("export_practices", "export_objectives")}
    for _index in range(25):
        PracticeFactory(unit=org.north)
        ObjectiveFactory(unit=org.north)
    assert {name: count(name) for name in before} == before


@pytest.mark.parametrize("name", ["export_objectives", "export_means", "export_practices", "export_flags"])
def test_exports_need_sign_in_and_survive_bad_filters(client, employee, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(employee)
    assert client.get(reverse(name), {"unit": "x\x00", "status": "nope", "q": "a\x00"}).status_code == 200

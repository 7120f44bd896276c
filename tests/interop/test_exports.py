"""Exports: the ArchiMate file is valid against the Open Group schemas, and every format round-trips."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command

from interop.exports import export_bytes
from interop.models import ImportedRecord
from interop.services import run_import
from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, MeansKind, MeansObjective, Practice, PracticeMeans, PracticeObjective
from tests.factories import MeansFactory, ObjectiveFactory, PracticeFactory, UserFactory
from tests.interop.conftest import FIXTURES
from tests.interop.test_formats import SHEET

pytestmark = pytest.mark.django_db

XSD = FIXTURES / "archimate-exchange-xsd"


def archimate_schema():
    from lxml import etree

    class Local(etree.Resolver):
        # The schemas import xml.xsd from w3.org; the tests never reach the network.
        def resolve(self, url, pubid, context):
            if url.endswith("xml.xsd"):
                return self.resolve_filename(str(XSD / "xml.xsd"), context)
            return None

    parser = etree.XMLParser()
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(XSD / "archimate3_Diagram.xsd"), parser))


@pytest.fixture
def strategy(org, executive):
    """Some records imported from a spreadsheet, some made in Raison, all linked."""
    UserFactory(email="boss@example.com")
    run_import(SHEET.encode(), filename="plan.csv", format="csv", unit=org.company, by=executive)
    root = ObjectiveFactory(
        title="Made here", statement="Typed in Raison", unit=org.company, status=ObjectiveStatus.ACTIVE
    )
    child = ObjectiveFactory(title="Child & <sub>", statement="A “quoted” statement", unit=org.north, parent=root)
    ObjectiveFactory(title="Grandchild", statement="Three levels down", unit=org.north, parent=child)
    means = MeansFactory(name="Wiki", kind=MeansKind.TECHNICAL, unit=org.north, url="https://wiki.example.com")
    practice = PracticeFactory(name="Write it down", unit=org.north)
    MeansObjective.objects.create(means=means, objective=child, rationale="The wiki holds it")
    PracticeObjective.objects.create(practice=practice, objective=child, rationale="Written down, not lost")
    PracticeMeans.objects.create(practice=practice, means=means, rationale="Written in the wiki")


def empty_the_database():
    for model in (MeansObjective, PracticeObjective, PracticeMeans, ImportedRecord, Practice, Means):
        model.objects.all().delete()
    while Objective.objects.exists():
        Objective.objects.filter(children__isnull=True).delete()


def test_archimate_export_is_valid_against_the_open_group_schemas(strategy):
    from lxml import etree

    data = export_bytes(format="archimate")
    schema = archimate_schema()
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log
    # The schema really checks: an element without a type is refused.
    document[1][0].attrib.pop("{http://www.w3.org/2001/XMLSchema-instance}type")
    assert not schema.validate(document)


def xlsx_rows(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("fmt", "xsd"),
    [("stratml", "StrategicPlanISOVersion20140401.xsd"), ("stratml-2", "PerformancePlanOrReport20160216.xsd")],
)
def test_stratml_exports_are_valid_against_their_schemas(strategy, fmt, xsd):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "stratml" / xsd)))
    assert schema.validate(etree.fromstring(export_bytes(format=fmt))), schema.error_log


@pytest.mark.parametrize("fmt", ["archimate", "archi-csv", "stratml", "stratml-2", "csv", "xlsx"])
def test_export_import_export_gives_the_same_content(strategy, org, executive, fmt):
    first = export_bytes(format=fmt)
    empty_the_database()
    preview = run_import(first, filename=f"export.{fmt}", format="auto", unit=org.company, by=executive)
    assert preview.ok, preview.issues
    second = export_bytes(format=fmt)
    if fmt == "xlsx":
        assert xlsx_rows(second) == xlsx_rows(first)
    else:
        assert second == first
    if fmt in ("archimate", "archi-csv", "csv", "xlsx"):
        assert Objective.objects.get(title="Child & <sub>").parent.title == "Made here"
        assert MeansObjective.objects.get(means__name="Wiki").rationale == "The wiki holds it"
    else:
        assert Objective.objects.get(title="Grandchild").parent.title == "Child & <sub>"


def test_exporting_one_unit_keeps_its_subtree_only(strategy, org):
    data = export_bytes(format="csv", unit=org.north).decode("utf-8-sig")
    assert "Sell more" in data and "Wiki" in data
    assert "Made here" not in data and "Grow" not in data


def test_export_command_writes_the_file(strategy, tmp_path):
    out = tmp_path / "strategy.xml"
    call_command("export_strategy", "--format", "archimate", str(out), stderr=StringIO())
    assert out.read_bytes() == export_bytes(format="archimate")


def test_export_reads_a_constant_number_of_queries(strategy, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        export_bytes(format="csv")

"""``manage.py import_archimate``: an ArchiMate Model Exchange file becomes objectives, means and practices."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from objectives.models import Objective, ObjectiveStatus
from practices.models import (
    Means,
    MeansKind,
    MeansObjective,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)

pytestmark = pytest.mark.django_db

ARCHISURANCE = Path(__file__).resolve().parent.parent / "fixtures" / "archimate" / "archisurance.xml"
NS = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"

TECHNICAL = {"ApplicationComponent", "ApplicationService", "Node", "SystemSoftware"}
ORGANISATIONAL = {"BusinessRole", "BusinessActor", "Capability", "Principle", "Constraint", "Requirement"}
PRACTICES = {"BusinessProcess", "BusinessFunction", "BusinessInteraction", "WorkPackage"}
OBJECTIVES = {"Goal", "Outcome", "Driver"}

SMALL = f"""<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="m">
  <name xml:lang="en">Small</name>
  <elements>
    <element identifier="g-top" xsi:type="Goal">
      <name xml:lang="en">Happy customers</name>
      <documentation xml:lang="en">Customers come back.</documentation>
    </element>
    <element identifier="g-sub" xsi:type="Goal"><name xml:lang="en">Fast claims</name></element>
    <element identifier="app" xsi:type="ApplicationComponent">
      <name xml:lang="en">Claims system</name>
      <documentation xml:lang="en">Where claims live.</documentation>
    </element>
    <element identifier="proc" xsi:type="BusinessProcess"><name xml:lang="en">Handle claim</name></element>
    <element identifier="obj" xsi:type="BusinessObject"><name xml:lang="en">Claim</name></element>
  </elements>
  <relationships>
    <relationship identifier="r1" source="g-sub" target="g-top" xsi:type="Influence"/>
    <relationship identifier="r2" source="app" target="g-sub" xsi:type="Realization"/>
    <relationship identifier="r3" source="app" target="proc" xsi:type="Serving"/>
    <relationship identifier="r4" source="proc" target="obj" xsi:type="Access"/>
  </relationships>
</model>
"""


def run(path, *, unit="company", user="executive", dry_run=False) -> str:
    out = StringIO()
    args = [str(path), "--unit", unit, "--as", user] + (["--dry-run"] if dry_run else [])
    call_command("import_archimate", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Objective, Means, Practice, MeansObjective, PracticeObjective, PracticeMeans)
    )


def names_in_file(types: set[str]) -> set[str]:
    root = ET.parse(ARCHISURANCE).getroot()  # noqa: S314 (our own fixture)
    return {
        " ".join(element.findtext(f"{{{NS}}}name").split())
        for element in root.iter(f"{{{NS}}}element")
        if element.get(XSI) in types
    }


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.xml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_archisurance_is_imported(org, executive):
    out = run(ARCHISURANCE)

    # ArchiSurance names its goals as Principles and relates none of them to anything, so it
    # holds no Goal/Outcome/Driver and no principle realizing a goal: no objective to import.
    assert Objective.objects.count() == len(names_in_file(OBJECTIVES)) == 0
    technical = Means.objects.filter(unit=org.company, kind=MeansKind.TECHNICAL)
    organisational = Means.objects.filter(unit=org.company, kind=MeansKind.ORGANISATIONAL)
    assert set(technical.values_list("name", flat=True)) == names_in_file(TECHNICAL)
    assert set(organisational.values_list("name", flat=True)) == names_in_file(ORGANISATIONAL)
    assert set(Practice.objects.values_list("name", flat=True)) == names_in_file(PRACTICES)
    assert technical.count() > 0 and organisational.count() > 0
    assert Practice.objects.count() > 0
    assert set(Practice.objects.values_list("status", flat=True)) == {PracticeStatus.ACTIVE}

    links = PracticeMeans.objects.all()
    assert links.exists()
    assert {link.rationale for link in links} <= {
        f"Imported from ArchiMate: {kind} relationship" for kind in ("Serving", "Assignment", "Realization")
    }
    assert "Links created: 0" not in out
    # Two Nodes are both called "Firewall": the second is the first one again.
    assert "Skipped (already there): 1" in out
    assert "Firewall" in out
    assert "BusinessObject: 10" in out


def test_reimport_creates_nothing_new(org, executive):
    run(ARCHISURANCE)
    before = snapshot()

    out = run(ARCHISURANCE)

    assert snapshot() == before
    assert "Objectives created: 0" in out
    assert "Practices created: 0" in out
    assert "Links created: 0" in out


def test_dry_run_leaves_the_database_unchanged(org, executive):
    before = snapshot()

    out = run(ARCHISURANCE, dry_run=True)

    assert snapshot() == before
    assert "Dry run" in out
    assert "Practices created: 17" in out
    assert out.splitlines()[1:] == run(ARCHISURANCE).splitlines()


def test_a_manager_is_refused_and_nothing_is_written(org, manager):
    before = snapshot()

    with pytest.raises(CommandError, match="executive"):
        run(ARCHISURANCE, unit="north", user="manager")

    assert snapshot() == before


def test_a_refusal_midway_rolls_everything_back(org, executive, small):
    # The existing root is archived, so the goal below it cannot be added, after another
    # root has already been written in the same import.
    Objective.objects.create(
        title="Happy customers", statement="Kept.", unit=org.company, status=ObjectiveStatus.ARCHIVED, owner=executive
    )
    first = '<element identifier="g-0" xsi:type="Goal"><name xml:lang="en">Written first</name></element>'
    small.write_text(SMALL.replace("<elements>", "<elements>" + first), encoding="utf-8")
    before = snapshot()

    with pytest.raises(CommandError, match=r"“Fast claims” \(g-sub\)"):
        run(small)

    assert snapshot() == before
    assert not Objective.objects.filter(title="Written first").exists()


def test_malformed_xml_is_refused(org, executive, tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<model><elements></model>", encoding="utf-8")

    with pytest.raises(CommandError, match="not well-formed XML"):
        run(path)


def test_a_file_in_another_namespace_is_refused(org, executive, tmp_path):
    path = tmp_path / "other.xml"
    path.write_text(SMALL.replace(NS, "http://www.opengroup.org/xsd/archimate/2.1/"), encoding="utf-8")

    with pytest.raises(CommandError, match="not an ArchiMate Model Exchange file"):
        run(path)
    assert snapshot() == (0, 0, 0, 0, 0, 0)


def test_small_model_gives_the_exact_hierarchy_and_links(org, executive, small):
    out = run(small)

    top = Objective.objects.get(title="Happy customers")
    sub = Objective.objects.get(title="Fast claims")
    assert top.parent is None and top.status == ObjectiveStatus.ACTIVE
    assert top.statement == "Customers come back."
    assert sub.parent == top
    assert sub.statement == "Imported from ArchiMate (no documentation)"

    app = Means.objects.get(name="Claims system")
    assert app.kind == MeansKind.TECHNICAL and app.description == "Where claims live."
    practice = Practice.objects.get(name="Handle claim")
    assert practice.status == PracticeStatus.ACTIVE

    assert list(MeansObjective.objects.values_list("means__name", "objective__title", "rationale")) == [
        ("Claims system", "Fast claims", "Imported from ArchiMate: Realization relationship")
    ]
    assert list(PracticeMeans.objects.values_list("practice__name", "means__name", "rationale")) == [
        ("Handle claim", "Claims system", "Imported from ArchiMate: Serving relationship")
    ]
    assert not PracticeObjective.objects.exists()
    assert "Objectives created: 2" in out
    assert "Links created: 2" in out
    assert "BusinessObject: 1" in out

"""Archi CSV, StratML and the Raison spreadsheet in, on real files and broken ones."""

from __future__ import annotations

import io
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command

from interop.formats.safe import zip_files
from interop.services import ImportFileError, ImportRefused, preview_import, run_import
from objectives.models import Objective
from practices.models import Means, MeansObjective, Practice, PracticeMeans
from tests.factories import UserFactory
from tests.interop.conftest import FIXTURES, fixture

pytestmark = pytest.mark.django_db


def archi_csv(prefix: str, folder: str = "archi-csv") -> bytes:
    return zip_files(
        {
            f"{prefix}{part}.csv": fixture(folder, f"{prefix}{part}.csv")
            for part in ("elements", "relations", "properties")
        }
    )


# --- Archi CSV -------------------------------------------------------------------------


def test_nbility_capability_model_is_read_with_its_lines(org, executive):
    preview = preview_import(
        archi_csv("", "nbility-archi-csv"), filename="nbility.zip", format="auto", unit=org.company, by=executive
    )
    assert preview.format == "archi-csv" and preview.ok
    # A capability map: capabilities and value streams are no records of Raison; their count is reported.
    assert preview.not_imported["Capability"] > 100


def test_archi_csv_test_model_with_quotes_and_line_breaks(org, executive):
    preview = run_import(archi_csv("test1-"), filename="test1.zip", format="archi-csv", unit=org.company, by=executive)
    assert preview.ok
    actor_role = Means.objects.get(name="Business Role")
    assert actor_role.kind == "organisational"
    # Warnings name the file and the line where the record starts (fields span lines).
    assert all("elements.csv line" in issue.where or "relations.csv line" in issue.where for issue in preview.warnings)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_archi_csv_with_another_separator_and_a_byte_order_mark(org, executive, delimiter):
    elements = (
        f'"ID"{delimiter}"Type"{delimiter}"Name"{delimiter}"Documentation"\r\n'
        f'"g1"{delimiter}"Goal"{delimiter}"Grow"{delimiter}"Grow, for real"\r\n'
        f'"a1"{delimiter}"ApplicationComponent"{delimiter}"CRM"{delimiter}""\r\n'
    ).encode("utf-8-sig")
    relations = (
        f'"ID"{delimiter}"Type"{delimiter}"Name"{delimiter}"Documentation"{delimiter}"Source"{delimiter}"Target"\r\n'
        f'"r1"{delimiter}"InfluenceRelationship"{delimiter}""{delimiter}""{delimiter}"a1"{delimiter}"g1"\r\n'
    ).encode("utf-8-sig")
    data = zip_files({"elements.csv": elements, "relations.csv": relations})
    preview = run_import(data, filename="model.zip", format="auto", unit=org.company, by=executive)
    assert preview.ok
    assert MeansObjective.objects.get().objective.statement == "Grow, for real"


def test_archi_csv_not_in_utf8_names_the_file(org, executive):
    data = zip_files({"elements.csv": '"ID","Type","Name"\n"x","Goal","Équipe"\n'.encode("latin-1")})
    with pytest.raises(ImportFileError, match=r"elements\.csv is not UTF-8"):
        preview_import(data, filename="m.zip", format="archi-csv", unit=org.company, by=executive)


def test_the_command_takes_archi_csv_as_elements_csv_with_its_siblings(org, executive, tmp_path):
    out = StringIO()
    call_command(
        "import_strategy",
        str(FIXTURES / "archi-csv" / "test1-elements.csv"),
        "--unit",
        "company",
        "--dry-run",
        stdout=out,
    )
    assert "Dry run" in out.getvalue() and "Created: " in out.getvalue()
    assert not Means.objects.exists()


# --- StratML ---------------------------------------------------------------------------


def test_stratml_part1_goals_and_objectives(org, executive):
    preview = run_import(
        fixture("stratml", "PMOAI.xml"), filename="PMOAI.xml", format="auto", unit=org.company, by=executive
    )
    assert preview.format == "stratml" and preview.ok
    roots = Objective.objects.filter(parent=None)
    assert roots.exists() and Objective.objects.filter(parent__isnull=False).exists()
    establishment = roots.get(title="Establishment")
    assert establishment.statement == "Establish the Office of American Innovation."


def test_stratml_part2_indicators_are_warnings_until_key_results_exist(org, executive):
    preview = preview_import(
        fixture("stratml", "SMLC2023.xml"), filename="SMLC.xml", format="auto", unit=org.company, by=executive
    )
    assert preview.ok
    assert preview.counts["create"]["objective"] == 3 + 13
    indicators = [i for i in preview.warnings if "key results" in i.message]
    assert len(indicators) == 21
    assert indicators[0].where.startswith("goal ")


# --- Spreadsheet -----------------------------------------------------------------------

SHEET = """type,id,name,description,parent,unit,owner,starts_on,ends_on,status,kind,url,source,target,rationale
objective,O1,Grow,We want to grow,,,boss@example.com,2026-01-01,2026-12-31,,,,,,
objective,O2,Sell more,,O1,north,,,,,,,,,
means,M1,CRM,Customer records,,,,,,,technical,https://crm.example.com,,,
means,M2,Weekly review,,,,,,,,organisational,,,,
practice,P1,Call customers back,,,,,,,,,,,,
means-objective,,,,,,,,,,,,M1,O2,The CRM keeps every lead
practice-objective,,,,,,,,,,,,P1,O2,Called-back customers buy again
practice-means,,,,,,,,,,,,P1,M1,Calls are logged in the CRM
"""


def test_spreadsheet_csv_imports_every_column(org, executive):
    boss = UserFactory(email="boss@example.com")
    preview = run_import(SHEET.encode(), filename="plan.csv", format="auto", unit=org.company, by=executive)
    assert preview.format == "csv" and preview.ok, preview.issues
    grow = Objective.objects.get(title="Grow")
    assert grow.owner == boss and str(grow.starts_on) == "2026-01-01" and grow.unit == org.company
    sell = Objective.objects.get(title="Sell more")
    assert sell.parent == grow and sell.unit == org.north
    assert Means.objects.get(name="CRM").url == "https://crm.example.com"
    assert PracticeMeans.objects.get().rationale == "Calls are logged in the CRM"


def test_spreadsheet_errors_name_their_line_and_nothing_is_written(org, executive):
    bad = SHEET.replace("objective,O2,Sell more,,O1,north", "objective,O2,Sell more,,O1,nowhere").replace(
        "2026-12-31", "2025-12-31"
    )
    with pytest.raises(ImportRefused) as refused:
        run_import(bad.encode(), filename="plan.csv", format="csv", unit=org.company, by=executive)
    wheres = {(i.where, i.level) for i in refused.value.preview.errors}
    assert ("line 2", "error") in wheres and ("line 3", "error") in wheres
    assert not Objective.objects.exists() and not Means.objects.exists() and not Practice.objects.exists()


def test_spreadsheet_xlsx_with_real_dates(org, executive):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in SHEET.splitlines():
        sheet.append(row.split(","))
    import datetime

    sheet["H2"] = datetime.datetime(2026, 2, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = run_import(buffer.getvalue(), filename="plan.xlsx", format="auto", unit=org.company, by=executive)
    assert preview.format == "xlsx" and preview.ok
    assert str(Objective.objects.get(title="Grow").starts_on) == "2026-02-01"


def test_an_xlsx_bomb_is_refused(org, executive):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (250 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="zip bomb"):
        preview_import(buffer.getvalue(), filename="plan.xlsx", format="xlsx", unit=org.company, by=executive)


def test_reimport_moves_an_objective_under_a_new_parent_from_the_same_file(org, executive):
    run_import(SHEET.encode(), filename="plan.csv", format="csv", unit=org.company, by=executive)
    moved = SHEET.replace("objective,O2,Sell more,,O1,north", "objective,O2,Sell more,,O3,north") + (
        "objective,O3,Keep customers,Customers stay,,,,,,,,,,,\n"
    )
    preview = run_import(moved.encode(), filename="plan.csv", format="csv", unit=org.company, by=executive)
    assert preview.counts["create"]["objective"] == 1 and preview.counts["update"]["objective"] == 1
    update = next(a for a in preview.actions if a.verb == "update")
    assert update.ref == "O2" and update.changes == ["parent"]
    assert Objective.objects.get(title="Sell more").parent.title == "Keep customers"
    assert Objective.objects.count() == 3


def test_a_loop_of_parents_is_cut_with_a_warning(org, executive):
    looped = "type,id,name,parent\nobjective,A,Alpha,B\nobjective,B,Beta,A\n"
    preview = run_import(looped.encode(), filename="loop.csv", format="csv", unit=org.company, by=executive)
    assert preview.ok
    assert any("loop is cut" in issue.message for issue in preview.warnings)
    assert Objective.objects.filter(parent=None).count() == 1 and Objective.objects.count() == 2


def test_nul_bytes_in_a_cell_are_dropped_not_a_database_error(org, executive):
    sheet = "type,id,name,description,status\nobjective,O\x001,Gr\x00ow,State\x00ment,od\x00d\n"
    preview = run_import(sheet.encode(), filename="nul.csv", format="csv", unit=org.company, by=executive)
    assert preview.ok
    objective = Objective.objects.get()
    assert (objective.title, objective.statement) == ("Grow", "Statement")


def test_a_nul_byte_in_a_warning_still_fits_the_job_summary(org, executive):
    from interop import services

    sheet = "type,id,name,starts_on\nobjective,O1,Grow,20\x0026\n"
    job = services.job_create(
        upload_name="n\x00ul.csv", data=sheet.encode(), format="csv", unit=org.company, by=executive
    )
    job.refresh_from_db()
    assert job.filename == "nul.csv"
    assert any("2026" in issue["message"] for issue in job.summary["issues"])


def test_an_overlong_identifier_is_an_error_and_an_overlong_address_a_warning(org, executive):
    long_url = "https://example.com/" + "a" * 300
    sheet = f"type,id,name,kind,url\nmeans,{'x' * 300},Tool,technical,\nmeans,M2,Wiki,technical,{long_url}\n"
    preview = preview_import(sheet.encode(), filename="long.csv", format="csv", unit=org.company, by=executive)
    assert [(i.where, i.level) for i in preview.errors] == [("line 2", "error")]
    assert any(i.where == "line 3" and "web address" in i.message for i in preview.warnings)

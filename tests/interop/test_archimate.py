"""ArchiMate in: the exchange format and Archi's own file, mapped as ArchiMate means it."""

from __future__ import annotations

import io
import time
import zipfile
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from alignment import live
from alignment.models import Notification
from interop.models import ImportedRecord
from interop.services import ImportFileError, preview_import, run_import
from objectives.models import Objective
from practices.models import Means, MeansKind, MeansObjective, Practice, PracticeMeans, PracticeObjective
from tests.factories import UserFactory
from tests.interop.conftest import SMALL, fixture
from tests.interop.synthetic import synthetic_model

pytestmark = pytest.mark.django_db


def counts():
    return (
        Objective.objects.count(),
        Means.objects.count(),
        Practice.objects.count(),
        MeansObjective.objects.count() + PracticeObjective.objects.count() + PracticeMeans.objects.count(),
    )


def test_a_component_is_linked_to_the_outcome_its_chain_reaches(org, executive, small):
    owner = UserFactory(email="owner@example.com")
    preview = run_import(small, filename="small.xml", format="auto", unit=org.company, by=executive)
    assert preview.ok and preview.format == "archimate"
    goal = Objective.objects.get(title="Happy customers")
    outcome = Objective.objects.get(title="Claims paid in a week")
    # Outcome → child of the goal it realizes; the driver is text in the goal's statement, not an objective.
    assert outcome.parent == goal and goal.parent is None
    assert "Driver: Churn — Customers leave after slow claims." in goal.statement
    assert Objective.objects.count() == 2
    app = Means.objects.get(name="Claims system")
    assert app.kind == MeansKind.TECHNICAL and app.owner == owner
    link = MeansObjective.objects.get(means=app)
    assert link.objective == outcome
    assert link.rationale == (
        "ArchiMate: “Claims system” serves “Handle claims” realizes “Claims handling” realizes “Claims paid in a week”"
    )
    practice = Practice.objects.get(name="Handle claims")
    assert PracticeObjective.objects.get(practice=practice).objective == outcome
    assert PracticeMeans.objects.get(practice=practice).means == app
    assert not Practice.objects.filter(name="Migrate").exists()
    assert any("work package" in issue.message and issue.where == "element wp" for issue in preview.warnings)
    assert preview.not_imported == {"Capability": 1}


def test_reimporting_the_same_file_creates_nothing(org, executive, small):
    run_import(small, filename="small.xml", format="archimate", unit=org.company, by=executive)
    before = counts()
    preview = run_import(small, filename="small.xml", format="archimate", unit=org.company, by=executive)
    assert counts() == before
    assert preview.total("create") == 0 and preview.total("update") == 0
    assert preview.total("skip") == 7


def test_a_renamed_element_is_updated_not_duplicated(org, executive, small):
    run_import(small, filename="small.xml", format="archimate", unit=org.company, by=executive)
    renamed = small.replace(b"<name>Claims system</name>", b"<name>Claims platform</name>")
    preview = run_import(renamed, filename="small.xml", format="archimate", unit=org.company, by=executive)
    assert preview.counts["update"]["means"] == 1
    assert list(Means.objects.values_list("name", flat=True)) == ["Claims platform"]


def test_the_importer_gets_one_summary_notification_not_one_per_flag(org, executive):
    run_import(
        fixture("archimate", "archisurance.xml"), filename="a.xml", format="auto", unit=org.company, by=executive
    )
    mine = Notification.objects.filter(recipient=executive)
    assert mine.count() == 1
    summary = mine.get()
    assert summary.flag is None and "a.xml" in summary.message


def test_archisurance_exchange_and_archi_native_give_the_same_records(org, executive):
    exchange = preview_import(
        fixture("archimate", "archisurance.xml"), filename="a.xml", format="auto", unit=org.company, by=executive
    )
    native = fixture("archimate", "Archisurance.archimate")
    archi = preview_import(native, filename="a.archimate", format="auto", unit=org.company, by=executive)
    assert archi.format == "archi"
    for kind in ("means", "practice", "practice_means"):
        assert exchange.counts["create"][kind] == archi.counts["create"][kind] > 0
    # Devices, application functions and services are technical means now.
    assert exchange.counts["create"]["means"] == 53
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.xml", native)
        archive.writestr("images/x.png", b"\x89PNG")
    zipped = preview_import(buffer.getvalue(), filename="a.archimate", format="auto", unit=org.company, by=executive)
    assert zipped.counts == archi.counts
    same_name = [i for i in archi.warnings if "are called “LAN”" in i.message]
    assert same_name


def test_the_exchange_format_given_as_archi_says_which_to_choose(org, executive):
    with pytest.raises(ImportFileError, match="Archi model"):
        preview_import(
            fixture("archimate", "archisurance.xml"), filename="a.xml", format="archi", unit=org.company, by=executive
        )
    with pytest.raises(ImportFileError, match="choose the format"):
        preview_import(
            fixture("archimate", "Archisurance.archimate"),
            filename="a",
            format="archimate",
            unit=org.company,
            by=executive,
        )


def test_a_name_over_200_characters_is_cut_with_a_warning(org, executive, small):
    long_name = "L" * 250
    data = small.replace(b"<name>Handle claims</name>", f"<name>{long_name}</name>".encode())
    preview = run_import(data, filename="s.xml", format="archimate", unit=org.company, by=executive)
    assert preview.ok
    practice = Practice.objects.get(name__startswith="LLL")
    assert len(practice.name) == 200 and practice.name.endswith("…")
    assert any(i.where == "element fn" and "200" in i.message for i in preview.warnings)


def test_a_manager_cannot_import_and_nothing_is_written(org, manager, small):
    with pytest.raises(PermissionDenied):
        run_import(small, filename="s.xml", format="archimate", unit=org.north, by=manager)
    assert counts() == (0, 0, 0, 0)


HOSTILE = {
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/"><name>&lol3;</name></model>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE model [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/"><name>&xxe;</name></model>""",
    "truncated": SMALL[: len(SMALL) // 2],
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_xml_is_refused_clearly_and_nothing_is_written(org, executive, name):
    with pytest.raises(ImportFileError) as refused:
        run_import(HOSTILE[name], filename="h.xml", format="archimate", unit=org.company, by=executive)
    message = str(refused.value)
    assert ("refused" in message) if name != "truncated" else ("truncated" in message)
    assert counts() == (0, 0, 0, 0) and not ImportedRecord.objects.exists()


def test_a_zip_bomb_is_refused_before_it_is_inflated(org, executive):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.xml", b"<" + b" " * (300 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="zip bomb"):
        run_import(buffer.getvalue(), filename="bomb.archimate", format="archi", unit=org.company, by=executive)
    assert counts() == (0, 0, 0, 0)


def test_a_truncated_zip_is_refused(org, executive):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.xml", fixture("archimate", "Archisurance.archimate"))
    with pytest.raises(ImportFileError, match="damaged or truncated"):
        run_import(buffer.getvalue()[:5000], filename="a.archimate", format="archi", unit=org.company, by=executive)


def test_command_dry_run_writes_nothing_and_the_old_name_still_works(org, executive, tmp_path):
    path = tmp_path / "small.xml"
    path.write_bytes(SMALL)
    out = StringIO()
    call_command("import_strategy", str(path), "--unit", "company", "--as", "executive", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and "Created: 7" in out.getvalue()
    assert counts() == (0, 0, 0, 0)
    call_command("import_archimate", str(path), "--unit", "company", "--as", "executive", stdout=StringIO())
    assert counts() == (2, 1, 1, 3)
    with pytest.raises(CommandError, match="No unit"):
        call_command("import_strategy", str(path), "--unit", "nowhere")


def test_seventeen_thousand_elements_import_in_under_ten_seconds(
    org, executive, capsys, django_capture_on_commit_callbacks
):
    data = synthetic_model(17_000)
    started, cpu = time.perf_counter(), time.process_time()
    # The engine's re-check runs in a worker after the commit, not in the import.
    with django_capture_on_commit_callbacks() as callbacks:
        preview = run_import(data, filename="big.xml", format="archimate", unit=org.company, by=executive)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with mock.patch.object(live, "enqueue") as enqueue:
        for callback in callbacks:
            callback()
    with capsys.disabled():
        print(
            f"\n17,000 ArchiMate elements imported in {elapsed:.1f} s wall, {cpu:.1f} s CPU"
            f" ({preview.total('create')} records and links)"
        )
    assert preview.ok and Means.objects.count() > 5000 and PracticeMeans.objects.count() > 5000
    # One re-check for the whole import, through the live path: a sweep, given its size.
    assert enqueue.call_count == 1 and len(enqueue.call_args.args[0]) > live.SCOPED_LIMIT
    # CPU time, not wall time: this machine's cores are shared, and SQLite runs in-process.
    assert cpu <= 10


def test_the_entry_points_take_an_uploaded_file_too(org, executive):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("small.xml", SMALL)
    preview = preview_import(upload, unit=org.company, by=executive)
    assert preview.filename == "small.xml" and preview.format == "archimate" and preview.total("create") == 7
    assert run_import(upload, unit=org.company, by=executive).total("create") == 7

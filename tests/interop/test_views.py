"""The Import page (upload → preview → confirm → progress) and the Export menu, as people use them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alignment.models import Notification
from interop import services
from interop.models import ImportJob, ImportStatus
from interop.tasks import import_task
from objectives.models import Objective
from practices.models import Means
from tests.interop.conftest import SMALL, fixture
from tests.interop.test_formats import SHEET

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str, unit, fmt: str = "auto", **extra):
    return client.post(
        reverse("interop:import_upload"),
        {"file": SimpleUploadedFile(name, data), "format": fmt, "unit": unit.pk},
        **extra,
    )


def test_upload_previews_then_confirm_imports(client, org, executive):
    client.force_login(executive)
    response = upload(client, SMALL, "small.xml", org.company)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("interop:import_detail", args=[job.pk])
    assert job.status == ImportStatus.PREVIEWED and not Objective.objects.exists()
    page = client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Confirm the import" in body and "element wp" in body and "Claims system" in body
    confirmed = client.post(reverse("interop:import_confirm", args=[job.pk]))
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.payload in (b"", memoryview(b""))
    assert Objective.objects.count() == 2
    assert Notification.objects.filter(recipient=executive, flag=None).count() == 1
    # Confirming twice does nothing more.
    client.post(reverse("interop:import_confirm", args=[job.pk]))
    assert Objective.objects.count() == 2
    listing = client.get(reverse("interop:imports")).content.decode()
    assert "small.xml" in listing


def test_errors_are_listed_and_there_is_nothing_to_confirm(client, org, executive):
    client.force_login(executive)
    bad = SHEET.replace("2026-12-31", "2025-12-31")
    response = upload(client, bad.encode(), "plan.csv", org.company)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED and job.payload in (b"", memoryview(b""))
    body = client.get(response.url).content.decode()
    assert "line 2" in body and "Confirm the import" not in body
    assert client.post(reverse("interop:import_confirm", args=[job.pk])).status_code == 302
    assert not Objective.objects.exists()


def test_an_unreadable_file_is_an_error_next_to_the_field(client, org, executive):
    client.force_login(executive)
    response = upload(client, b"<model><unclosed>", "broken.xml", org.company)
    assert response.status_code == 422
    assert "truncated" in response.content.decode() or "well-formed" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_archi_csv_as_three_files(client, org, executive):
    client.force_login(executive)
    files = [
        SimpleUploadedFile(f"test1-{part}.csv", fixture("archi-csv", f"test1-{part}.csv"))
        for part in ("elements", "relations", "properties")
    ]
    response = client.post(reverse("interop:import_upload"), {"file": files, "format": "auto", "unit": org.company.pk})
    assert response.status_code == 302
    assert ImportJob.objects.get().format == "archi-csv"


def test_a_manager_cannot_import_into_a_unit_they_do_not_lead(client, org, executive, manager):
    client.force_login(manager)
    assert client.get(reverse("interop:imports")).status_code == 403
    client.force_login(executive)
    job = services.job_create(upload_name="s.xml", data=SMALL, format="auto", unit=org.company, by=executive)
    client.force_login(manager)
    assert client.get(reverse("interop:import_detail", args=[job.pk])).status_code in (403, 404)


def test_a_big_import_runs_as_a_task_with_progress(
    client, org, executive, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "INLINE_LIMIT", 3)
    client.force_login(executive)
    upload(client, SMALL, "small.xml", org.company)
    job = ImportJob.objects.get()
    delayed = []
    monkeypatch.setattr(import_task, "delay", lambda job_id: delayed.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("interop:import_confirm", args=[job.pk]))
    assert delayed == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    # The page polls while the job runs, with a progress bar and no inline script.
    polling = client.get(reverse("interop:import_detail", args=[job.pk]), headers={"HX-Request": "true"})
    body = polling.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<progress" in body and "<script" not in body
    # The worker runs it; a second delivery of the same task changes nothing.
    assert import_task.run(job.pk) == ImportStatus.DONE
    assert import_task.run(job.pk) is None
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.progress == 100
    assert Means.objects.count() == 1
    done = client.get(reverse("interop:import_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' not in done.content.decode()


def test_broker_down_gives_the_confirmation_back(
    client, org, executive, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "INLINE_LIMIT", 3)
    client.force_login(executive)
    upload(client, SMALL, "small.xml", org.company)
    job = ImportJob.objects.get()

    def broker_down(job_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(import_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("interop:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and "try again" in job.error


def test_export_menu_downloads_a_unit(client, org, executive):
    client.force_login(executive)
    services.run_import(SHEET.encode(), filename="plan.csv", format="csv", unit=org.company, by=executive)
    page = client.get(reverse("interop:export"))
    assert page.status_code == 200 and "Download" in page.content.decode()
    response = client.get(reverse("interop:export"), {"format": "csv", "unit": org.north.pk})
    assert response.status_code == 200 and response["Content-Disposition"].startswith('attachment; filename="north-')
    assert "Sell more" in response.content.decode("utf-8-sig")
    assert client.get(reverse("interop:export"), {"format": "pdf"}).status_code == 422


def test_summary_notification_shows_in_the_inbox(client, org, executive):
    services.run_import(SMALL, filename="small.xml", format="archimate", unit=org.company, by=executive)
    client.force_login(executive)
    body = client.get(reverse("notifications")).content.decode()
    assert "Import of small.xml done" in body
    assert "Import of small.xml done" in client.get(reverse("dashboard")).content.decode()


def test_an_unexpected_failure_is_shown_on_the_job_not_as_an_error_page(client, org, executive, monkeypatch):
    from interop import tasks

    client.force_login(executive)
    upload(client, SMALL, "small.xml", org.company)
    job = ImportJob.objects.get()

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks, "run_import", boom)
    response = client.post(reverse("interop:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "nothing was saved" in job.error
    assert "nothing was saved" in client.get(response.url).content.decode()
    assert not Objective.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_the_page_while_the_import_transaction_is_open(org, executive, monkeypatch):
    import psycopg
    from django.db import connection

    from interop import pipeline, tasks

    job = services.job_create(upload_name="s.xml", data=SMALL, format="auto", unit=org.company, by=executive)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    params = connection.get_connection_params()
    seen = []
    original = pipeline._apply

    def apply_and_look(plan, *, by, job, report):
        original(plan, by=by, job=job, report=report)
        # Still inside the import's transaction: another connection (the page) reads the job.
        with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as page:
            seen.append(page.execute("SELECT progress FROM interop_importjob WHERE id = %s", [job.pk]).fetchone()[0])

    monkeypatch.setattr(pipeline, "_apply", apply_and_look)
    assert tasks.job_run(job.pk).status == ImportStatus.DONE
    assert seen == [90]


def test_a_page_lists_the_first_issues_and_counts_the_rest(client, org, executive, monkeypatch):
    from interop import views

    monkeypatch.setattr(views, "LISTED_ISSUES", 1)
    client.force_login(executive)
    sheet = "type,id,name,status\nobjective,A,Alpha,odd\nobjective,B,Beta,odd\nobjective,C,Gamma,odd\n"
    response = upload(client, sheet.encode(), "plan.csv", org.company)
    body = client.get(response.url).content.decode()
    assert body.count("Unknown status") == 1 and "… and 2 more" in body


def test_a_post_without_any_file_is_told_to_choose_one(client, org, executive):
    # Found by tests/test_fuzz.py: an empty list of files reached files[0] (a 500).
    client.force_login(executive)
    response = client.post(reverse("interop:import_upload"), {"format": "auto", "unit": org.company.pk})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not ImportJob.objects.exists()

"""The executive brings an ArchiMate model in through the Import page, then exports the unit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from alignment.models import Notification
from practices.models import MeansObjective
from tests.e2e.conftest import mark_document, same_document, screenshot, settled, sign_in
from tests.interop.conftest import SMALL

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_executive_previews_confirms_and_finds_the_import_again(page, demo, tmp_path):
    model = tmp_path / "claims.xml"
    model.write_bytes(SMALL)
    sign_in(page, "claire")
    page.get_by_role("link", name="Import a strategy or a model").click()
    expect(page.get_by_role("heading", level=1, name="Import the strategy")).to_be_visible()
    page.get_by_label(re.compile("^File")).set_input_files(str(model))
    page.get_by_label("Import into").select_option(label="Hexagone Industries")
    page.get_by_role("button", name="Preview the import").click()

    # The preview: nothing saved yet, the warning names the element.
    expect(page.get_by_role("heading", level=1, name="Import of claims.xml")).to_be_visible()
    expect(page.get_by_text("Waiting for confirmation")).to_be_visible()
    expect(page.locator("#import-status")).to_contain_text("element wp")
    assert not MeansObjective.objects.filter(means__name="Claims system").exists()
    screenshot(page, "executive-import-preview")

    mark_document(page)
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator("#import-status")).to_contain_text("Done: everything below was saved in one go.")
    settled(page)
    assert same_document(page), "the confirmation swaps the status in place"
    link = MeansObjective.objects.get(means__name="Claims system")
    assert link.objective.title == "Claims paid in a week"
    assert Notification.objects.filter(recipient__username="claire", flag=None).count() == 1

    page.goto("/import/")
    page.get_by_role("link", name="claims.xml").click()
    expect(page.get_by_text("Done", exact=True)).to_be_visible()

    page.goto("/export/")
    page.get_by_label("Format").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert "Claims system" in content and "Claims paid in a week" in content


def test_import_and_export_pages_pass_axe(page, demo):
    from axe_playwright_python.sync_playwright import Axe
    from django.contrib.auth import get_user_model

    from interop import services
    from org.models import Unit
    from tests.e2e.test_accessibility import _audit

    sign_in(page, "claire")
    executive = get_user_model().objects.get(username="claire")
    unit = Unit.objects.get(name="Hexagone Industries")
    previewed = services.job_create(upload_name="claims.xml", data=SMALL, format="auto", unit=unit, by=executive)
    refused = services.job_create(
        upload_name="plan.csv", data=b"type,id,name\nobjective,,Nameless\n", format="auto", unit=unit, by=executive
    )
    pages = {
        "import": "/import/",
        "import preview": f"/import/{previewed.pk}/",
        "import refused": f"/import/{refused.pk}/",
        "export": "/export/",
    }
    problems = _audit(Axe(), page, pages, "executive")
    assert not problems, "\n\n".join(problems)

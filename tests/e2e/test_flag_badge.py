"""Linking a purposeless means in place clears the header's "Flagged" badge without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import mark_document, same_document, settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LESSONS = "Share lessons learned after each project"


def test_linking_in_place_clears_the_flagged_badge(page, demo):
    sign_in(page, "claire")
    page.goto("/practices/means/")
    page.get_by_role("link", name="Team chat rooms", exact=True).click()
    badge = page.locator("#subject-flag-badge")
    expect(badge).to_have_text("Flagged")
    expect(page.locator("#flags")).not_to_contain_text("No flag")
    mark_document(page)

    page.get_by_label("Find an objective").press_sequentially("lessons", delay=30)
    page.locator("#link-objective-results").get_by_role("radio", name=LESSONS).check()
    page.get_by_label("Rationale").fill("Teams share their lessons in their rooms.")
    page.locator("#link-objective").get_by_role("button", name="Link", exact=True).click()
    settled(page)

    expect(page.locator("#flags")).not_to_contain_text("Purposeless means")
    expect(badge).to_have_text("")
    assert same_document(page)

"""The manager adopts a bottom-up proposal and works the flags inbox in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from alignment.models import Flag, FlagKind
from practices.models import Practice, PracticeObjective, PracticeStatus
from tests.e2e.conftest import mark_document, same_document, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUDDY = "Pair every new joiner with a buddy for their first month"
LESSONS = "Share lessons learned after each project"
RATIONALE = "A buddy passes on the lessons the team already learned."
ORPHAN = "Each team keeps its own shared folder of templates"
CHAT = "Team chat rooms"


def test_manager_adopts_the_proposal_which_was_never_flagged(page, demo):
    buddy = Practice.objects.get(name=BUDDY)
    # A proposal waits on the Proposals page, not among the flags.
    assert not Flag.objects.filter(practice=buddy).exists()

    sign_in(page, "marc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flags").click()
    flag_list = page.locator("#flag-list")
    expect(flag_list).to_contain_text("2 flags")
    expect(flag_list.get_by_role("link", name=BUDDY, exact=True)).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    row = page.locator(f"#proposal-{buddy.pk}")
    expect(row.get_by_role("heading", name=BUDDY)).to_be_visible()
    expect(row).to_contain_text("proposed by Sophie Bernard")
    screenshot(page, "manager-proposals")

    with page.expect_response(lambda r: "/objectives/search/" in r.url and "status=active" in r.url):
        row.get_by_label("Find an active objective").press_sequentially("lessons", delay=30)
    choice = page.locator(f"#adopt-{buddy.pk}-results").get_by_role("radio", name=LESSONS)
    expect(choice).to_be_visible()
    choice.check()
    row.get_by_label("Rationale").fill(RATIONALE)
    row.get_by_role("button", name="Adopt", exact=True).click()

    decide = page.locator("#decide")
    expect(decide).to_contain_text(f"“{BUDDY}” is adopted under “{LESSONS}”.")
    expect(decide.locator(f"#proposal-{buddy.pk}")).to_have_count(0)
    expect(decide).to_contain_text("No proposal is waiting in your units.")
    screenshot(page, "manager-proposal-adopted")

    buddy.refresh_from_db()
    assert buddy.status == PracticeStatus.ACTIVE
    link = PracticeObjective.objects.get(practice=buddy)
    assert (link.objective.title, link.rationale, link.created_by.username) == (LESSONS, RATIONALE, "marc")
    # Adopted under an active objective, it has its purpose: still no flag on it.
    assert not Flag.objects.filter(practice=buddy).exists()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flags").click()
    flag_list = page.locator("#flag-list")
    expect(flag_list).to_contain_text("2 flags")
    expect(flag_list.get_by_role("link", name=BUDDY, exact=True)).to_have_count(0)
    expect(flag_list.get_by_role("link", name=ORPHAN, exact=True)).to_be_visible()


def test_manager_accepts_a_flag_as_an_exception_in_place(page, demo):
    chat_flag = Flag.objects.open().get(means__name=CHAT, kind=FlagKind.PURPOSELESS_MEANS)
    reason = "The platform team's on-call chat; it will move to the enterprise network next quarter."

    sign_in(page, "marc")
    page.goto("/flags/")
    expect(page.locator("#flag-list")).to_contain_text("2 flags")
    url_before = page.url
    mark_document(page)

    item = page.locator(f"#flag-{chat_flag.pk}")
    item.get_by_role("link", name=re.compile(r"Resolve…")).click()
    panel = page.locator(f"#resolve-panel-{chat_flag.pk}")
    expect(panel.get_by_role("heading", name="Or accept it as an exception")).to_be_visible()
    panel.get_by_label("Why is this an accepted exception?").fill(reason)
    screenshot(page, "manager-flags-inbox-resolve-panel")

    with page.expect_response(re.compile(rf"/flags/{chat_flag.pk}/acknowledge/")) as answer:
        panel.get_by_role("button", name="Accept as an exception").click()
    assert answer.value.status == 204
    assert "flags-changed" in answer.value.headers.get("hx-trigger", "")

    # The list refreshed itself on the event: the flag left the open list, the message shows.
    flag_list = page.locator("#flag-list")
    expect(flag_list).to_contain_text("1 flag")
    expect(flag_list.locator(f"#flag-{chat_flag.pk}")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("Flag accepted as an exception.")
    assert page.url == url_before
    assert same_document(page), "the inbox must refresh through the htmx event, not a page reload"
    screenshot(page, "manager-flags-inbox-after-acknowledge")

    chat_flag.refresh_from_db()
    assert chat_flag.acknowledged_at is not None
    assert chat_flag.resolved_at is None
    assert chat_flag.acknowledgement_reason == reason
    assert chat_flag.acknowledged_by.username == "marc"

    # Still visible, with its reason, among the accepted exceptions.
    page.get_by_label("State").select_option("acknowledged")
    accepted = page.locator(f"#flag-{chat_flag.pk}")
    expect(accepted).to_contain_text("Accepted exception")
    expect(accepted).to_contain_text(reason)

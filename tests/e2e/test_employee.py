"""The employee sees why a tool exists, brings a practice in bottom-up, and says "I practise this"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from alignment.models import Flag
from practices.models import Practice, PracticeStatus, Practitioner
from tests.e2e.conftest import mark_document, same_document, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROPOSAL = "Record a five-minute video walkthrough of each new service"
FRIDAY = "Friday show-and-tell of what worked"


def test_employee_reads_why_the_wiki_exists(page, demo):
    sign_in(page, "sophie")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Means").click()
    page.get_by_role("link", name="Wiki", exact=True).click()

    expect(page.get_by_role("heading", level=1, name="Wiki")).to_be_visible()
    why = page.locator("#why")
    expect(why.get_by_role("heading", level=2)).to_have_text("Why does this exist?")
    # The answer in plain words: the chain up to the strategic root, and the link's rationale.
    sentence = (
        "“Wiki” exists because it serves “Share lessons learned after each project”, "
        "which contributes to “Capitalise and reuse best practices across teams” (strategic objective)."
    )
    expect(why.get_by_text(sentence, exact=True)).to_be_visible()
    expect(why).to_contain_text("Why this link: “The wiki is where lessons learned are written once and found again.”")
    chain = why.get_by_role("list", name="From the strategic objective down to this")
    expect(chain.get_by_role("listitem")).to_have_text(
        [
            "Capitalise and reuse best practices across teams Strategic",
            "Share lessons learned after each project",
            "Wiki",
        ]
    )
    # An employee reads; only managers get the link and unlink controls.
    expect(why.get_by_role("button", name="Unlink", exact=False)).to_have_count(0)
    expect(page.get_by_label("Find an objective")).to_have_count(0)
    # The practices that use it, with how many people practise them.
    expect(page.locator("#practices")).to_contain_text(
        "Teams publish their lessons learned in the wiki after each project"
    )
    expect(page.locator("#practices")).to_contain_text("1 person practises it")
    screenshot(page, "employee-wiki-why")

    # A tool nobody can explain says so honestly.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Means").click()
    page.get_by_role("link", name="Team chat rooms", exact=True).click()
    expect(page.locator("#why")).to_contain_text("No objective explains this yet.")
    expect(page.locator("#flags")).to_contain_text("Purposeless means")
    screenshot(page, "employee-purposeless-means")


def test_employee_proposes_a_practice(page, demo):
    sign_in(page, "sophie")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    expect(page.get_by_role("heading", level=1, name="Proposals")).to_be_visible()
    mine = page.locator("#mine")
    expect(mine.locator(".flag-item")).to_have_count(1)  # the buddy proposal from the demo

    propose = page.locator("#propose")
    propose.get_by_label("Practice").fill(PROPOSAL)
    propose.get_by_label("Why it helps").fill("New colleagues understand a service in minutes instead of days.")
    propose.get_by_role("button", name="Propose it").click()

    expect(page.locator("#messages")).to_contain_text(f"Thank you. “{PROPOSAL}” now waits for a manager")
    mine = page.locator("#mine")
    expect(mine.locator(".flag-item")).to_have_count(2)
    item = mine.locator(".flag-item").filter(has_text=PROPOSAL)
    expect(item).to_contain_text("Proposed")
    expect(item).to_contain_text("Waiting for a manager's decision.")
    # An employee proposes, a manager decides: no adopt form here.
    expect(page.locator("#decide")).to_have_count(0)
    screenshot(page, "employee-proposals")

    proposal = Practice.objects.get(name=PROPOSAL)
    assert proposal.status == PracticeStatus.PROPOSED
    assert proposal.proposed_by.username == "sophie"
    # A proposal waits on the Proposals page: the engine does not flag it (nor tell its
    # author of a problem she cannot fix).
    assert not Flag.objects.filter(practice=proposal).exists()


def test_employee_says_i_practise_this(page, demo):
    sign_in(page, "sophie")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practices").click()
    page.get_by_role("link", name=FRIDAY, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=FRIDAY)).to_be_visible()

    practise = page.locator("#practise")
    expect(practise.locator(".stat")).to_have_text("0")
    expect(practise).to_contain_text("people say “I practise this”.")
    mark_document(page)
    practise.get_by_role("button", name="I practise this").click()

    practise = page.locator("#practise")
    expect(practise.locator(".stat")).to_have_text("1")
    expect(practise).to_contain_text("person says “I practise this”.")
    expect(practise).to_contain_text("You practise this.")
    expect(practise.get_by_role("button", name="I stopped practising this")).to_be_visible()
    assert same_document(page), "the count updates in place"
    assert Practitioner.objects.filter(practice__name=FRIDAY, user__username="sophie").count() == 1
    screenshot(page, "employee-practice-page")

    # Saying it again after a reload does not count twice; taking it back does.
    page.reload()
    expect(page.locator("#practise .stat")).to_have_text("1")
    page.locator("#practise").get_by_role("button", name="I stopped practising this").click()
    expect(page.locator("#practise .stat")).to_have_text("0")
    assert not Practitioner.objects.filter(practice__name=FRIDAY, user__username="sophie").exists()

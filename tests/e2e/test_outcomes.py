"""Progress, adoption and subsidiarity in the browser: an owner checks in, a manager answers a question."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from alignment.models import Question, QuestionStatus
from objectives.models import CheckIn, Objective
from tests.e2e.conftest import mark_document, same_document, screenshot, settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_owner_of_a_key_result_checks_in_in_place(page, demo):
    sign_in(page, "sophie")
    lessons = Objective.objects.get(title="Share lessons learned after each project")
    page.goto(f"/objectives/{lessons.pk}/")
    results = page.locator("#key-results").locator("..")
    expect(results).to_contain_text("Lessons-learned pages published")
    expect(results).to_contain_text("Progress is the weighted average")
    card = page.locator(".key-result").filter(has_text="Lessons-learned pages published")
    mark_document(page)
    card.get_by_role("link", name="Check in").click()
    settled(page)
    page.get_by_label("Value today").fill("20")
    page.get_by_label("At risk").check()
    page.get_by_label("Comment").fill("Two new pages this week")
    page.get_by_role("button", name="Record the check-in").click()
    settled(page)
    card = page.locator(".key-result").filter(has_text="Lessons-learned pages published")
    expect(card).to_contain_text("50%")
    expect(card).to_contain_text("At risk")
    assert same_document(page), "the check-in happened in place"
    assert CheckIn.objects.filter(comment="Two new pages this week").exists()
    screenshot(page, "employee-check-in")


def test_a_manager_answers_the_question_an_employee_asked(page, demo):
    sign_in(page, "marc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questions").click()
    page.get_by_role("link", name="Why do we still have our own chat rooms", exact=False).click()
    page.get_by_role("textbox", name="Answer").fill("They go when the platform team has moved to the network.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("#answer-title")).to_be_visible()
    assert Question.objects.get().status == QuestionStatus.ANSWERED
    screenshot(page, "manager-answers-question")

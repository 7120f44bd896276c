"""The manager breaks the strategy down and ties the means to it: sub-objective, link, unlink, undo.

Also: two people editing the same objective — the second save is refused and keeps the input.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, MeansObjective
from tests.e2e.conftest import mark_document, same_document, screenshot, settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LESSONS = "Share lessons learned after each project"
SUB = "Keep a searchable index of project retrospectives"
RATIONALE = "The wiki hosts the index, next to the lessons it points to."


def test_manager_creates_a_sub_objective_and_links_the_wiki_to_it(page, demo):
    sign_in(page, "marc")
    lessons = Objective.objects.get(title=LESSONS)

    # A sub-objective under an active objective, from the objective's own page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Objectives").click()
    page.get_by_role("link", name="Capitalise and reuse best practices across teams", exact=True).click()
    page.get_by_role("region", name="Sub-objectives").get_by_role("link", name=LESSONS).click()
    expect(page.get_by_role("heading", level=1, name=LESSONS)).to_be_visible()
    page.locator(".page-header").get_by_role("link", name="Add a sub-objective").click()

    expect(page.get_by_label("Parent objective")).to_have_value(str(lessons.pk))
    page.get_by_label("Title").fill(SUB)
    page.get_by_label("Statement").fill("A lesson nobody can find again is a lesson lost.")
    expect(page.get_by_label("Owning unit")).to_have_value(str(lessons.unit_id))
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Create the objective").click()

    expect(page.get_by_role("heading", level=1, name=SUB)).to_be_visible()
    breadcrumbs = page.get_by_role("navigation", name="Chain up to the strategic objective")
    expect(breadcrumbs).to_contain_text(LESSONS)
    expect(breadcrumbs).to_contain_text("Capitalise and reuse best practices across teams")
    sub = Objective.objects.get(title=SUB)
    assert sub.parent_id == lessons.pk
    assert sub.status == ObjectiveStatus.ACTIVE
    screenshot(page, "manager-sub-objective")

    # The wiki's page: search as you type, pick, say why, link.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Means").click()
    page.get_by_role("link", name="Wiki", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Wiki")).to_be_visible()
    why = page.locator("#why")
    expect(why.get_by_role("heading", name="Why does this exist?")).to_be_visible()
    expect(why.locator(".flag-item").filter(has_text=SUB)).to_have_count(0)
    mark_document(page)

    search = page.get_by_label("Find an objective")
    with page.expect_response(lambda r: "/objectives/search/" in r.url and "q=searchable" in r.url) as found:
        search.press_sequentially("searchable", delay=30)
    assert found.value.request.headers.get("hx-request") == "true"
    results = page.locator("#link-objective-results")
    choice = results.get_by_role("radio", name=SUB)
    expect(choice).to_be_visible()
    expect(results.get_by_role("radio")).to_have_count(1)
    choice.check()
    page.get_by_label("Rationale").fill(RATIONALE)
    screenshot(page, "manager-means-link-form")
    page.locator("#link-objective").get_by_role("button", name="Link", exact=True).click()

    why = page.locator("#why")
    expect(why.locator(".flag-item").filter(has_text=SUB)).to_contain_text(f"Why this link: “{RATIONALE}”")
    expect(why).to_contain_text(f"“Wiki” exists because it serves “{SUB}”")
    assert same_document(page), "linking must swap the section in place"
    wiki = Means.objects.get(name="Wiki")
    link = MeansObjective.objects.get(means=wiki, objective=sub)
    assert link.rationale == RATIONALE
    assert link.created_by.username == "marc"
    screenshot(page, "manager-means-linked")

    # Unlink, then undo.
    settled(page)
    why.get_by_role("button", name=f"Unlink “{SUB}”").click()
    expect(page.locator("#why").get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator("#why")).to_contain_text(f"Unlinked “{SUB}”.")
    expect(page.locator("#why .flag-item").filter(has_text=SUB)).to_have_count(0)
    assert not MeansObjective.objects.filter(means=wiki, objective=sub).exists()
    screenshot(page, "manager-means-unlinked-undo")

    settled(page)
    page.locator("#why").get_by_role("button", name="Undo").click()
    restored = page.locator("#why .flag-item").filter(has_text=SUB)
    expect(restored).to_be_visible()
    expect(restored).to_contain_text(f"Why this link: “{RATIONALE}”")
    expect(page.locator("#why").get_by_role("button", name="Undo")).to_have_count(0)
    assert same_document(page)
    assert MeansObjective.objects.get(means=wiki, objective=sub).rationale == RATIONALE
    # The link the demo made is untouched through all of it.
    assert MeansObjective.objects.filter(means=wiki, objective__title=LESSONS).exists()


def test_second_save_of_the_same_objective_is_refused_and_keeps_the_input(new_page, demo):
    lessons = Objective.objects.get(title=LESSONS)
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in(page, "marc")
        page.goto(f"/objectives/{lessons.pk}/edit/")
        expect(page.get_by_role("heading", level=1, name="Edit the objective")).to_be_visible()

    first.get_by_label("Title").fill("Share lessons learned after every project")
    first.get_by_role("button", name="Save").click()
    expect(first.locator("#messages")).to_contain_text("saved")
    expect(first.get_by_role("heading", level=1)).to_have_text("Share lessons learned after every project")

    typed = "Lessons written once, read by every later project — typed in the second window."
    second.get_by_label("Statement").fill(typed)
    with second.expect_response(re.compile(rf"/objectives/{lessons.pk}/edit/")) as answer:
        second.get_by_role("button", name="Save").click()
    assert answer.value.status == 409

    conflict = second.locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text(re.compile(r"changed .* since you opened it"))
    # The current version is shown, and what this person typed is kept.
    expect(conflict).to_contain_text("Share lessons learned after every project")
    expect(second.get_by_label("Statement")).to_have_value(typed)
    expect(second.get_by_label("Title")).to_have_value(LESSONS)
    screenshot(second, "manager-edit-conflict")

    lessons.refresh_from_db()
    assert lessons.title == "Share lessons learned after every project"
    assert lessons.statement != typed, "the refused save must write nothing"

    # A deliberate second save wins.
    second.get_by_role("button", name="Save").click()
    expect(second.locator("#messages")).to_contain_text("saved")
    lessons.refresh_from_db()
    assert lessons.statement == typed
    assert lessons.title == LESSONS

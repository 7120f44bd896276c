"""The executive sets the strategy: a new strategic objective, the tree in place, no loops."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from objectives.models import Objective, ObjectiveStatus
from tests.e2e.conftest import mark_document, same_document, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REUSE = "Capitalise and reuse best practices across teams"
LESSONS = "Share lessons learned after each project"
NEW_ROOT = "Make every team's know-how findable in one place"


def test_executive_creates_a_strategic_objective(page, demo):
    sign_in(page, "claire")
    screenshot(page, "executive-dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Objectives").click()
    expect(page.get_by_role("heading", level=1, name="Objective tree")).to_be_visible()
    page.get_by_role("link", name="New objective", exact=True).click()

    expect(page.get_by_role("heading", level=1, name="New objective")).to_be_visible()
    page.get_by_label("Parent objective").select_option(label="None — a strategic objective (executives only)")
    page.get_by_label("Title").fill(NEW_ROOT)
    page.get_by_label("Statement").fill("People lose hours looking for what a colleague already wrote down.")
    page.get_by_label("Owning unit").select_option(label="Hexagone Industries")
    page.get_by_label("Status").select_option("active")
    screenshot(page, "executive-objective-form")
    page.get_by_role("button", name="Create the objective").click()

    # The objective page, with a confirmation and the strategic badge.
    expect(page.get_by_role("heading", level=1, name=NEW_ROOT)).to_be_visible()
    expect(page.locator("#messages")).to_contain_text(f"Objective “{NEW_ROOT}” created.")
    expect(page.get_by_text("Strategic objective", exact=True)).to_be_visible()
    screenshot(page, "executive-objective-page")

    created = Objective.objects.get(title=NEW_ROOT)
    assert created.parent_id is None
    assert created.status == ObjectiveStatus.ACTIVE
    assert created.owner.username == "claire"
    assert created.unit.name == "Hexagone Industries"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Objectives").click()
    tree = page.locator("ul.tree")
    expect(tree.locator(":scope > li .tree__title")).to_have_count(3)
    expect(tree.get_by_role("link", name=NEW_ROOT, exact=True)).to_be_visible()


def test_executive_expands_the_tree_in_place(page, demo):
    sign_in(page, "claire")
    page.goto("/objectives/")
    reuse = Objective.objects.get(title=REUSE)
    node = page.locator(f"#node-{reuse.pk}")
    toggle = page.locator(f"#toggle-{reuse.pk}")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(node.get_by_role("link", name=LESSONS)).to_have_count(0)

    url_before = page.url
    mark_document(page)
    with page.expect_response(re.compile(rf"/objectives/{reuse.pk}/children/")) as answer:
        toggle.click()
    assert answer.value.request.headers.get("hx-request") == "true"

    expect(page.locator(f"#toggle-{reuse.pk}")).to_have_attribute("aria-expanded", "true")
    expect(node.get_by_role("link", name=LESSONS, exact=True)).to_be_visible()
    expect(node.get_by_role("link", name="Find an expert in under a day", exact=True)).to_be_visible()
    assert page.url == url_before, "expanding a node must not navigate"
    assert same_document(page), "expanding a node must swap in place, not reload the page"
    screenshot(page, "objective-tree-expanded")

    # And it folds back, still in place.
    page.locator(f"#toggle-{reuse.pk}").click()
    expect(page.locator(f"#toggle-{reuse.pk}")).to_have_attribute("aria-expanded", "false")
    expect(node.get_by_role("link", name=LESSONS)).to_have_count(0)
    assert same_document(page)


def test_the_move_form_offers_no_descendant_and_a_stale_choice_is_refused_next_to_the_field(page, demo):
    sign_in(page, "claire")
    reuse = Objective.objects.get(title=REUSE)
    lessons = Objective.objects.get(title=LESSONS)
    elsewhere = Objective.objects.create(
        title="Elsewhere", statement="Another root.", unit=reuse.unit, owner=reuse.owner, status=ObjectiveStatus.ACTIVE
    )
    page.goto(f"/objectives/{reuse.pk}/")
    page.get_by_role("link", name="Move", exact=True).click()

    expect(page.get_by_role("heading", level=1, name="Move under another objective")).to_be_visible()
    parent = page.get_by_label("New parent objective")
    # Nothing below it is offered: that would be a loop.
    expect(parent.locator(f'option[value="{lessons.pk}"]')).to_have_count(0)
    expect(parent.locator(f'option[value="{reuse.pk}"]')).to_have_count(0)
    parent.select_option(str(elsewhere.pk))
    # Meanwhile someone puts it back to draft: it may no longer take sub-objectives.
    Objective.objects.filter(pk=elsewhere.pk).update(status=ObjectiveStatus.DRAFT)
    page.get_by_role("button", name="Move it").click()

    field = page.locator(".field--error").filter(has=page.get_by_label("New parent objective"))
    expect(field).to_have_count(1)
    expect(field.locator(".errorlist")).to_contain_text("Choose one of the objectives listed")
    expect(page.get_by_role("alert")).to_be_visible()
    screenshot(page, "executive-reparent-stale-choice-refused")

    reuse.refresh_from_db()
    assert reuse.parent_id is None, "the refused move must change nothing"

"""Global search in the header: as you type, grouped by kind, keyboard navigable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_search_as_you_type_and_move_with_the_keyboard(new_page, demo, width, height):
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "sophie")
    box = page.get_by_role("searchbox", name="Search objectives, means, practices and people")
    box.press_sequentially("lesso", delay=40)
    results = page.locator("#site-search-results")
    expect(results.get_by_role("heading", name="Objectives")).to_be_visible()
    expect(results.get_by_role("heading", name="Means")).to_be_visible()
    first = results.locator("a.site-search__hit").first
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    box.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.locator("a.site-search__hit").nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(results.locator("a")).to_have_count(0)

    box.fill("")
    box.press_sequentially("claire", delay=40)
    expect(results.get_by_role("heading", name="People")).to_be_visible()
    box.press("Enter")  # without the drop-down: the full results page
    expect(page.get_by_role("heading", level=1, name="Search")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Claire")

"""The strategy map in a browser: links, zoom and pan, exports, phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from objectives.models import Objective, ObjectiveStatus
from org.models import Unit
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LESSONS = "Share lessons learned after each project"


def _svg_width(page) -> int:
    return int(page.locator("svg.map-svg").get_attribute("width"))


def test_executive_zooms_pans_exports_and_opens_a_box(page, demo):
    sign_in(page, "claire")
    page.goto("/map/")
    svg = page.locator("svg.map-svg")
    expect(svg).to_be_visible()
    screenshot(page, "strategy-map")
    base = _svg_width(page)

    page.get_by_role("button", name="Zoom in").click()
    assert _svg_width(page) > base
    page.get_by_role("button", name="Zoom out").click()
    page.get_by_role("button", name="Zoom out").click()
    assert _svg_width(page) < base
    # Keyboard: the drawing's region takes focus; "0" is actual size, "+" zooms in.
    page.locator("#map-viewport").focus()
    page.keyboard.press("0")
    assert _svg_width(page) == base
    page.keyboard.press("+")
    assert _svg_width(page) > base

    with page.expect_download() as download:
        page.get_by_role("link", name="Download SVG").click()
    assert download.value.suggested_filename == "strategy-map.svg"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PNG").click()
    assert download.value.suggested_filename == "strategy-map.png"
    with open(download.value.path(), "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"

    # Every box is a link: Tab reaches it, Enter opens the record.
    lessons = Objective.objects.get(title=LESSONS)
    box = page.locator(f'svg.map-svg a[href="/objectives/{lessons.pk}/"]')
    box.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=LESSONS)).to_be_visible()


def test_centre_on_an_objective_from_the_list(page, demo):
    sign_in(page, "claire")
    page.goto("/map/")
    page.get_by_role("link", name=re.compile(f"Centre the map here \\({LESSONS}\\)")).click()
    expect(page.locator(".map-focus")).to_contain_text(LESSONS)
    expect(page.locator("svg.map-svg [data-map-focus]")).to_have_count(1)


@pytest.mark.parametrize("width", [1280, 390])
def test_map_fits_the_screen_with_long_titles(new_page, demo, width):
    unit = Unit.objects.order_by("pk").first()
    Objective.objects.create(title="W" * 200, statement="s", unit=unit, status=ObjectiveStatus.ACTIVE)
    page = new_page()
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    sign_in(page, "claire")
    page.goto("/map/")
    expect(page.locator("svg.map-svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The first screen of the drawing shows a box, not a blank corner.
    viewport = page.locator("#map-viewport").bounding_box()
    visible = page.evaluate(
        """() => {
          const v = document.getElementById('map-viewport').getBoundingClientRect();
          return [...document.querySelectorAll('svg.map-svg a rect')].some(r => {
            const b = r.getBoundingClientRect();
            return b.right > v.left && b.left < v.right && b.bottom > v.top && b.top < v.bottom;
          });
        }"""
    )
    screenshot(page, f"strategy-map-{width}")
    assert viewport["width"] <= width
    assert visible

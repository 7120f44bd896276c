"""htmx swaps under the strict CSP: settling must never write an inline style.

htmx 2 "settles" the class, style, width and height attributes of an element that a swap
replaces by one with the same id: it copies the old values onto the new element with
setAttribute, then restores the new ones. Copying a style attribute is an inline style,
which style-src 'self' refuses ("Applying inline style violates ..."), and any script
that once touched element.style (a caret hidden for a screenshot, a resized textarea,
an extension) leaves one behind, often empty: hence the hash of an empty string.
base.html takes "style" out of htmx's attributesToSettle.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from org.models import Unit
from tests.e2e.conftest import settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_swap_over_an_element_with_a_style_attribute_logs_no_csp_error(page, demo, page_problems):
    sign_in(page, "claire")
    page.goto("/map/")
    # CSSOM writes are allowed by the CSP, and leave style="" behind, as in the report.
    page.evaluate(
        """() => {
          for (const el of document.querySelectorAll('[id]')) { el.style.color = 'red'; el.style.color = ''; }
        }"""
    )
    assert page.evaluate("document.getElementById('strategy-map').getAttribute('style')") == ""
    unit = Unit.objects.filter(parent__isnull=False).order_by("name").first()
    page.locator("#id_unit").select_option(str(unit.pk))
    settled(page)
    expect(page.locator(".map-focus")).to_contain_text(unit.name)
    assert page.evaluate("document.getElementById('strategy-map').hasAttribute('style')") is False
    assert not page_problems.messages, page_problems.messages


def test_the_csp_listener_catches_violations(page, demo, page_problems):
    """The conftest's own check works: a blocked inline style is reported."""
    sign_in(page, "claire")
    page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(100)
    assert any("style-src" in message for message in page_problems.messages), page_problems.messages
    assert page.evaluate("window.__cspViolations.length") >= 1  # the in-page listener too
    # Expected here: forget it so the fixture's own check passes.
    page_problems.messages.clear()
    page.evaluate("window.__cspViolations = []")

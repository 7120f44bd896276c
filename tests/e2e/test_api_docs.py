"""Swagger UI at /api/docs/ runs under the strict CSP, from the package, and calls the API with the session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_api_and_tries_a_call_with_the_session(page, demo, live_server):
    # Every request the page makes stays on this server: nothing from a CDN.
    foreign = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))
    sign_in(page, "marc")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Raison API")
    operation = page.locator("#operations-objectives-objectives_list")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text(re.compile(r"^\s*200"))
    expect(operation.locator(".live-responses-table .microlight").first).to_contain_text("Capitalise and reuse")
    screenshot(page, "api-docs")
    assert foreign == []

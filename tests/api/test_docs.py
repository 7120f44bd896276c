"""The OpenAPI document and Swagger UI, and the API's request rates."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3_and_names_every_resource(db):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    validate_schema(document)
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {
        "/api/objectives/",
        "/api/objectives/{id}/status/",
        "/api/practices/{id}/trace/",
        "/api/means/{id}/objectives/{target_pk}/",
        "/api/flags/{id}/acknowledge/",
    } <= paths
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token printed by `python manage.py create_api_token USERNAME`.",
    }
    patch = document["paths"]["/api/objectives/{id}/"]["patch"]
    assert set(patch["responses"]) >= {"200", "400", "403", "404", "409"}


def test_the_docs_page_needs_no_inline_code_and_no_cdn(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # Every script comes from a file on this server; no inline <script> or <style> body.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert "http://" not in html and "https://" not in html
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in src for src in sources)
    assert any("?script" in src for src in sources)
    init = client.get(next(src for src in sources if "?script" in src).replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


def test_static_files_of_swagger_ui_come_from_the_package(client):
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("css/api-docs.css")


def test_a_person_over_the_rate_gets_429(world, as_persona, settings):
    settings.RAISON_API_THROTTLE_RATES = {"user": "3/minute", "anon": "1/minute"}
    client = as_persona("employee")
    assert [client.get("/api/means/").status_code for _ in range(4)] == [200, 200, 200, 429]
    other = as_persona("manager")
    assert other.get("/api/means/").status_code == 200
    anonymous = APIClient()
    assert [anonymous.get("/api/schema/").status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize("value", ["fast", "10/week", "-1/minute", "²/minute"])
def test_a_bad_rate_stops_the_start(monkeypatch, value):
    from raison import settings as raison_settings

    monkeypatch.setenv("API_THROTTLE_USER", value)
    with pytest.raises(ImproperlyConfigured, match="API_THROTTLE_USER"):
        raison_settings._rate("API_THROTTLE_USER", "1200/minute")

"""No input makes the API fail: NUL bytes, huge strings and numbers, bad ids, broken JSON.

PostgreSQL refuses NUL bytes in text and 64-bit overflows where SQLite shrugs: these
tests matter most on the PostgreSQL leg of CI.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = 2**80


@pytest.mark.parametrize(
    "query",
    [
        {"q": "wiki\x00"},
        {"q": "x" * 10_000},
        {"unit": str(HUGE)},
        {"unit": "-1"},
        {"unit": "²"},
        {"status": "\x00"},
        {"parent": "1e9"},
        {"strategic": "perhaps"},
        {"page_size": "-5"},
        {"cursor": "%00"},
    ],
)
@pytest.mark.parametrize("url", ["/api/objectives/", "/api/means/", "/api/practices/", "/api/flags/"])
def test_bad_query_parameters_are_refused_or_ignored_never_a_500(world, as_persona, url, query):
    response = as_persona("manager").get(url, query)
    assert response.status_code in (200, 400, 404), response.content


def test_a_nul_byte_in_a_query_is_a_field_error(world, as_persona):
    response = as_persona("manager").get("/api/practices/", {"q": "wiki\x00"})
    assert response.status_code == 400
    assert response.json() == {"q": ["Null characters are not allowed."]}


@pytest.mark.parametrize(
    "path",
    [
        f"/api/objectives/{HUGE}/",
        f"/api/means/{HUGE}/trace/",
        f"/api/practices/{2**63}/objectives/{HUGE}/",
        "/api/objectives/-1/",
        "/api/flags/abc/",
        "/api/objectives/%00/",
    ],
)
def test_bad_ids_in_the_path_are_404_in_json(world, as_persona, path):
    client = as_persona("executive")
    for method in ("get", "patch", "delete", "post"):
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code in (404, 405), (method, response.status_code)
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Wiki\x00", "kind": "technical", "unit": 1},
        {"name": "x" * 1_000_000, "kind": "technical", "unit": 1},
        {"name": "Wiki", "kind": "technical", "unit": HUGE},
        {"name": "Wiki", "kind": "technical", "unit": "1; DROP TABLE practices_means"},
        {"name": ["a list"], "kind": {"an": "object"}, "unit": True},
        {"name": "Wiki", "kind": "technical", "unit": 1, "url": "javascript:alert(1)"},
    ],
)
def test_bad_bodies_are_400_with_field_messages(world, as_persona, body):
    response = as_persona("manager").post("/api/means/", body, format="json")
    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict) and response.json()


def test_a_huge_version_is_a_field_error_not_an_overflow(world, as_persona):
    response = as_persona("manager").patch(
        f"/api/practices/{world.north_practice.pk}/", {"name": "Y", "version": HUGE}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        ('{"name": ', "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ("null", "application/json", 400),
        ('"a string"', "application/json", 400),
        ("name=Wiki&kind=technical", "application/x-www-form-urlencoded", 415),
        ("\xff\xfe", "application/json", 400),
    ],
)
def test_broken_or_foreign_bodies(world, as_persona, content, content_type, expected):
    response = as_persona("manager").generic("POST", "/api/means/", content, content_type)
    assert response.status_code == expected, response.content


def test_a_nul_byte_in_a_link_rationale_is_refused(world, as_persona):
    response = as_persona("manager").post(
        f"/api/practices/{world.orphan.pk}/objectives/",
        {"objective": world.north_objective.pk, "rationale": "Because\x00"},
        format="json",
    )
    assert response.status_code == 400
    assert "rationale" in response.json()


def test_a_body_over_the_upload_limit_is_413_in_json(world, as_persona, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = as_persona("manager").post("/api/means/", {"name": "x" * 20_000, "kind": "technical"}, format="json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}

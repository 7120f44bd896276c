"""Cursor pagination: every row once, stable under inserts, constant queries per page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.factories import MeansFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def _walk(client, url: str) -> list[dict]:
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        url = body["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    return rows


def test_a_cursor_walk_returns_every_practice_once(world, as_persona, org):
    PracticeFactory.create_batch(120, unit=org.north)
    client = as_persona("employee")
    first = client.get("/api/practices/").json()
    assert len(first["results"]) == 50 and first["previous"] is None and first["next"]
    rows = _walk(client, "/api/practices/?page_size=37")
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 3 + 120  # the world's three practices, then the batch
    assert ids == sorted(ids)


def test_a_row_added_during_the_walk_does_not_shift_the_pages(world, as_persona, org):
    MeansFactory.create_batch(30, unit=org.north)
    client = as_persona("manager")
    page = client.get("/api/means/", {"page_size": 10}).json()
    seen = [row["id"] for row in page["results"]]
    MeansFactory(unit=org.north)
    next_page = client.get(urlsplit(page["next"]).path + "?" + urlsplit(page["next"]).query).json()
    assert not set(seen) & {row["id"] for row in next_page["results"]}
    assert next_page["results"][0]["id"] == seen[-1] + 1


def test_page_size_is_capped_and_a_bad_cursor_is_refused(world, as_persona, org):
    MeansFactory.create_batch(210, unit=org.north)
    client = as_persona("manager")
    assert len(client.get("/api/means/", {"page_size": 100000}).json()["results"]) == 200
    assert client.get("/api/means/", {"cursor": "garbage\x00"}).status_code == 404


@pytest.mark.parametrize("url", ["/api/practices/", "/api/means/", "/api/objectives/", "/api/flags/"])
def test_a_page_costs_the_same_queries_whatever_the_size(world, as_persona, org, url, django_assert_max_num_queries):
    client = as_persona("manager")
    with django_assert_max_num_queries(8):
        client.get(url)
    PracticeFactory.create_batch(60, unit=org.north, owner=world.north_practice.owner)
    MeansFactory.create_batch(60, unit=org.south)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200

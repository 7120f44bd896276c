"""Objectives through the API: same rights as the pages, optimistic versions, field errors."""

from __future__ import annotations

import pytest

from objectives.models import Objective, ObjectiveStatus

pytestmark = pytest.mark.django_db


def test_everyone_signed_in_reads_objectives_and_anonymous_does_not(world, as_persona):
    for persona in ("executive", "manager", "other_manager", "employee", "outsider"):
        listed = as_persona(persona).get("/api/objectives/")
        assert listed.status_code == 200, persona
        assert {row["title"] for row in listed.json()["results"]} == {
            "Grow sustainably",
            "Share what we learn",
            "Serve the south",
        }
    assert as_persona(None).get("/api/objectives/").status_code == 401
    assert as_persona(None).get(f"/api/objectives/{world.root.pk}/").status_code == 401


def test_objective_filters(world, as_persona, org):
    client = as_persona("employee")
    strategic = client.get("/api/objectives/", {"strategic": "true"}).json()["results"]
    assert [row["id"] for row in strategic] == [world.root.pk]
    north = client.get("/api/objectives/", {"unit": org.north.pk}).json()["results"]
    assert [row["title"] for row in north] == ["Share what we learn"]
    children = client.get("/api/objectives/", {"parent": world.root.pk}).json()["results"]
    assert {row["id"] for row in children} == {world.north_objective.pk, world.south_objective.pk}
    found = client.get("/api/objectives/", {"q": "south"}).json()["results"]
    assert [row["id"] for row in found] == [world.south_objective.pk]
    bad = client.get("/api/objectives/", {"status": "sleeping", "unit": "north"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"status", "unit"}


def test_a_missing_objective_is_404(world, as_persona):
    assert as_persona("executive").get("/api/objectives/999999/").status_code == 404
    assert as_persona("executive").patch("/api/objectives/999999/", {"version": 1}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("executive", 201), ("manager", 403), ("other_manager", 403), ("employee", 403), ("outsider", 403), (None, 401)],
)
def test_only_an_executive_creates_a_strategic_objective(world, as_persona, org, persona, expected):
    body = {"title": "Be carbon neutral", "statement": "The planet.", "unit": org.company.pk, "status": "active"}
    response = as_persona(persona).post("/api/objectives/", body, format="json")
    assert response.status_code == expected, response.content
    assert Objective.objects.filter(title="Be carbon neutral").exists() == (expected == 201)
    if expected == 201:
        created = response.json()
        assert created["is_strategic"] and created["owner"] == "executive" and created["version"] == 1


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("executive", 201), ("manager", 201), ("other_manager", 403), ("employee", 403), ("outsider", 403)],
)
def test_managers_create_sub_objectives_in_their_units(world, as_persona, org, persona, expected):
    body = {
        "title": "Document decisions",
        "statement": "So we remember.",
        "unit": org.north.pk,
        "parent": world.root.pk,
    }
    response = as_persona(persona).post("/api/objectives/", body, format="json")
    assert response.status_code == expected, response.content
    if expected == 201:
        assert response.json()["parent"] == world.root.pk
        assert response.json()["status"] == ObjectiveStatus.DRAFT


def test_create_reports_errors_next_to_their_fields(world, as_persona, org):
    client = as_persona("executive")
    response = client.post(
        "/api/objectives/",
        {"title": "x" * 201, "unit": 999999, "starts_on": "2026-02-30"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"title", "statement", "unit", "starts_on"}
    # The service's own rule comes back under its field name too.
    horizon = client.post(
        "/api/objectives/",
        {
            "title": "Backwards",
            "statement": "Ends before it starts.",
            "unit": org.company.pk,
            "starts_on": "2027-01-01",
            "ends_on": "2026-01-01",
        },
        format="json",
    )
    assert horizon.status_code == 400
    assert horizon.json() == {"ends_on": ["The end of the horizon cannot come before its start."]}
    draft_parent = Objective.objects.create(title="Draft", statement="s", unit=org.north)
    under_draft = client.post(
        "/api/objectives/",
        {"title": "Child", "statement": "s", "unit": org.north.pk, "parent": draft_parent.pk},
        format="json",
    )
    assert under_draft.status_code == 400
    assert "parent" in under_draft.json()


@pytest.mark.parametrize(
    ("persona", "target", "expected"),
    [
        ("executive", "root", 200),
        ("manager", "root", 403),
        ("executive", "north_objective", 200),
        ("manager", "north_objective", 200),
        ("other_manager", "north_objective", 403),
        ("employee", "north_objective", 403),
        ("outsider", "north_objective", 403),
        (None, "north_objective", 401),
    ],
)
def test_edit_rights_follow_the_pages(world, as_persona, persona, target, expected):
    objective = getattr(world, target)
    response = as_persona(persona).patch(
        f"/api/objectives/{objective.pk}/", {"title": "Renamed", "version": 1}, format="json"
    )
    assert response.status_code == expected, response.content
    objective.refresh_from_db()
    assert (objective.title == "Renamed") == (expected == 200)


def test_a_stale_version_is_a_409_with_the_current_version(world, as_persona):
    client = as_persona("manager")
    url = f"/api/objectives/{world.north_objective.pk}/"
    first = client.patch(url, {"statement": "Because we forget.", "version": 1}, format="json")
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = client.patch(url, {"title": "Someone else's idea", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    world.north_objective.refresh_from_db()
    assert world.north_objective.title == "Share what we learn"
    retried = client.patch(url, {"title": "Someone else's idea", "version": 2}, format="json")
    assert retried.status_code == 200 and retried.json()["version"] == 3


def test_an_update_needs_a_version(world, as_persona):
    response = as_persona("manager").patch(
        f"/api/objectives/{world.north_objective.pk}/", {"title": "No version"}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_status_changes_are_versioned_and_checked(world, as_persona):
    url = f"/api/objectives/{world.north_objective.pk}/status/"
    assert as_persona("employee").post(url, {"status": "archived", "version": 1}, format="json").status_code == 403
    unknown = as_persona("manager").post(url, {"status": "paused", "version": 1}, format="json")
    assert unknown.status_code == 400 and "status" in unknown.json()
    done = as_persona("manager").post(url, {"status": "achieved", "version": 1}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "achieved"
    stale = as_persona("manager").post(url, {"status": "archived", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2

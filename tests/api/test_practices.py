"""Means, practices, their links and the "why" trace through the API."""

from __future__ import annotations

import pytest

from objectives.models import ObjectiveStatus
from practices.models import Means, MeansObjective, Practice, PracticeMeans, PracticeObjective, PracticeStatus
from tests.factories import MeansFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

WRITERS = [
    ("executive", True),
    ("manager", True),
    ("other_manager", False),
    ("employee", False),
    ("outsider", False),
]


@pytest.mark.parametrize(("persona", "allowed"), WRITERS)
def test_means_create_in_the_north_division(world, as_persona, org, persona, allowed):
    body = {"name": "Kanban board", "kind": "technical", "unit": org.north.pk, "url": "https://kanban.example.org"}
    response = as_persona(persona).post("/api/means/", body, format="json")
    assert response.status_code == (201 if allowed else 403), response.content
    assert Means.objects.filter(name="Kanban board").exists() == allowed


@pytest.mark.parametrize(("persona", "allowed"), WRITERS)
def test_practice_edit_rights(world, as_persona, persona, allowed):
    url = f"/api/practices/{world.north_practice.pk}/"
    response = as_persona(persona).patch(url, {"description": "Every Friday.", "version": 1}, format="json")
    assert response.status_code == (200 if allowed else 403), response.content
    world.north_practice.refresh_from_db()
    assert (world.north_practice.description == "Every Friday.") == allowed


def test_means_edit_validates_and_detects_conflicts(world, as_persona):
    client = as_persona("manager")
    url = f"/api/means/{world.north_means.pk}/"
    invalid = client.patch(url, {"url": "not a web address", "kind": "magic", "version": 1}, format="json")
    assert invalid.status_code == 400
    assert set(invalid.json()) == {"url", "kind"}
    saved = client.patch(url, {"name": "Team wiki", "version": 1}, format="json")
    assert saved.status_code == 200 and saved.json()["name"] == "Team wiki" and saved.json()["version"] == 2
    stale = client.patch(url, {"name": "Old wiki", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


def test_status_changes_of_means_and_practices(world, as_persona):
    client = as_persona("manager")
    retired = client.post(
        f"/api/means/{world.north_means.pk}/status/", {"status": "retired", "version": 1}, format="json"
    )
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    # A proposal is adopted or declined, not switched to active by a status change.
    switch = client.post(
        f"/api/practices/{world.proposal.pk}/status/", {"status": "proposed", "version": 1}, format="json"
    )
    assert switch.status_code == 400 and "status" in switch.json()
    practice = client.post(
        f"/api/practices/{world.north_practice.pk}/status/", {"status": "retired", "version": 1}, format="json"
    )
    assert practice.status_code == 200
    assert Practice.objects.get(pk=world.north_practice.pk).status == PracticeStatus.RETIRED
    refused = as_persona("other_manager").post(
        f"/api/practices/{world.north_practice.pk}/status/", {"status": "active", "version": 2}, format="json"
    )
    assert refused.status_code == 403


def test_practice_create_is_for_managers_and_names_the_unit(world, as_persona, org):
    created = as_persona("manager").post(
        "/api/practices/", {"name": "Pair on incidents", "unit": org.north_team.pk}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["status"] == "active" and created.json()["owner"] == "manager"
    elsewhere = as_persona("manager").post(
        "/api/practices/", {"name": "Pair in the south", "unit": org.south.pk}, format="json"
    )
    assert elsewhere.status_code == 403


@pytest.mark.parametrize(("persona", "allowed"), WRITERS)
def test_linking_a_practice_to_an_objective(world, as_persona, persona, allowed):
    url = f"/api/practices/{world.orphan.pk}/objectives/"
    body = {"objective": world.north_objective.pk, "rationale": "  It shares   what we learn.  "}
    response = as_persona(persona).post(url, body, format="json")
    assert response.status_code == (201 if allowed else 403), response.content
    if allowed:
        link = response.json()
        assert link["rationale"] == "It shares what we learn."
        assert link["created_by"] == persona
        assert PracticeObjective.objects.filter(practice=world.orphan, objective=world.north_objective).exists()


def test_link_errors_are_field_errors(world, as_persona, org):
    client = as_persona("manager")
    url = f"/api/practices/{world.north_practice.pk}/objectives/"
    duplicate = client.post(url, {"objective": world.north_objective.pk, "rationale": "Again."}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"non_field_errors": ["This practice already lives this objective."]}
    archived = ObjectiveFactory(unit=org.north, status=ObjectiveStatus.ARCHIVED)
    refused = client.post(url, {"objective": archived.pk, "rationale": "Why not."}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"objective": ["This objective is archived: link to a current one."]}
    blank = client.post(url, {"objective": world.root.pk, "rationale": "   "}, format="json")
    assert blank.status_code == 400 and "rationale" in blank.json()
    retired = MeansFactory(unit=org.north, status="retired")
    on_retired = client.post(
        f"/api/practices/{world.north_practice.pk}/means/",
        {"means": retired.pk, "rationale": "Old habit."},
        format="json",
    )
    assert on_retired.status_code == 400 and "means" in on_retired.json()


def test_the_three_link_kinds_list_create_and_delete(world, as_persona, org):
    client = as_persona("manager")
    tool = MeansFactory(name="Chat", unit=org.north)
    made = client.post(
        f"/api/practices/{world.north_practice.pk}/means/",
        {"means": tool.pk, "rationale": "We ask there."},
        format="json",
    )
    assert made.status_code == 201 and made.json()["means"] == tool.pk
    listed = client.get(f"/api/practices/{world.north_practice.pk}/means/").json()["results"]
    assert {row["means"] for row in listed} == {world.north_means.pk, tool.pk}
    served = client.post(
        f"/api/means/{tool.pk}/objectives/", {"objective": world.north_objective.pk, "rationale": "Q&A."}, format="json"
    )
    assert served.status_code == 201
    assert [row["objective"] for row in client.get(f"/api/means/{tool.pk}/objectives/").json()["results"]] == [
        world.north_objective.pk
    ]

    assert client.delete(f"/api/means/{tool.pk}/objectives/{world.north_objective.pk}/").status_code == 204
    assert not MeansObjective.objects.filter(means=tool).exists()
    assert client.delete(f"/api/practices/{world.north_practice.pk}/means/{tool.pk}/").status_code == 204
    assert not PracticeMeans.objects.filter(means=tool).exists()
    path = f"/api/practices/{world.north_practice.pk}/objectives/{world.north_objective.pk}/"
    assert as_persona("employee").delete(path).status_code == 403
    assert client.delete(path).status_code == 204
    gone = client.delete(path)
    assert gone.status_code == 404
    assert gone.json()["detail"] == "This link does not exist (any more)."


def test_the_trace_explains_a_practice_up_to_its_strategic_root(world, as_persona):
    trace = as_persona("employee").get(f"/api/practices/{world.north_practice.pk}/trace/")
    assert trace.status_code == 200
    body = trace.json()
    assert body["is_explained"] is True
    assert body["summary"] == (
        "“Lessons learned in the wiki” exists because it serves “Share what we learn”, "
        "which contributes to “Grow sustainably” (strategic objective)."
    )
    assert [root["id"] for root in body["roots"]] == [world.root.pk]
    (link,) = body["links"]
    assert link["rationale"] == "The wiki keeps lessons."
    assert [step["title"] for step in link["chain"]] == ["Share what we learn", "Grow sustainably"]
    assert link["chain"][-1]["is_strategic"] is True
    assert link["is_rooted"] is True


def test_the_trace_of_a_means_says_when_nothing_explains_it(world, as_persona, org):
    lonely = MeansFactory(name="Fax", unit=org.south)
    body = as_persona("outsider").get(f"/api/means/{lonely.pk}/trace/").json()
    assert body == {"summary": "No objective explains this yet.", "is_explained": False, "roots": [], "links": []}
    draft_root = ObjectiveFactory(unit=org.company, status=ObjectiveStatus.DRAFT)
    as_persona("manager").post(
        f"/api/means/{world.north_means.pk}/objectives/",
        {"objective": draft_root.pk, "rationale": "Maybe later."},
        format="json",
    )
    links = as_persona("employee").get(f"/api/means/{world.north_means.pk}/trace/").json()["links"]
    # Rooted reasons first, then the one through a draft objective.
    assert [link["is_rooted"] for link in links] == [True, False]
    assert as_persona("employee").get("/api/means/999999/trace/").status_code == 404
    assert as_persona(None).get(f"/api/means/{lonely.pk}/trace/").status_code == 401


def test_an_employee_proposes_and_a_manager_adopts(world, as_persona, org):
    proposed = as_persona("employee").post(
        "/api/practices/proposals/", {"name": "Demo Fridays", "description": "Show what worked."}, format="json"
    )
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert body["status"] == "proposed" and body["proposed_by"] == "employee" and body["unit"] == org.north_team.pk
    url = f"/api/practices/{body['id']}/adopt/"
    adoption = {"objective": world.north_objective.pk, "rationale": "We share what worked."}
    assert as_persona("employee").post(url, adoption, format="json").status_code == 403
    assert as_persona("other_manager").post(url, adoption, format="json").status_code == 403
    adopted = as_persona("manager").post(url, adoption, format="json")
    assert adopted.status_code == 200 and adopted.json()["status"] == "active"
    assert PracticeObjective.objects.filter(practice_id=body["id"], objective=world.north_objective).exists()
    again = as_persona("manager").post(url, adoption, format="json")
    assert again.status_code == 400


def test_a_proposal_comes_from_ones_own_unit_and_outsiders_are_told_why(world, as_persona, org):
    elsewhere = as_persona("employee").post(
        "/api/practices/proposals/", {"name": "From the south", "unit": org.south.pk}, format="json"
    )
    assert elsewhere.status_code == 400 and "unit" in elsewhere.json()
    outsider = as_persona("outsider").post("/api/practices/proposals/", {"name": "Anything"}, format="json")
    assert outsider.status_code == 400
    assert outsider.json() == {"unit": ["You are not a member of any unit yet: ask an administrator to add you."]}


def test_a_manager_declines_a_proposal_with_a_reason(world, as_persona):
    url = f"/api/practices/{world.proposal.pk}/decline/"
    assert as_persona("manager").post(url, {"reason": " "}, format="json").status_code == 400
    declined = as_persona("manager").post(url, {"reason": "We already do this in the wiki."}, format="json")
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["decision_reason"] == "We already do this in the wiki."

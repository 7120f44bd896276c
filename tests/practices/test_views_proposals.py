"""Bottom-up proposals (propose, adopt, decline) and “I practise this”."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.models import Practice, PracticeObjective, PracticeStatus, Practitioner
from tests.factories import PracticeFactory, UserFactory
from tests.practices.test_views import HTMX, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, employee):
    return build_world(org, employee)


def _text(response) -> str:
    return response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”").replace("&#x27;", "'")


# --- Propose -----------------------------------------------------------------------


def test_employee_proposes_a_practice_in_their_unit(client, employee, org):
    client.force_login(employee)
    response = client.post(
        reverse("practices:propose"), {"name": "Lunch and learn", "description": "We teach each other."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:proposals")
    practice = Practice.objects.get(name="Lunch and learn")
    assert practice.status == PracticeStatus.PROPOSED
    assert practice.proposed_by == employee
    assert practice.unit == org.north_team
    html = _text(client.get(response["Location"]))
    assert "“Lunch and learn” now waits for a manager to adopt it" in html
    assert "Waiting for a manager's decision." in html


def test_a_proposal_without_a_name_is_refused_and_keeps_the_description(client, employee):
    client.force_login(employee)
    response = client.post(reverse("practices:propose"), {"name": "", "description": "We teach each other."})
    assert response.status_code == 422
    html = _text(response)
    assert "This field is required." in html
    assert "We teach each other." in html
    assert not Practice.objects.exists()


def test_someone_in_no_unit_is_told_how_to_get_one(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("practices:propose"), {"name": "Lunch and learn"})
    assert response.status_code == 422
    assert "ask an administrator to add you" in _text(response)


# --- Decide ------------------------------------------------------------------------


def test_manager_sees_proposals_of_their_subtree_only(client, manager, other_manager, world, org):
    PracticeFactory(name="South idea", unit=org.south, status=PracticeStatus.PROPOSED)
    client.force_login(manager)
    html = _text(client.get(reverse("practices:proposals")))
    assert "Pair on support tickets" in html
    assert "South idea" not in html
    client.force_login(other_manager)
    html = _text(client.get(reverse("practices:proposals")))
    assert "South idea" in html
    assert f'action="{reverse("practices:adopt", args=[world.proposal.pk])}"' not in html


def test_employee_sees_no_decision_forms(client, employee, world):
    client.force_login(employee)
    html = _text(client.get(reverse("practices:proposals")))
    assert 'id="decide"' not in html
    assert "Pair on support tickets" in html  # under "Your proposals"


def test_manager_adopts_a_proposal_under_an_objective(client, manager, employee, world):
    client.force_login(manager)
    url = reverse("practices:adopt", args=[world.proposal.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "Pairing spreads knowledge."})
    assert response.status_code == 302
    world.proposal.refresh_from_db()
    assert world.proposal.status == PracticeStatus.ACTIVE
    link = PracticeObjective.objects.get(practice=world.proposal)
    assert (link.objective, link.rationale, link.created_by) == (
        world.north_objective,
        "Pairing spreads knowledge.",
        manager,
    )
    # The proposer sees the decision.
    client.force_login(employee)
    html = _text(client.get(reverse("practices:proposals")))
    assert "Adopted · 0 people practise it" in html


def test_adopt_with_htmx_returns_the_decide_region(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:adopt", args=[world.proposal.pk])
    response = client.post(
        url, {"objective": world.north_objective.pk, "rationale": "Pairing spreads knowledge."}, **HTMX
    )
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="decide"')
    assert "“Pair on support tickets” is adopted under “Share lessons learned”." in html
    assert "No proposal is waiting in your units." in html
    assert "alignmentChanged" in response["HX-Trigger"]


def test_adopt_needs_an_active_objective_and_a_rationale(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:adopt", args=[world.proposal.pk])
    response = client.post(url, {"objective": world.archived.pk, "rationale": ""}, **HTMX)
    html = _text(response)
    assert response.status_code == 422
    assert "Say in one sentence why this link exists." in html
    response = client.post(url, {"objective": world.archived.pk, "rationale": "Why not."}, **HTMX)
    html = _text(response)
    assert response.status_code == 422
    assert "Adopt the practice under an active objective." in html
    assert f'name="objective" value="{world.archived.pk}" checked' in html
    assert 'value="Why not."' in html
    world.proposal.refresh_from_db()
    assert world.proposal.status == PracticeStatus.PROPOSED


def test_an_already_decided_proposal_cannot_be_adopted(client, manager, world):
    client.force_login(manager)
    client.post(reverse("practices:decline", args=[world.proposal.pk]), {"reason": "Already done elsewhere."})
    response = client.post(
        reverse("practices:adopt", args=[world.proposal.pk]),
        {"objective": world.north_objective.pk, "rationale": "Changed my mind."},
    )
    assert response.status_code == 422
    assert "Only a proposed practice can be adopted." in _text(response)


def test_manager_declines_with_a_reason_the_proposer_reads(client, manager, employee, world):
    client.force_login(manager)
    url = reverse("practices:decline", args=[world.proposal.pk])
    response = client.post(url, {"reason": ""}, **HTMX)
    assert response.status_code == 422
    assert "Tell the person who proposed it why it is declined." in _text(response)
    response = client.post(url, {"reason": "Support already pairs on Tuesdays."}, **HTMX)
    assert response.status_code == 200
    world.proposal.refresh_from_db()
    assert world.proposal.status == PracticeStatus.DECLINED
    client.force_login(employee)
    html = _text(client.get(reverse("practices:proposals")))
    assert "Declined: Support already pairs on Tuesdays." in html
    html = _text(client.get(reverse("practices:practice_detail", args=[world.proposal.pk])))
    assert "Declined: Support already pairs on Tuesdays." in html


def test_other_manager_cannot_decide_a_north_proposal(client, other_manager, world):
    client.force_login(other_manager)
    response = client.post(reverse("practices:decline", args=[world.proposal.pk]), {"reason": "Not mine."}, **HTMX)
    assert response.status_code == 403
    world.proposal.refresh_from_db()
    assert world.proposal.status == PracticeStatus.PROPOSED


def test_without_javascript_a_manager_searches_objectives_for_one_proposal(client, manager, world):
    client.force_login(manager)
    html = _text(client.get(reverse("practices:proposals"), {"for": world.proposal.pk, "q": "lessons"}))
    assert f'name="objective" value="{world.north_objective.pk}"' in html
    assert f'name="objective" value="{world.south_objective.pk}"' not in html


def test_proposals_page_query_count_is_constant(client, manager, employee, org):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("practices:proposals")).status_code == 200
        return len(queries)

    client.force_login(manager)
    PracticeFactory(unit=org.north, status=PracticeStatus.PROPOSED, proposed_by=employee)
    PracticeFactory(unit=org.north, status=PracticeStatus.PROPOSED, proposed_by=manager)
    count()
    one = count()
    for _ in range(15):
        PracticeFactory(unit=org.north_team, status=PracticeStatus.PROPOSED, proposed_by=UserFactory())
        PracticeFactory(unit=org.north, status=PracticeStatus.DECLINED, proposed_by=manager, decision_reason="No.")
    assert count() == one


# --- I practise this ---------------------------------------------------------------


def test_employee_says_i_practise_this_and_can_take_it_back(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:practise", args=[world.north_practice.pk])
    response = client.post(url, {"practising": "on"}, **HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="practise"')
    assert '<p class="stat">1</p>' in html
    assert "You practise this." in html
    # A double click does no harm.
    client.post(url, {"practising": "on"}, **HTMX)
    assert Practitioner.objects.filter(practice=world.north_practice).count() == 1
    response = client.post(url, {}, **HTMX)
    assert '<p class="stat">0</p>' in _text(response)
    assert not Practitioner.objects.exists()


def test_practise_without_javascript_redirects_back(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:practise", args=[world.north_practice.pk])
    response = client.post(url, {"practising": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:practice_detail", args=[world.north_practice.pk])
    assert Practitioner.objects.filter(practice=world.north_practice, user=employee).exists()


def test_a_proposal_cannot_be_practised_yet(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:practise", args=[world.proposal.pk])
    response = client.post(url, {"practising": "on"}, **HTMX)
    assert response.status_code == 422
    assert "Only an active practice can be practised." in _text(response)
    response = client.post(url, {"practising": "on"})
    assert response.status_code == 302
    assert not Practitioner.objects.exists()


def test_someone_in_two_units_chooses_where_the_proposal_comes_from(client, org, employee):
    from org.models import Role
    from practices.models import Practice
    from tests.factories import MembershipFactory

    MembershipFactory(user=employee, unit=org.south, role=Role.EMPLOYEE)
    client.force_login(employee)
    page = client.get(reverse("practices:proposals")).content.decode()
    assert 'name="unit"' in page
    response = client.post(
        reverse("practices:propose"), {"name": "Pair on incidents", "description": "", "unit": org.south.pk}
    )
    assert response.status_code == 302
    assert Practice.objects.get(name="Pair on incidents").unit == org.south


def test_a_proposal_cannot_come_from_a_unit_the_person_is_not_in(client, org, employee):
    from org.models import Role
    from practices.models import Practice
    from tests.factories import MembershipFactory, UnitFactory

    MembershipFactory(user=employee, unit=org.south, role=Role.EMPLOYEE)
    elsewhere = UnitFactory(name="Elsewhere")
    client.force_login(employee)
    response = client.post(
        reverse("practices:propose"), {"name": "Sneaky practice", "description": "", "unit": elsewhere.pk}
    )
    assert response.status_code == 422
    assert not Practice.objects.filter(name="Sneaky practice").exists()


def test_someone_in_one_unit_is_not_asked_for_a_unit(client, employee):
    client.force_login(employee)
    assert 'name="unit"' not in client.get(reverse("practices:proposals")).content.decode()

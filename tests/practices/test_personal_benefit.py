"""The dual objective: a practice says what it brings the person, next to why the organisation wants it."""

import pytest
from django.urls import reverse

from objectives.models import ObjectiveStatus
from practices.models import Practice
from tests.factories import ObjectiveFactory, PracticeFactory, PracticeObjectiveFactory

pytestmark = pytest.mark.django_db


def test_an_employee_proposes_with_what_it_brings_her(client, employee):
    client.force_login(employee)
    response = client.post(
        reverse("practices:propose"),
        {"name": "Friday demos", "description": "Show what we built.", "personal_benefit": "My work gets seen."},
    )
    assert response.status_code == 302
    assert Practice.objects.get(name="Friday demos").personal_benefit == "My work gets seen."


def test_a_manager_states_it_and_the_why_page_shows_it_with_each_objectives_statement(client, org, manager, employee):
    root = ObjectiveFactory(title="Learn faster", statement="Mistakes repeated cost us clients.", unit=org.company)
    goal = ObjectiveFactory(
        title="Share lessons", statement="Each project teaches the next one.", unit=org.north, parent=root
    )
    client.force_login(manager)
    response = client.post(
        reverse("practices:practice_create"),
        {"name": "Lessons page", "unit": org.north.pk, "description": "", "personal_benefit": "Less rework for you."},
    )
    practice = Practice.objects.get(name="Lessons page")
    assert response.status_code == 302
    PracticeObjectiveFactory(practice=practice, objective=goal)
    client.force_login(employee)
    page = client.get(reverse("practices:practice_detail", args=[practice.pk])).content.decode()
    assert "Less rework for you." in page
    assert "Mistakes repeated cost us clients." in page
    assert "Each project teaches the next one." in page


def test_the_edit_form_keeps_and_changes_it(client, org, manager):
    practice = PracticeFactory(unit=org.north, personal_benefit="Old")
    client.force_login(manager)
    form = client.get(reverse("practices:practice_edit", args=[practice.pk])).content.decode()
    assert "Old</textarea>" in form
    client.post(
        reverse("practices:practice_edit", args=[practice.pk]),
        {"name": practice.name, "description": "", "personal_benefit": "New", "version": practice.version},
    )
    practice.refresh_from_db()
    assert practice.personal_benefit == "New"
    assert practice.history.first().personal_benefit == "New"


def test_an_over_long_benefit_is_refused_next_to_its_field(client, org, manager):
    client.force_login(manager)
    response = client.post(
        reverse("practices:practice_create"),
        {"name": "Long", "unit": org.north.pk, "personal_benefit": "x" * 2001},
    )
    assert response.status_code == 422
    assert not Practice.objects.filter(name="Long").exists()


def test_an_empty_benefit_invites_the_manager_to_say_it(client, org, manager):
    practice = PracticeFactory(unit=org.north, status="active")
    PracticeObjectiveFactory(
        practice=practice, objective=ObjectiveFactory(unit=org.north, status=ObjectiveStatus.ACTIVE)
    )
    client.force_login(manager)
    page = client.get(reverse("practices:practice_detail", args=[practice.pk])).content.decode()
    assert "Nobody has said yet what this practice brings" in page

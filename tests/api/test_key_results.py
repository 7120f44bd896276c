"""Key results through the API: an integration reads progress and posts a check-in, with the pages' rights."""

import pytest
from django.urls import reverse

from objectives.models import CheckIn, KeyResult
from tests.factories import KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(org):
    root = ObjectiveFactory(unit=org.company)
    return ObjectiveFactory(title="Share lessons", unit=org.north, parent=root)


def _client(client, user):
    client.force_login(user)
    return client


def test_a_manager_sets_a_key_result_and_its_owner_checks_in(client, goal, manager, employee):
    url = reverse("api:objective_key_results", args=[goal.pk])
    created = _client(client, manager).post(
        url,
        {"title": "Pages published", "metric_kind": "number", "target_value": "40"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    kr = KeyResult.objects.get()
    kr.owner = employee
    kr.save()
    answer = _client(client, employee).post(
        reverse("api:key_result_check_ins", args=[kr.pk]),
        {"value": "10", "confidence": "at_risk", "comment": "From the HR sync"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["by"] == employee.username
    read = client.get(reverse("api:key_result_detail", args=[kr.pk])).json()
    assert (read["progress"], read["confidence"]) == (0.25, "at_risk")
    assert client.get(reverse("api:objective_detail", args=[goal.pk])).json()["progress"] == pytest.approx(0.25)
    assert [c["comment"] for c in client.get(reverse("api:key_result_check_ins", args=[kr.pk])).json()["results"]] == [
        "From the HR sync"
    ]


def test_someone_who_neither_owns_nor_manages_cannot_check_in(client, goal, employee, other_manager):
    kr = KeyResultFactory(objective=goal, owner=None)
    for person in (employee, other_manager):
        answer = _client(client, person).post(
            reverse("api:key_result_check_ins", args=[kr.pk]),
            {"value": "1", "confidence": "on_track"},
            content_type="application/json",
        )
        assert answer.status_code == 403
    assert not CheckIn.objects.exists()


def test_a_measure_that_cannot_move_is_a_400_with_the_field(client, goal, manager):
    answer = _client(client, manager).post(
        reverse("api:objective_key_results", args=[goal.pk]),
        {"title": "Backwards", "metric_kind": "number", "start_value": "50", "target_value": "10"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "target_value" in answer.json()
    assert not KeyResult.objects.exists()

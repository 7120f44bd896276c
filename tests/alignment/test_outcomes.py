"""The dashboard's outcomes: progress by strategic objective, key results at risk, adoption."""

from decimal import Decimal

import pytest
from django.urls import reverse

from objectives import key_results
from objectives.models import Confidence, ObjectiveStatus
from practices import services as practice_services
from practices.models import PracticeStatus
from tests.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_progress_risks_and_adoption(client, org, executive, manager, employee):
    root = ObjectiveFactory(title="Serve customers better", unit=org.company)
    goal = ObjectiveFactory(title="Answer within a day", unit=org.north, parent=root)
    kr = KeyResultFactory(title="Tickets answered in 24 h", objective=goal, start_value=0, target_value=100)
    key_results.check_in(by=manager, key_result=kr, value=Decimal(40), confidence=Confidence.AT_RISK)
    practice = PracticeFactory(name="Morning triage", unit=org.north, status=PracticeStatus.ACTIVE)
    PracticeObjectiveFactory(practice=practice, objective=goal)
    for _ in range(8):
        MembershipFactory(user=UserFactory(), unit=org.north)
    practice_services.practice_mark_practising(practice=practice, by=employee)

    client.force_login(manager)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Serve customers better" in page
    assert 'value="40"' in page, "the root's progress rolled up from its sub-objective"
    assert "Tickets answered in 24 h" in page
    assert "Little adopted in your units" in page
    assert "Morning triage" in page
    client.force_login(employee)
    assert "Little adopted in your units" not in client.get(reverse("dashboard")).content.decode()


def test_the_dashboard_outcomes_cost_the_same_however_many_records(client, org, manager, django_assert_max_num_queries):
    def grow(i):
        root = ObjectiveFactory(unit=org.company, status=ObjectiveStatus.ACTIVE)
        kr = KeyResultFactory(objective=root, owner=manager)
        key_results.check_in(by=manager, key_result=kr, value=Decimal(i), confidence=Confidence.OFF_TRACK)
        practice = PracticeFactory(unit=org.north, status=PracticeStatus.ACTIVE)
        PracticeObjectiveFactory(practice=practice, objective=root)
        practice_services.practice_mark_practising(practice=practice, by=manager)
        MembershipFactory(user=UserFactory(), unit=org.north_team)

    client.force_login(manager)
    grow(0)
    with django_assert_max_num_queries(80) as few:
        client.get(reverse("dashboard"))
    for i in range(1, 6):
        grow(i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard"))

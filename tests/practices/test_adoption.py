"""Adoption: who practises a practice against whom it is meant for, and why people stop."""

import pytest
from django.urls import reverse

from alignment import engine
from org.models import Role
from practices import adoption, services
from practices.models import AdoptionDay, Practice, PracticeStatus, Practitioner, PractitionerDeparture
from tests.factories import (
    MeansFactory,
    MembershipFactory,
    PracticeFactory,
    PracticeMeansFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(org):
    return PracticeFactory(name="Weekly demo", unit=org.north, status=PracticeStatus.ACTIVE)


def _team(unit, n, role=Role.EMPLOYEE):
    people = [UserFactory() for _ in range(n)]
    for person in people:
        MembershipFactory(user=person, unit=unit, role=role)
    return people


def test_adoption_counts_the_audience_who_practise_it(org, practice, manager, employee):
    team = _team(org.north_team, 3)
    outsider = _team(org.south, 1)[0]
    for person in (employee, team[0], outsider):
        services.practice_mark_practising(practice=practice, by=person)
    # North's audience: the manager, the employee and the team of three; south does not count.
    found = adoption.practice_adoption(practice)
    assert (found.practising, found.audience) == (2, 5)
    practice.refresh_from_db()
    assert practice.adoption == pytest.approx(0.4)
    day = AdoptionDay.objects.get(practice=practice)
    assert (day.practising, day.audience) == (2, 5)


def test_the_audience_can_be_other_units_and_one_role(org, practice, manager, employee):
    managers = _team(org.south, 2, role=Role.MANAGER)
    _team(org.south, 3, role=Role.EMPLOYEE)
    services.set_audience(record=practice, by=manager, units=[org.south], role=Role.MANAGER)
    services.practice_mark_practising(practice=practice, by=managers[0])
    services.practice_mark_practising(practice=practice, by=employee)
    found = adoption.practice_adoption(practice)
    assert (found.practising, found.audience) == (1, 2)


def test_someone_who_stops_says_why_and_the_managers_read_it(client, org, practice, manager, employee):
    services.practice_mark_practising(practice=practice, by=employee)
    client.force_login(employee)
    response = client.post(
        reverse("practices:practise", args=[practice.pk]), {"reason": "Too late in the day for my team"}
    )
    assert response.status_code == 302
    assert not Practitioner.objects.filter(practice=practice).exists()
    departure = PractitionerDeparture.objects.get()
    assert (departure.user, departure.reason) == (employee, "Too late in the day for my team")
    # A second identical post (a double click) records nothing more.
    client.post(reverse("practices:practise", args=[practice.pk]), {"reason": "again"})
    assert PractitionerDeparture.objects.count() == 1
    client.force_login(manager)
    page = client.get(reverse("practices:practice_detail", args=[practice.pk])).content.decode()
    assert "Too late in the day for my team" in page
    client.force_login(employee)
    page = client.get(reverse("practices:practice_detail", args=[practice.pk])).content.decode()
    assert "Too late in the day for my team" not in page, "only managers read why people stopped"


def test_little_adopted_practices_are_pointed_out(client, org, practice, manager):
    _team(org.north, 9)
    client.force_login(manager)
    page = client.get(reverse("practices:practice_detail", args=[practice.pk])).content.decode()
    assert "Little adopted" in page


def test_a_manager_sets_the_audience_in_place_and_an_employee_cannot(client, org, practice, manager, employee):
    client.force_login(employee)
    url = reverse("practices:practice_audience", args=[practice.pk])
    assert client.post(url, {"units": [org.south.pk]}).status_code == 403
    client.force_login(manager)
    response = client.post(url, {"units": [org.south.pk], "role": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="audience"' in response.content.decode()
    assert list(practice.audience_units.all()) == [org.south]
    bad = client.post(url, {"units": ["999999"], "role": "king"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422
    assert list(practice.audience_units.all()) == [org.south], "nothing half-written"


def test_a_means_is_adopted_by_whoever_practises_a_practice_relying_on_it(org, practice, employee):
    wiki = MeansFactory(unit=org.north)
    PracticeMeansFactory(practice=practice, means=wiki)
    services.practice_mark_practising(practice=practice, by=employee)
    found = adoption.means_adoption(wiki)
    assert found.practising == 1
    assert found.audience >= 1


def test_the_sweep_re_measures_when_memberships_change(org, practice, employee):
    services.practice_mark_practising(practice=practice, by=employee)
    practice.refresh_from_db()
    before = practice.adoption
    _team(org.north, 4)
    engine.sweep()
    assert Practice.objects.get(pk=practice.pk).adoption < before


def test_the_practice_page_costs_the_same_with_more_people(
    client, org, practice, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("practices:practice_detail", args=[practice.pk])
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for person in _team(org.north, 15):
        services.practice_mark_practising(practice=practice, by=person)
        services.practice_unmark_practising(practice=practice, by=person, reason="busy")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)

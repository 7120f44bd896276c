"""Who may do what where: roles per unit, managing rights over the unit's subtree."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from org import roles
from org.models import Role
from tests.factories import MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_manager_manages_their_unit_and_every_unit_below_it(org, manager):
    deep = UnitFactory(parent=org.north_team)
    assert roles.managed_unit_ids(manager) == {org.north.pk, org.north_team.pk, deep.pk}
    assert roles.can_manage_unit(manager, deep.pk)


def test_manager_does_not_manage_the_unit_above_or_a_sibling(org, manager):
    assert not roles.can_manage_unit(manager, org.company.pk)
    assert not roles.can_manage_unit(manager, org.south.pk)


def test_manager_cannot_set_strategic_objectives_even_in_their_own_unit(org, manager):
    assert roles.executive_unit_ids(manager) == frozenset()
    assert not roles.can_lead_unit(manager, org.north.pk)
    assert not roles.is_executive(manager)
    assert roles.is_manager(manager)
    with pytest.raises(PermissionDenied, match="executive"):
        roles.require_executive(manager, org.north.pk)


def test_executive_leads_and_manages_the_whole_company(org, executive):
    everything = {org.company.pk, org.north.pk, org.north_team.pk, org.south.pk}
    assert roles.executive_unit_ids(executive) == everything
    assert roles.managed_unit_ids(executive) == everything
    assert roles.is_executive(executive)
    assert roles.is_manager(executive)
    roles.require_executive(executive, org.north_team.pk)
    roles.require_manager(executive, org.south.pk)


def test_executive_of_a_division_does_not_lead_the_company(org):
    division_head = UserFactory()
    MembershipFactory(user=division_head, unit=org.north, role=Role.EXECUTIVE)
    assert roles.can_lead_unit(division_head, org.north_team.pk)
    assert not roles.can_lead_unit(division_head, org.company.pk)
    assert not roles.can_manage_unit(division_head, org.south.pk)


def test_other_manager_is_refused_in_the_north(org, other_manager):
    assert roles.can_manage_unit(other_manager, org.south.pk)
    with pytest.raises(PermissionDenied, match="manager"):
        roles.require_manager(other_manager, org.north.pk)
    with pytest.raises(PermissionDenied):
        roles.require_manager(other_manager, org.north_team.pk)


def test_employee_manages_nothing_but_is_a_member(org, employee):
    assert roles.managed_unit_ids(employee) == frozenset()
    assert not roles.is_manager(employee)
    with pytest.raises(PermissionDenied):
        roles.require_manager(employee, org.north_team.pk)
    roles.require_member(employee)
    assert roles.home_unit_id(employee) == org.north_team.pk


def test_employee_in_one_unit_can_manage_another(org):
    person = UserFactory()
    MembershipFactory(user=person, unit=org.north_team, role=Role.EMPLOYEE)
    MembershipFactory(user=person, unit=org.south, role=Role.MANAGER)
    assert roles.managed_unit_ids(person) == {org.south.pk}
    assert not roles.can_manage_unit(person, org.north_team.pk)


def test_outsider_has_no_rights_but_may_still_read_and_propose(org, outsider):
    assert roles.managed_unit_ids(outsider) == frozenset()
    assert roles.executive_unit_ids(outsider) == frozenset()
    assert roles.home_unit_id(outsider) is None
    assert roles.display_role(outsider) == "Employee"
    roles.require_member(outsider)
    with pytest.raises(PermissionDenied):
        roles.require_manager(outsider, org.company.pk)


def test_inactive_user_keeps_no_rights_from_their_memberships(org, manager):
    manager.is_active = False
    manager.save()
    roles.forget_rights(manager)
    assert roles.managed_unit_ids(manager) == frozenset()
    assert not roles.can_manage_unit(manager, org.north.pk)
    with pytest.raises(PermissionDenied):
        roles.require_manager(manager, org.north.pk)
    with pytest.raises(PermissionDenied, match="sign in"):
        roles.require_member(manager)


def test_anonymous_visitor_has_no_rights(org):
    visitor = AnonymousUser()
    assert not roles.can_manage_unit(visitor, org.company.pk)
    assert roles.home_unit_id(visitor) is None
    with pytest.raises(PermissionDenied):
        roles.require_member(visitor)


def test_superuser_leads_and_manages_every_unit_without_a_membership(org):
    admin = UserFactory(is_superuser=True, is_staff=True)
    every = {org.company.pk, org.north.pk, org.north_team.pk, org.south.pk}
    assert roles.executive_unit_ids(admin) == every
    assert roles.managed_unit_ids(admin) == every
    roles.require_executive(admin, org.south.pk)
    assert roles.display_role(admin) == "Administrator"


def test_inactive_superuser_has_no_rights(org):
    admin = UserFactory(is_superuser=True, is_active=False)
    assert not roles.can_manage_unit(admin, org.company.pk)


def test_unknown_unit_is_never_managed(org, executive):
    assert not roles.can_manage_unit(executive, None)
    assert not roles.can_lead_unit(executive, None)
    with pytest.raises(PermissionDenied):
        roles.require_manager(executive, None)


def test_display_role_names_the_highest_role(executive, manager, employee):
    assert roles.display_role(executive) == "Executive"
    assert roles.display_role(manager) == "Manager"
    assert roles.display_role(employee) == "Employee"


def test_rights_are_read_once_per_user_object(org, manager, django_assert_num_queries):
    roles.forget_rights(manager)
    # Memberships, then the managed subtree (no executive membership: no third query).
    with django_assert_num_queries(2):
        roles.can_manage_unit(manager, org.north.pk)
    with django_assert_num_queries(0):
        roles.can_manage_unit(manager, org.north_team.pk)
        roles.can_lead_unit(manager, org.company.pk)
        roles.home_unit_id(manager)


def test_forget_rights_picks_up_a_new_membership(org, employee):
    assert not roles.can_manage_unit(employee, org.south.pk)
    MembershipFactory(user=employee, unit=org.south, role=Role.MANAGER)
    assert not roles.can_manage_unit(employee, org.south.pk), "rights are memoised until forgotten"
    roles.forget_rights(employee)
    assert roles.can_manage_unit(employee, org.south.pk)

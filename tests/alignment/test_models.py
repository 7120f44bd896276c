"""The database itself refuses records that break Raison's rules.

Services give the friendly message; these constraints are the guarantee when
something bypasses them (the admin, a script, a bug). Each write that should fail
runs in its own ``transaction.atomic()`` so the test's transaction stays usable.
Check-constraint failures name the constraint on SQLite and PostgreSQL alike, so
the tests assert which rule refused the row, not just that something did.
"""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment.models import FLAG_SUBJECT, Flag, FlagKind, Notification
from objectives.models import Objective
from org.models import Membership, Role, Unit
from practices.models import Means, MeansObjective, Practice, PracticeMeans, PracticeObjective, Practitioner
from tests.factories import (
    KeyResultFactory,
    MeansFactory,
    MeansObjectiveFactory,
    MembershipFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(constraint: str | None = None):
    """Expect an IntegrityError, naming ``constraint`` when it is a check constraint."""
    return pytest.raises(IntegrityError, match=constraint) if constraint else pytest.raises(IntegrityError)


@pytest.fixture
def practice():
    return PracticeFactory()


@pytest.fixture
def means():
    return MeansFactory()


@pytest.fixture
def objective():
    return ObjectiveFactory()


def make_flag(**fields) -> Flag:
    return Flag.objects.create(raised_at=timezone.now(), **fields)


# --- Flags -------------------------------------------------------------------------


def test_flag_without_any_subject_is_refused():
    with refused("flag_exactly_one_subject"), transaction.atomic():
        make_flag(kind=FlagKind.ORPHAN_PRACTICE)


def test_flag_with_two_subjects_is_refused(practice, means):
    # The kind matches the practice, so only the exactly-one-subject rule is broken.
    with refused("flag_exactly_one_subject"), transaction.atomic():
        make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, means=means)


def test_flag_whose_subject_does_not_match_its_kind_is_refused(practice, means, objective):
    with refused("flag_subject_matches_kind"), transaction.atomic():
        make_flag(kind=FlagKind.PURPOSELESS_MEANS, practice=practice)
    with refused("flag_subject_matches_kind"), transaction.atomic():
        make_flag(kind=FlagKind.ORPHAN_PRACTICE, objective=objective)
    with refused("flag_subject_matches_kind"), transaction.atomic():
        make_flag(kind=FlagKind.UNRESOURCED_OBJECTIVE, means=means)
    assert not Flag.objects.exists()


def test_each_kind_of_flag_is_accepted_on_its_own_kind_of_subject(practice, means, objective):
    subjects = {
        "practice": practice,
        "means": means,
        "objective": objective,
        "key_result": KeyResultFactory(objective=objective),
    }
    for kind, column in FLAG_SUBJECT.items():
        make_flag(kind=kind, **{column: subjects[column]})
    assert Flag.objects.count() == len(FlagKind.values)


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (FlagKind.ORPHAN_PRACTICE, "practice"),
        (FlagKind.PURPOSELESS_MEANS, "means"),
        (FlagKind.UNPRACTISED_OBJECTIVE, "objective"),
    ],
)
def test_second_unresolved_flag_of_the_same_kind_on_the_same_subject_is_refused(
    kind, subject, practice, means, objective
):
    record = {"practice": practice, "means": means, "objective": objective}[subject]
    make_flag(kind=kind, **{subject: record})
    with refused(), transaction.atomic():
        make_flag(kind=kind, **{subject: record})
    assert Flag.objects.filter(kind=kind).count() == 1


def test_a_problem_can_be_flagged_again_once_its_flag_is_resolved(practice):
    make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, resolved_at=timezone.now())
    make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, resolved_at=timezone.now())
    make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice)
    assert Flag.objects.filter(practice=practice).count() == 3
    assert Flag.objects.unresolved().filter(practice=practice).count() == 1


def test_different_kinds_of_open_flag_may_share_a_subject(practice):
    make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice)
    make_flag(kind=FlagKind.UNROOTED_PRACTICE, practice=practice)
    assert Flag.objects.open().filter(practice=practice).count() == 2


def test_acknowledged_flag_without_a_reason_is_refused(practice):
    with refused("flag_acknowledged_with_reason"), transaction.atomic():
        make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, acknowledged_at=timezone.now())


def test_acknowledged_flag_with_a_reason_stays_unresolved_but_no_longer_open(practice):
    flag = make_flag(
        kind=FlagKind.ORPHAN_PRACTICE,
        practice=practice,
        acknowledged_at=timezone.now(),
        acknowledgement_reason="A pilot, reviewed next quarter.",
    )
    assert list(Flag.objects.acknowledged()) == [flag]
    assert not Flag.objects.open().exists()
    assert not flag.is_open


def test_notification_is_sent_once_per_person_and_flag(practice):
    flag = make_flag(kind=FlagKind.ORPHAN_PRACTICE, practice=practice)
    person = UserFactory()
    Notification.objects.create(recipient=person, flag=flag)
    with refused(), transaction.atomic():
        Notification.objects.create(recipient=person, flag=flag)
    assert Notification.objects.count() == 1


# --- Organisation ------------------------------------------------------------------


def test_second_membership_of_a_person_in_the_same_unit_is_refused():
    membership = MembershipFactory(role=Role.EMPLOYEE)
    with refused(), transaction.atomic():
        Membership.objects.create(user=membership.user, unit=membership.unit, role=Role.MANAGER)
    assert Membership.objects.get(user=membership.user).role == Role.EMPLOYEE


def test_a_person_may_hold_roles_in_several_units():
    person = UserFactory()
    MembershipFactory(user=person, role=Role.MANAGER)
    MembershipFactory(user=person, role=Role.EMPLOYEE)
    assert Membership.objects.filter(user=person).count() == 2


def test_membership_with_an_unknown_role_is_refused():
    with refused("membership_role_valid"), transaction.atomic():
        Membership.objects.create(user=UserFactory(), unit=UnitFactory(), role="overlord")


def test_unit_cannot_be_its_own_parent():
    unit = UnitFactory()
    with refused("unit_not_own_parent"), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(parent_id=unit.pk)
    unit.refresh_from_db()
    assert unit.parent_id is None


# --- Objectives --------------------------------------------------------------------


def test_objective_cannot_be_its_own_parent():
    unit = UnitFactory()
    # An explicit id lets the row point at itself on insert, where no trigger can see a
    # chain yet: only the check constraint stands in the way, on every database.
    free_id = (Objective.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    with refused("objective_not_own_parent"), transaction.atomic():
        Objective.objects.create(pk=free_id, parent_id=free_id, title="Loop", statement="Why", unit=unit)
    assert not Objective.objects.filter(pk=free_id).exists()


def test_objective_updated_to_point_at_itself_is_refused():
    objective = ObjectiveFactory()
    with refused(), transaction.atomic():
        Objective.objects.filter(pk=objective.pk).update(parent_id=objective.pk)
    objective.refresh_from_db()
    assert objective.parent_id is None


def test_objective_horizon_ending_before_it_starts_is_refused():
    with refused("objective_horizon_ordered"), transaction.atomic():
        ObjectiveFactory(starts_on=date(2026, 6, 1), ends_on=date(2026, 5, 31))


def test_objective_horizon_may_be_open_ended_or_a_single_day():
    ObjectiveFactory(starts_on=date(2026, 1, 1), ends_on=None)
    ObjectiveFactory(starts_on=None, ends_on=date(2026, 12, 31))
    ObjectiveFactory(starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1))
    assert Objective.objects.count() == 3


def test_objective_with_an_unknown_status_is_refused():
    objective = ObjectiveFactory()
    with refused("objective_status_valid"), transaction.atomic():
        Objective.objects.filter(pk=objective.pk).update(status="forgotten")


# --- Means, practices and links ----------------------------------------------------


def test_means_with_an_unknown_kind_is_refused():
    with refused("means_kind_valid"), transaction.atomic():
        MeansFactory(kind="magic")


def test_means_with_an_unknown_status_is_refused():
    means = MeansFactory()
    with refused("means_status_valid"), transaction.atomic():
        Means.objects.filter(pk=means.pk).update(status="proposed")


def test_practice_with_an_unknown_status_is_refused():
    practice = PracticeFactory()
    with refused("practice_status_valid"), transaction.atomic():
        Practice.objects.filter(pk=practice.pk).update(status="abandoned")


def test_practice_lives_an_objective_through_one_link_only(practice, objective):
    PracticeObjectiveFactory(practice=practice, objective=objective)
    with refused(), transaction.atomic():
        PracticeObjective.objects.create(practice=practice, objective=objective, rationale="Again.")
    assert PracticeObjective.objects.count() == 1


def test_practice_relies_on_a_means_through_one_link_only(practice, means):
    PracticeMeansFactory(practice=practice, means=means)
    with refused(), transaction.atomic():
        PracticeMeans.objects.create(practice=practice, means=means, rationale="Again.")
    assert PracticeMeans.objects.count() == 1


def test_means_serves_an_objective_through_one_link_only(means, objective):
    MeansObjectiveFactory(means=means, objective=objective)
    with refused(), transaction.atomic():
        MeansObjective.objects.create(means=means, objective=objective, rationale="Again.")
    assert MeansObjective.objects.count() == 1


def test_links_are_unique_per_pair_not_per_end(practice, means, objective):
    other_objective = ObjectiveFactory()
    PracticeObjectiveFactory(practice=practice, objective=objective)
    PracticeObjectiveFactory(practice=practice, objective=other_objective)
    MeansObjectiveFactory(means=means, objective=objective)
    MeansObjectiveFactory(means=means, objective=other_objective)
    assert set(practice.objectives.all()) == {objective, other_objective}
    assert set(means.objectives.all()) == {objective, other_objective}


def test_a_person_says_i_practise_this_once(practice):
    person = UserFactory()
    Practitioner.objects.create(practice=practice, user=person)
    with refused(), transaction.atomic():
        Practitioner.objects.create(practice=practice, user=person)
    assert practice.practitioners.count() == 1

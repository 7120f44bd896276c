"""Writes to the strategy: who may create, edit, archive and move objectives, and the tree stays a tree."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from objectives.models import Objective, ObjectiveStatus
from objectives.services import (
    can_edit_objective,
    objective_archive,
    objective_create,
    objective_reparent,
    objective_set_status,
    objective_update,
)
from raison.editing import EditConflict
from tests.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(org):
    """The company's strategic objective."""
    return ObjectiveFactory(title="Reuse best practices", unit=org.company, parent=None)


@pytest.fixture
def north_goal(org, root):
    return ObjectiveFactory(title="North shares lessons learned", unit=org.north, parent=root)


@pytest.fixture
def south_goal(org, root):
    return ObjectiveFactory(title="South answers customers faster", unit=org.south, parent=root)


def message_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


# --- Creating ----------------------------------------------------------------------


def test_executive_creates_a_strategic_objective(org, executive):
    objective = objective_create(
        by=executive, title="  Reuse best practices ", statement="So no team solves a problem twice.", unit=org.company
    )
    objective.refresh_from_db()
    assert objective.parent is None
    assert objective.is_strategic
    assert objective.title == "Reuse best practices"
    assert objective.owner == executive
    assert objective.status == ObjectiveStatus.DRAFT


def test_manager_cannot_create_a_strategic_objective(org, manager):
    with pytest.raises(PermissionDenied, match="executive"):
        objective_create(by=manager, title="Our own strategy", statement="Why not", unit=org.north)
    assert not Objective.objects.exists()


@pytest.mark.parametrize("persona", ["employee", "outsider", "other_manager"])
def test_nobody_but_an_executive_creates_a_strategic_objective(persona, request, org):
    person = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        objective_create(by=person, title="A root", statement="Why", unit=org.company)
    assert not Objective.objects.exists()


def test_manager_creates_a_sub_objective_for_their_unit_under_the_company_strategy(org, manager, root):
    objective = objective_create(
        by=manager, title="North shares lessons", statement="Projects end with a write-up.", unit=org.north, parent=root
    )
    assert objective.parent == root
    assert objective.unit == org.north
    assert objective.owner == manager


def test_manager_creates_a_sub_objective_for_a_team_below_their_unit(org, manager, north_goal):
    objective = objective_create(
        by=manager, title="Team wiki", statement="Lessons live in one place.", unit=org.north_team, parent=north_goal
    )
    assert objective.unit == org.north_team


def test_other_manager_cannot_create_a_sub_objective_for_the_north(org, other_manager, north_goal):
    with pytest.raises(PermissionDenied, match="manager"):
        objective_create(by=other_manager, title="Meddle", statement="Why", unit=org.north, parent=north_goal)
    assert not Objective.objects.filter(title="Meddle").exists()


def test_employee_cannot_create_a_sub_objective(org, employee, north_goal):
    with pytest.raises(PermissionDenied):
        objective_create(by=employee, title="Mine", statement="Why", unit=org.north_team, parent=north_goal)
    assert not Objective.objects.filter(title="Mine").exists()


@pytest.mark.parametrize("status", [ObjectiveStatus.DRAFT, ObjectiveStatus.ACHIEVED, ObjectiveStatus.ARCHIVED])
def test_sub_objective_under_a_parent_that_is_not_active_is_refused(status, org, manager, root):
    root.status = status
    root.save()
    with pytest.raises(ValidationError) as refused:
        objective_create(by=manager, title="Under", statement="Why", unit=org.north, parent=root)
    assert "active objective" in message_of(refused.value, "parent")
    assert not Objective.objects.filter(title="Under").exists()


def test_objective_whose_horizon_ends_before_it_starts_is_refused(org, executive):
    with pytest.raises(ValidationError) as refused:
        objective_create(
            by=executive,
            title="Backwards",
            statement="Why",
            unit=org.company,
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 1, 1),
        )
    assert "horizon" in message_of(refused.value, "ends_on")
    assert not Objective.objects.exists()


def test_objective_with_an_unknown_status_or_no_title_is_refused(org, executive):
    with pytest.raises(ValidationError) as refused:
        objective_create(by=executive, title="Odd", statement="Why", unit=org.company, status="someday")
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        objective_create(by=executive, title="   ", statement="Why", unit=org.company)
    assert "title" in refused.value.message_dict
    assert not Objective.objects.exists()


def test_creation_is_recorded_in_history_with_who_did_it(org, executive):
    objective = objective_create(by=executive, title="Reuse", statement="Why", unit=org.company)
    record = objective.history.get()
    assert record.history_type == "+"
    assert record.history_user == executive


# --- Editing, status, archiving ----------------------------------------------------


def test_executive_edits_a_strategic_objective_and_history_says_who(executive, root):
    objective_update(objective=root, by=executive, title="Reuse what works", expected_version=root.version)
    root.refresh_from_db()
    assert root.title == "Reuse what works"
    latest = root.history.latest()
    assert (latest.history_type, latest.title, latest.history_user) == ("~", "Reuse what works", executive)


def test_manager_cannot_edit_a_strategic_objective(manager, root):
    assert not can_edit_objective(manager, root)
    with pytest.raises(PermissionDenied, match="executive"):
        objective_update(objective=root, by=manager, title="Ours now")
    root.refresh_from_db()
    assert root.title == "Reuse best practices"


def test_manager_edits_a_sub_objective_of_their_unit(manager, north_goal):
    objective_update(objective=north_goal, by=manager, statement="Because we repeat mistakes.")
    north_goal.refresh_from_db()
    assert north_goal.statement == "Because we repeat mistakes."
    assert north_goal.history.latest().history_user == manager


@pytest.mark.parametrize("persona", ["other_manager", "employee", "outsider"])
def test_only_managers_of_its_unit_edit_a_sub_objective(persona, request, north_goal):
    person = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied, match="manager of this objective"):
        objective_update(objective=north_goal, by=person, title="Changed")
    north_goal.refresh_from_db()
    assert north_goal.title == "North shares lessons learned"


def test_executive_edits_any_sub_objective(executive, south_goal):
    objective_update(objective=south_goal, by=executive, title="Answer within a day")
    south_goal.refresh_from_db()
    assert south_goal.title == "Answer within a day"


def test_update_refuses_fields_it_does_not_own(executive, root):
    with pytest.raises(ValueError, match="parent"):
        objective_update(objective=root, by=executive, parent=None)


def test_update_with_a_backwards_horizon_writes_nothing(executive, root):
    with pytest.raises(ValidationError):
        objective_update(objective=root, by=executive, starts_on=date(2026, 6, 1), ends_on=date(2026, 1, 1))
    root.refresh_from_db()
    assert root.starts_on is None
    assert root.ends_on is None


def test_manager_sets_the_status_of_a_sub_objective(manager, north_goal):
    objective_set_status(objective=north_goal, by=manager, status=ObjectiveStatus.ACHIEVED)
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACHIEVED
    assert north_goal.history.latest().history_user == manager


def test_unknown_status_is_refused(manager, north_goal):
    with pytest.raises(ValidationError):
        objective_set_status(objective=north_goal, by=manager, status="paused")
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACTIVE


def test_other_manager_cannot_change_the_status_of_a_north_objective(other_manager, north_goal):
    with pytest.raises(PermissionDenied):
        objective_set_status(objective=north_goal, by=other_manager, status=ObjectiveStatus.ACHIEVED)
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACTIVE


def test_executive_archives_a_strategic_objective(executive, root):
    objective_archive(objective=root, by=executive)
    root.refresh_from_db()
    assert root.status == ObjectiveStatus.ARCHIVED
    assert root.history.latest().history_user == executive


def test_manager_cannot_archive_a_strategic_objective(manager, root):
    with pytest.raises(PermissionDenied):
        objective_archive(objective=root, by=manager)
    root.refresh_from_db()
    assert root.status == ObjectiveStatus.ACTIVE


def test_manager_archives_a_sub_objective_of_their_unit(manager, north_goal):
    objective_archive(objective=north_goal, by=manager)
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ARCHIVED


# --- Edit conflicts ----------------------------------------------------------------


def test_stale_edit_is_refused_and_writes_nothing(executive, root):
    opened_at = root.version
    objective_update(objective=root, by=executive, title="First save", expected_version=opened_at)
    history_before = root.history.count()

    stale = Objective.objects.get(pk=root.pk)
    with pytest.raises(EditConflict) as conflict:
        objective_update(objective=stale, by=executive, title="Second save", expected_version=opened_at)

    root.refresh_from_db()
    assert root.title == "First save"
    assert root.version == opened_at + 1
    assert root.history.count() == history_before
    assert conflict.value.current.title == "First save"


def test_stale_status_change_and_archive_are_refused(executive, root):
    opened_at = root.version
    objective_set_status(objective=root, by=executive, status=ObjectiveStatus.ACHIEVED, expected_version=opened_at)
    with pytest.raises(EditConflict):
        objective_archive(objective=Objective.objects.get(pk=root.pk), by=executive, expected_version=opened_at)
    root.refresh_from_db()
    assert root.status == ObjectiveStatus.ACHIEVED


def test_each_save_moves_the_version_forward(executive, root):
    versions = [root.version]
    objective_update(objective=root, by=executive, title="One", expected_version=root.version)
    versions.append(Objective.objects.get(pk=root.pk).version)
    objective_set_status(objective=root, by=executive, status=ObjectiveStatus.ACHIEVED)
    versions.append(Objective.objects.get(pk=root.pk).version)
    assert versions == sorted(set(versions))


def test_save_without_a_version_from_a_stale_copy_never_moves_the_version_back(executive, root):
    stale = Objective.objects.get(pk=root.pk)
    objective_update(objective=root, by=executive, title="Newer", expected_version=root.version)
    objective_update(objective=root, by=executive, title="Newest", expected_version=root.version)
    seen_by_others = Objective.objects.get(pk=root.pk).version

    objective_set_status(objective=stale, by=executive, status=ObjectiveStatus.ACHIEVED)

    assert Objective.objects.get(pk=root.pk).version > seen_by_others
    # A form opened before that save is now stale and must be refused.
    with pytest.raises(EditConflict):
        objective_update(objective=root, by=executive, title="Late", expected_version=seen_by_others)


# --- Re-parenting ------------------------------------------------------------------


def test_manager_moves_a_sub_objective_within_their_subtree(org, manager, north_goal):
    other = ObjectiveFactory(unit=org.north, parent=north_goal.parent)
    team_goal = ObjectiveFactory(unit=org.north_team, parent=north_goal)
    objective_reparent(objective=team_goal, by=manager, parent=other)
    team_goal.refresh_from_db()
    assert team_goal.parent == other
    assert team_goal.history.latest().history_user == manager


def test_manager_moves_their_sub_objective_under_another_strategic_objective(org, manager, north_goal):
    # They could create it there, so they can move it there.
    other_root = ObjectiveFactory(unit=org.company, parent=None)
    objective_reparent(objective=north_goal, by=manager, parent=other_root)
    north_goal.refresh_from_db()
    assert north_goal.parent == other_root


def test_other_manager_cannot_move_a_north_objective(other_manager, north_goal, south_goal):
    with pytest.raises(PermissionDenied):
        objective_reparent(objective=north_goal, by=other_manager, parent=south_goal)
    north_goal.refresh_from_db()
    assert north_goal.parent_id != south_goal.pk


def test_employee_cannot_move_an_objective(employee, north_goal, south_goal):
    with pytest.raises(PermissionDenied):
        objective_reparent(objective=north_goal, by=employee, parent=south_goal)


def test_manager_cannot_turn_a_sub_objective_into_a_strategic_one(manager, north_goal, root):
    with pytest.raises(PermissionDenied, match="executive"):
        objective_reparent(objective=north_goal, by=manager, parent=None)
    north_goal.refresh_from_db()
    assert north_goal.parent == root


def test_executive_promotes_a_sub_objective_to_a_strategic_one(executive, north_goal):
    objective_reparent(objective=north_goal, by=executive, parent=None)
    north_goal.refresh_from_db()
    assert north_goal.is_strategic


def test_manager_cannot_move_a_strategic_objective(manager, root, north_goal):
    other_root = ObjectiveFactory(unit=root.unit)
    with pytest.raises(PermissionDenied):
        objective_reparent(objective=other_root, by=manager, parent=north_goal)


def test_objective_cannot_be_placed_under_itself(executive, root):
    with pytest.raises(ValidationError) as refused:
        objective_reparent(objective=root, by=executive, parent=root)
    assert "own parent" in message_of(refused.value, "parent")
    root.refresh_from_db()
    assert root.parent is None


def test_objective_cannot_be_placed_under_its_direct_child(executive, root, north_goal):
    with pytest.raises(ValidationError) as refused:
        objective_reparent(objective=root, by=executive, parent=north_goal)
    message = message_of(refused.value, "parent")
    assert "loop" in message
    assert north_goal.title in message
    assert root.title in message
    root.refresh_from_db()
    assert root.parent is None


def test_objective_cannot_be_placed_under_a_deep_descendant(org, executive, root):
    descendant = root
    for _level in range(12):
        descendant = ObjectiveFactory(unit=org.north, parent=descendant)
    with pytest.raises(ValidationError) as refused:
        objective_reparent(objective=root, by=executive, parent=descendant)
    assert "loop" in message_of(refused.value, "parent")
    root.refresh_from_db()
    assert root.parent is None
    assert root.version == 1


def test_manager_cannot_move_a_sub_objective_under_its_own_team_goal(org, manager, north_goal):
    team_goal = ObjectiveFactory(unit=org.north_team, parent=north_goal)
    with pytest.raises(ValidationError, match="loop"):
        objective_reparent(objective=north_goal, by=manager, parent=team_goal)


@pytest.mark.parametrize("status", [ObjectiveStatus.DRAFT, ObjectiveStatus.ACHIEVED, ObjectiveStatus.ARCHIVED])
def test_objective_can_only_be_moved_under_an_active_one_as_it_can_only_be_created_there(
    status, org, manager, north_goal
):
    # One rule for both: before, a move refused only archived parents.
    other = ObjectiveFactory(title="Elsewhere", unit=org.north, status=status, parent=north_goal.parent)
    with pytest.raises(ValidationError) as refused:
        objective_reparent(objective=north_goal, by=manager, parent=other)
    assert f"“Elsewhere” is {ObjectiveStatus(status).label.lower()}" in message_of(refused.value, "parent")
    with pytest.raises(ValidationError) as refused:
        objective_create(by=manager, title="Under", statement="Why", unit=org.north, parent=other)
    assert "active objective" in message_of(refused.value, "parent")
    north_goal.refresh_from_db()
    assert north_goal.parent == other.parent


def test_allowed_parents_is_every_active_objective_outside_the_moved_subtree(org, root, north_goal, south_goal):
    from objectives.services import allowed_parents

    child = ObjectiveFactory(unit=org.north_team, parent=north_goal)
    ObjectiveFactory(unit=org.north, parent=root, status=ObjectiveStatus.DRAFT)
    assert set(allowed_parents()) == {root, north_goal, south_goal, child}
    assert set(allowed_parents(north_goal)) == {root, south_goal}
    assert set(allowed_parents(root)) == set()


def test_archiving_an_objective_with_active_sub_objectives_is_refused_naming_them(org, manager, north_goal):
    first = ObjectiveFactory(title="Write it down", unit=org.north_team, parent=north_goal)
    ObjectiveFactory(title="Deeper still", unit=org.north_team, parent=first)
    ObjectiveFactory(title="Gave up", unit=org.north_team, parent=north_goal, status=ObjectiveStatus.ARCHIVED)
    with pytest.raises(ValidationError) as refused:
        objective_archive(objective=north_goal, by=manager)
    message = message_of(refused.value, "status")
    assert message == (
        "Active objectives still hang below this one: “Deeper still”, “Write it down”. Move them or archive them first."
    )
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACTIVE
    # Once they are archived (deepest first), it can be.
    objective_archive(objective=Objective.objects.get(title="Deeper still"), by=manager)
    objective_archive(objective=first, by=manager)
    objective_archive(objective=north_goal, by=manager)
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ARCHIVED


def test_a_refused_archive_names_five_and_counts_the_rest(org, executive, root):
    for n in range(8):
        ObjectiveFactory(title=f"Goal {n}", unit=org.north, parent=root)
    with pytest.raises(ValidationError) as refused:
        objective_archive(objective=root, by=executive)
    assert "“Goal 0”, “Goal 1”, “Goal 2”, “Goal 3”, “Goal 4” and 3 more." in message_of(refused.value, "status")


def test_stale_move_is_refused_and_writes_nothing(org, executive, north_goal, root):
    other_root = ObjectiveFactory(unit=org.company)
    opened_at = north_goal.version
    objective_update(objective=north_goal, by=executive, title="Renamed", expected_version=opened_at)
    stale = Objective.objects.get(pk=north_goal.pk)
    with pytest.raises(EditConflict):
        objective_reparent(objective=stale, by=executive, parent=other_root, expected_version=opened_at)
    north_goal.refresh_from_db()
    assert north_goal.parent == root


def test_after_a_refused_move_the_caller_can_keep_working(executive, root, north_goal):
    with pytest.raises(ValidationError):
        objective_reparent(objective=root, by=executive, parent=north_goal)
    # The refusal happened before any write, inside the service's own transaction.
    objective_update(objective=Objective.objects.get(pk=root.pk), by=executive, title="Still editable")
    assert Objective.objects.get(pk=root.pk).title == "Still editable"

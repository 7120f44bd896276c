"""Writes to means, practices and their links: who may, what they must say, and nothing half-written.

The rights matrix runs every managing service for each persona against records of
the north team: the north manager (through the subtree) and the company executive
may; the south manager, the employee and the outsider may not, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from objectives.models import ObjectiveStatus
from practices import services
from practices.models import (
    Means,
    MeansKind,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
    Practitioner,
)
from raison.editing import EditConflict
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MANAGING = ["manager", "executive"]
NOT_MANAGING = ["other_manager", "employee", "outsider"]


@dataclass
class World:
    org: object
    root: object
    objective: object  # active, north division: what links point at
    other_objective: object  # active, not linked to anything yet
    means: object  # a north-team tool, serving ``objective``
    other_means: object  # a north-team ritual, linked to nothing
    practice: object  # active north-team practice, living ``objective`` and relying on ``means``
    proposal: object  # an employee's proposal in the north team


@pytest.fixture
def world(org, employee) -> World:
    root = ObjectiveFactory(title="Reuse best practices", unit=org.company)
    objective = ObjectiveFactory(title="Lessons learned are shared", unit=org.north, parent=root)
    other_objective = ObjectiveFactory(title="Experts are easy to find", unit=org.north, parent=root)
    means = MeansFactory(name="Wiki", unit=org.north_team, url="https://wiki.example.org/")
    other_means = MeansFactory(name="Weekly sharing ritual", kind=MeansKind.ORGANISATIONAL, unit=org.north_team)
    practice = PracticeFactory(name="Publish lessons in the wiki", unit=org.north_team)
    PracticeObjectiveFactory(practice=practice, objective=objective, rationale="Publishing is how lessons spread.")
    PracticeMeansFactory(practice=practice, means=means, rationale="The wiki is where lessons live.")
    MeansObjectiveFactory(means=means, objective=objective, rationale="The wiki keeps lessons findable.")
    proposal = PracticeFactory(
        name="Lunch-and-learn", unit=org.north_team, status=PracticeStatus.PROPOSED, proposed_by=employee
    )
    return World(org, root, objective, other_objective, means, other_means, practice, proposal)


def person(request, name):
    return request.getfixturevalue(name)


# --- The rights matrix -------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    run: Callable[[object, World], object]
    state: Callable[[World], object]  # what the action changes, read back from the database


def _status(model, pk):
    return model.objects.values_list("status", flat=True).get(pk=pk)


def _name(model, pk):
    return model.objects.values_list("name", flat=True).get(pk=pk)


MANAGING_ACTIONS = {
    "means_create": Action(
        lambda by, w: services.means_create(
            by=by, name="Chat", kind=MeansKind.TECHNICAL, unit=w.org.north_team, url="https://chat.example.org/"
        ),
        lambda w: Means.objects.filter(name="Chat").count(),
    ),
    "means_update": Action(
        lambda by, w: services.means_update(means=w.means, by=by, name="Team wiki"),
        lambda w: _name(Means, w.means.pk),
    ),
    "means_set_status": Action(
        lambda by, w: services.means_set_status(means=w.means, by=by, status=MeansStatus.RETIRED),
        lambda w: _status(Means, w.means.pk),
    ),
    "practice_create": Action(
        lambda by, w: services.practice_create(by=by, name="Pair on hard bugs", unit=w.org.north_team),
        lambda w: Practice.objects.filter(name="Pair on hard bugs").count(),
    ),
    "practice_update": Action(
        lambda by, w: services.practice_update(practice=w.practice, by=by, name="Write up every project"),
        lambda w: _name(Practice, w.practice.pk),
    ),
    "practice_set_status": Action(
        lambda by, w: services.practice_set_status(practice=w.practice, by=by, status=PracticeStatus.RETIRED),
        lambda w: _status(Practice, w.practice.pk),
    ),
    "practice_retire": Action(
        lambda by, w: services.practice_retire(practice=w.practice, by=by),
        lambda w: _status(Practice, w.practice.pk),
    ),
    "practice_adopt": Action(
        lambda by, w: services.practice_adopt(
            practice=w.proposal, by=by, objective=w.objective, rationale="Sharing over lunch spreads lessons."
        ),
        lambda w: (_status(Practice, w.proposal.pk), w.proposal.objective_links.count()),
    ),
    "practice_decline": Action(
        lambda by, w: services.practice_decline(practice=w.proposal, by=by, reason="We already have a ritual."),
        lambda w: _status(Practice, w.proposal.pk),
    ),
    "practice_link_objective": Action(
        lambda by, w: services.practice_link_objective(
            practice=w.practice, objective=w.other_objective, by=by, rationale="Authors become known experts."
        ),
        lambda w: PracticeObjective.objects.filter(practice=w.practice, objective=w.other_objective).exists(),
    ),
    "practice_unlink_objective": Action(
        lambda by, w: services.practice_unlink_objective(practice=w.practice, objective=w.objective, by=by),
        lambda w: PracticeObjective.objects.filter(practice=w.practice, objective=w.objective).exists(),
    ),
    "practice_link_means": Action(
        lambda by, w: services.practice_link_means(
            practice=w.practice, means=w.other_means, by=by, rationale="The ritual is where pages get announced."
        ),
        lambda w: PracticeMeans.objects.filter(practice=w.practice, means=w.other_means).exists(),
    ),
    "practice_unlink_means": Action(
        lambda by, w: services.practice_unlink_means(practice=w.practice, means=w.means, by=by),
        lambda w: PracticeMeans.objects.filter(practice=w.practice, means=w.means).exists(),
    ),
    "means_link_objective": Action(
        lambda by, w: services.means_link_objective(
            means=w.other_means, objective=w.objective, by=by, rationale="The ritual surfaces lessons weekly."
        ),
        lambda w: MeansObjective.objects.filter(means=w.other_means, objective=w.objective).exists(),
    ),
    "means_unlink_objective": Action(
        lambda by, w: services.means_unlink_objective(means=w.means, objective=w.objective, by=by),
        lambda w: MeansObjective.objects.filter(means=w.means, objective=w.objective).exists(),
    ),
}


@pytest.mark.parametrize("persona", MANAGING)
@pytest.mark.parametrize("action", MANAGING_ACTIONS)
def test_managers_of_the_unit_or_above_may(action, persona, request, world):
    by = person(request, persona)
    before = MANAGING_ACTIONS[action].state(world)
    MANAGING_ACTIONS[action].run(by, world)
    assert MANAGING_ACTIONS[action].state(world) != before


@pytest.mark.parametrize("persona", NOT_MANAGING)
@pytest.mark.parametrize("action", MANAGING_ACTIONS)
def test_people_without_managing_rights_over_the_unit_are_refused_and_nothing_changes(action, persona, request, world):
    by = person(request, persona)
    before = MANAGING_ACTIONS[action].state(world)
    with pytest.raises(PermissionDenied):
        MANAGING_ACTIONS[action].run(by, world)
    assert MANAGING_ACTIONS[action].state(world) == before


@pytest.mark.parametrize("action", MANAGING_ACTIONS)
def test_an_inactive_manager_is_refused(action, manager, world):
    manager.is_active = False
    manager.save()
    before = MANAGING_ACTIONS[action].state(world)
    with pytest.raises(PermissionDenied):
        MANAGING_ACTIONS[action].run(manager, world)
    assert MANAGING_ACTIONS[action].state(world) == before


def test_employee_cannot_unlink_a_tool(employee, world):
    with pytest.raises(PermissionDenied, match="manager"):
        services.means_unlink_objective(means=world.means, objective=world.objective, by=employee)
    assert world.means.objective_links.filter(objective=world.objective).exists()


def test_require_practice_manager_matches_the_services(manager, other_manager, world):
    services.require_practice_manager(manager, world.practice)
    with pytest.raises(PermissionDenied):
        services.require_practice_manager(other_manager, world.practice)


# --- Means and practices -----------------------------------------------------------


def test_manager_creates_a_tool_they_own(org, manager):
    means = services.means_create(
        by=manager, name=" Wiki ", kind=MeansKind.TECHNICAL, unit=org.north, url="https://wiki.example.org/"
    )
    means.refresh_from_db()
    assert (means.name, means.owner, means.status) == ("Wiki", manager, MeansStatus.ACTIVE)
    assert means.history.get().history_user == manager


def test_means_with_a_bad_link_or_kind_is_refused_with_the_field_named(org, manager):
    with pytest.raises(ValidationError) as refused:
        services.means_create(by=manager, name="Wiki", kind=MeansKind.TECHNICAL, unit=org.north, url="not a url")
    assert "url" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.means_create(by=manager, name="Wiki", kind="magic", unit=org.north)
    assert "kind" in refused.value.message_dict
    assert not Means.objects.exists()


def test_means_update_refuses_fields_it_does_not_own(manager, world):
    with pytest.raises(ValueError, match="unit"):
        services.means_update(means=world.means, by=manager, unit=world.org.south)
    assert Means.objects.get(pk=world.means.pk).unit == world.org.north_team


def test_stale_means_edit_is_refused_and_writes_nothing(manager, world):
    opened_at = world.means.version
    services.means_update(means=world.means, by=manager, name="Team wiki", expected_version=opened_at)
    stale = Means.objects.get(pk=world.means.pk)
    with pytest.raises(EditConflict):
        services.means_update(means=stale, by=manager, name="Old wiki", expected_version=opened_at)
    assert _name(Means, world.means.pk) == "Team wiki"


def test_stale_practice_edit_is_refused_and_writes_nothing(manager, world):
    opened_at = world.practice.version
    services.practice_update(practice=world.practice, by=manager, name="Write up projects", expected_version=opened_at)
    stale = Practice.objects.get(pk=world.practice.pk)
    with pytest.raises(EditConflict):
        services.practice_set_status(
            practice=stale, by=manager, status=PracticeStatus.RETIRED, expected_version=opened_at
        )
    assert _status(Practice, world.practice.pk) == PracticeStatus.ACTIVE


def test_unknown_statuses_are_refused(manager, world):
    with pytest.raises(ValidationError):
        services.means_set_status(means=world.means, by=manager, status="paused")
    with pytest.raises(ValidationError):
        services.practice_set_status(practice=world.practice, by=manager, status="paused")
    assert _status(Means, world.means.pk) == MeansStatus.ACTIVE
    assert _status(Practice, world.practice.pk) == PracticeStatus.ACTIVE


def test_manager_creates_an_active_practice_and_history_says_who(org, manager):
    practice = services.practice_create(by=manager, name="Pair on hard bugs", unit=org.north_team)
    assert _status(Practice, practice.pk) == PracticeStatus.ACTIVE
    assert practice.owner == manager
    assert practice.history.get().history_user == manager


# --- Proposals ---------------------------------------------------------------------


def test_employee_proposal_lands_in_their_home_unit_as_proposed(org, employee):
    proposal = services.practice_propose(by=employee, name=" Lunch-and-learn ", description="Fridays.")
    proposal.refresh_from_db()
    assert proposal.unit == org.north_team
    assert proposal.status == PracticeStatus.PROPOSED
    assert (proposal.name, proposal.proposed_by, proposal.owner) == ("Lunch-and-learn", employee, employee)
    assert proposal.history.get().history_user == employee


def test_a_proposal_may_name_another_unit(org, employee):
    proposal = services.practice_propose(by=employee, name="Cross-division demo day", unit=org.south)
    assert proposal.unit == org.south
    assert proposal.status == PracticeStatus.PROPOSED


def test_outsider_without_a_unit_is_told_to_ask_for_one(outsider):
    with pytest.raises(ValidationError) as refused:
        services.practice_propose(by=outsider, name="Something")
    assert "not a member of any unit" in " ".join(refused.value.message_dict["unit"])
    assert not Practice.objects.exists()


def test_inactive_person_cannot_propose(employee):
    employee.is_active = False
    employee.save()
    with pytest.raises(PermissionDenied):
        services.practice_propose(by=employee, name="Something")
    assert not Practice.objects.exists()


def test_proposal_without_a_name_is_refused(employee):
    with pytest.raises(ValidationError) as refused:
        services.practice_propose(by=employee, name="   ")
    assert "name" in refused.value.message_dict


def test_adopting_makes_the_proposal_active_and_links_it_with_the_rationale(manager, world):
    services.practice_adopt(
        practice=world.proposal, by=manager, objective=world.objective, rationale=" Lunch  talks spread lessons. "
    )
    assert _status(Practice, world.proposal.pk) == PracticeStatus.ACTIVE
    link = PracticeObjective.objects.get(practice=world.proposal)
    assert (link.objective, link.created_by) == (world.objective, manager)
    assert link.rationale == "Lunch talks spread lessons."
    assert world.proposal.history.latest().history_user == manager


def test_adopting_clears_an_earlier_decision_reason(manager, world):
    Practice.objects.filter(pk=world.proposal.pk).update(decision_reason="Declined last year: no budget.")
    proposal = Practice.objects.get(pk=world.proposal.pk)
    services.practice_adopt(practice=proposal, by=manager, objective=world.objective, rationale="Budget found.")
    assert Practice.objects.get(pk=proposal.pk).decision_reason == ""


def test_adoption_with_a_link_that_fails_changes_nothing(manager, world):
    PracticeObjectiveFactory(practice=world.proposal, objective=world.objective, rationale="Linked earlier.")
    with pytest.raises(ValidationError, match="already lives this objective"):
        services.practice_adopt(practice=world.proposal, by=manager, objective=world.objective, rationale="Again.")
    assert _status(Practice, world.proposal.pk) == PracticeStatus.PROPOSED
    assert world.proposal.objective_links.get().rationale == "Linked earlier."


def test_adoption_without_a_rationale_changes_nothing(manager, world):
    with pytest.raises(ValidationError) as refused:
        services.practice_adopt(practice=world.proposal, by=manager, objective=world.objective, rationale="  ")
    assert "rationale" in refused.value.message_dict
    assert _status(Practice, world.proposal.pk) == PracticeStatus.PROPOSED
    assert not world.proposal.objective_links.exists()


def test_adoption_that_fails_after_linking_leaves_no_link_behind(manager, world, monkeypatch):
    def status_write_fails(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "save_versioned", status_write_fails)
    with pytest.raises(RuntimeError):
        services.practice_adopt(practice=world.proposal, by=manager, objective=world.objective, rationale="Good.")
    assert not PracticeObjective.objects.filter(practice=world.proposal).exists()
    assert _status(Practice, world.proposal.pk) == PracticeStatus.PROPOSED


@pytest.mark.parametrize("status", [ObjectiveStatus.DRAFT, ObjectiveStatus.ACHIEVED, ObjectiveStatus.ARCHIVED])
def test_adoption_under_an_objective_that_is_not_active_is_refused(status, manager, world):
    world.objective.status = status
    world.objective.save()
    with pytest.raises(ValidationError) as refused:
        services.practice_adopt(practice=world.proposal, by=manager, objective=world.objective, rationale="Good.")
    assert "objective" in refused.value.message_dict
    assert _status(Practice, world.proposal.pk) == PracticeStatus.PROPOSED


def test_only_a_proposal_can_be_adopted(manager, world):
    with pytest.raises(ValidationError, match="proposed"):
        services.practice_adopt(practice=world.practice, by=manager, objective=world.other_objective, rationale="Good.")
    assert not PracticeObjective.objects.filter(practice=world.practice, objective=world.other_objective).exists()


def test_decline_records_the_reason_for_the_person_who_proposed(manager, world):
    services.practice_decline(practice=world.proposal, by=manager, reason="  We already have a  weekly ritual. ")
    declined = Practice.objects.get(pk=world.proposal.pk)
    assert declined.status == PracticeStatus.DECLINED
    assert declined.decision_reason == "We already have a weekly ritual."
    assert declined.history.latest().history_user == manager


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_decline_needs_a_reason(reason, manager, world):
    with pytest.raises(ValidationError) as refused:
        services.practice_decline(practice=world.proposal, by=manager, reason=reason)
    assert "reason" in refused.value.message_dict
    assert _status(Practice, world.proposal.pk) == PracticeStatus.PROPOSED


def test_decline_reason_that_is_too_long_is_refused_not_cut(manager, world):
    with pytest.raises(ValidationError) as refused:
        services.practice_decline(practice=world.proposal, by=manager, reason="x" * 501)
    assert "500" in " ".join(refused.value.message_dict["reason"])
    assert _status(Practice, world.proposal.pk) == PracticeStatus.PROPOSED


def test_a_declined_proposal_cannot_then_be_adopted_from_a_page_opened_before(manager, executive, world):
    page_opened_before = Practice.objects.get(pk=world.proposal.pk)
    services.practice_decline(practice=world.proposal, by=executive, reason="Not now.")
    with pytest.raises(ValidationError, match="proposed"):
        services.practice_adopt(practice=page_opened_before, by=manager, objective=world.objective, rationale="Yes.")
    assert _status(Practice, world.proposal.pk) == PracticeStatus.DECLINED
    assert not world.proposal.objective_links.exists()


def test_an_adopted_practice_cannot_then_be_declined_from_a_page_opened_before(manager, executive, world):
    page_opened_before = Practice.objects.get(pk=world.proposal.pk)
    services.practice_adopt(practice=world.proposal, by=executive, objective=world.objective, rationale="Yes.")
    with pytest.raises(ValidationError, match="proposed"):
        services.practice_decline(practice=page_opened_before, by=manager, reason="No.")
    assert _status(Practice, world.proposal.pk) == PracticeStatus.ACTIVE


# --- "I practise this" -------------------------------------------------------------


@pytest.mark.parametrize("persona", ["employee", "outsider", "other_manager", "executive"])
def test_anyone_signed_in_says_i_practise_this_and_takes_it_back(persona, request, world):
    by = person(request, persona)
    assert services.practice_mark_practising(practice=world.practice, by=by) is True
    assert services.practice_mark_practising(practice=world.practice, by=by) is False
    assert Practitioner.objects.filter(practice=world.practice, user=by).count() == 1
    assert services.practice_unmark_practising(practice=world.practice, by=by) is True
    assert services.practice_unmark_practising(practice=world.practice, by=by) is False
    assert not Practitioner.objects.filter(practice=world.practice).exists()


def test_practising_one_practice_leaves_others_and_people_alone(employee, world):
    colleague = UserFactory()
    services.practice_mark_practising(practice=world.practice, by=colleague)
    services.practice_mark_practising(practice=world.practice, by=employee)
    services.practice_unmark_practising(practice=world.practice, by=employee)
    assert list(Practitioner.objects.values_list("user", flat=True)) == [colleague.pk]


@pytest.mark.parametrize("status", [PracticeStatus.PROPOSED, PracticeStatus.RETIRED, PracticeStatus.DECLINED])
def test_only_an_active_practice_can_be_practised(status, employee, world):
    Practice.objects.filter(pk=world.practice.pk).update(status=status)
    world.practice.refresh_from_db()
    with pytest.raises(ValidationError, match="active practice"):
        services.practice_mark_practising(practice=world.practice, by=employee)
    assert not Practitioner.objects.exists()


def test_inactive_person_cannot_say_i_practise_this(employee, world):
    employee.is_active = False
    employee.save()
    with pytest.raises(PermissionDenied):
        services.practice_mark_practising(practice=world.practice, by=employee)
    with pytest.raises(PermissionDenied):
        services.practice_unmark_practising(practice=world.practice, by=employee)


# --- Links: rationale, duplicates, undo, history -----------------------------------

LINKERS = {
    "practice_link_objective": lambda w, by, rationale: services.practice_link_objective(
        practice=w.practice, objective=w.other_objective, by=by, rationale=rationale
    ),
    "practice_link_means": lambda w, by, rationale: services.practice_link_means(
        practice=w.practice, means=w.other_means, by=by, rationale=rationale
    ),
    "means_link_objective": lambda w, by, rationale: services.means_link_objective(
        means=w.other_means, objective=w.objective, by=by, rationale=rationale
    ),
}
LINK_COUNT = {
    "practice_link_objective": lambda: PracticeObjective.objects.count(),
    "practice_link_means": lambda: PracticeMeans.objects.count(),
    "means_link_objective": lambda: MeansObjective.objects.count(),
}


@pytest.mark.parametrize("rationale", ["", "   ", None])
@pytest.mark.parametrize("linker", LINKERS)
def test_a_link_without_a_rationale_is_refused(linker, rationale, manager, world):
    before = LINK_COUNT[linker]()
    with pytest.raises(ValidationError) as refused:
        LINKERS[linker](world, manager, rationale)
    assert "one sentence" in " ".join(refused.value.message_dict["rationale"])
    assert LINK_COUNT[linker]() == before


@pytest.mark.parametrize("linker", LINKERS)
def test_a_rationale_longer_than_300_characters_is_refused(linker, manager, world):
    before = LINK_COUNT[linker]()
    with pytest.raises(ValidationError) as refused:
        LINKERS[linker](world, manager, "x" * 301)
    assert "300" in " ".join(refused.value.message_dict["rationale"])
    assert LINK_COUNT[linker]() == before


@pytest.mark.parametrize("linker", LINKERS)
def test_a_rationale_of_exactly_300_characters_is_kept_whole(linker, manager, world):
    link = LINKERS[linker](world, manager, "x" * 300)
    link.refresh_from_db()
    assert link.rationale == "x" * 300
    assert link.created_by == manager


@pytest.mark.parametrize(
    ("linker", "message"),
    [
        ("practice_link_objective", "already lives this objective"),
        ("practice_link_means", "already relies on this means"),
        ("means_link_objective", "already serves this objective"),
    ],
)
def test_linking_the_same_pair_twice_is_refused_with_a_clear_message(linker, message, manager, world):
    first = LINKERS[linker](world, manager, "The first reason.")
    count = LINK_COUNT[linker]()
    with pytest.raises(ValidationError, match=message):
        LINKERS[linker](world, manager, "A second reason.")
    assert LINK_COUNT[linker]() == count
    first.refresh_from_db()
    assert first.rationale == "The first reason."


def test_unlinking_returns_the_rationale_so_the_link_can_be_restored(manager, world):
    removed = services.practice_unlink_objective(practice=world.practice, objective=world.objective, by=manager)
    assert removed == services.RemovedLink(world.practice.pk, world.objective.pk, "Publishing is how lessons spread.")
    assert not world.practice.objective_links.exists()

    services.practice_link_objective(
        practice=world.practice, objective=world.objective, by=manager, rationale=removed.rationale
    )
    assert world.practice.objective_links.get().rationale == "Publishing is how lessons spread."


def test_every_unlink_returns_what_it_removed(manager, world):
    means_link = services.practice_unlink_means(practice=world.practice, means=world.means, by=manager)
    serves = services.means_unlink_objective(means=world.means, objective=world.objective, by=manager)
    assert means_link == services.RemovedLink(world.practice.pk, world.means.pk, "The wiki is where lessons live.")
    assert serves == services.RemovedLink(world.means.pk, world.objective.pk, "The wiki keeps lessons findable.")
    assert not PracticeMeans.objects.exists()
    assert not MeansObjective.objects.exists()


def test_unlinking_a_link_that_is_gone_removes_nothing_and_writes_no_history(manager, world):
    assert services.practice_unlink_means(practice=world.practice, means=world.means, by=manager) is not None
    assert services.practice_unlink_means(practice=world.practice, means=world.means, by=manager) is None
    assert services.means_unlink_objective(means=world.means, objective=world.objective, by=manager) is not None
    assert services.means_unlink_objective(means=world.means, objective=world.objective, by=manager) is None
    assert PracticeMeans.history.filter(history_type="-").count() == 1
    assert MeansObjective.history.filter(history_type="-").count() == 1


def test_linking_to_an_archived_objective_is_refused(manager, world):
    world.other_objective.status = ObjectiveStatus.ARCHIVED
    world.other_objective.save()
    with pytest.raises(ValidationError) as refused:
        services.practice_link_objective(
            practice=world.practice, objective=world.other_objective, by=manager, rationale="Why not."
        )
    assert "archived" in " ".join(refused.value.message_dict["objective"])
    with pytest.raises(ValidationError):
        services.means_link_objective(
            means=world.other_means, objective=world.other_objective, by=manager, rationale="Why not."
        )
    assert not world.other_objective.practice_links.exists()
    assert not world.other_objective.means_links.exists()


def test_relying_on_a_retired_means_is_refused(manager, world):
    world.other_means.status = MeansStatus.RETIRED
    world.other_means.save()
    with pytest.raises(ValidationError) as refused:
        services.practice_link_means(practice=world.practice, means=world.other_means, by=manager, rationale="Why.")
    assert "retired" in " ".join(refused.value.message_dict["means"])
    assert not world.other_means.practice_links.exists()


@pytest.mark.parametrize(
    ("link", "unlink", "model"),
    [
        (
            lambda w, by: services.practice_link_objective(
                practice=w.practice, objective=w.other_objective, by=by, rationale="Authors become experts."
            ),
            lambda w, by: services.practice_unlink_objective(practice=w.practice, objective=w.other_objective, by=by),
            PracticeObjective,
        ),
        (
            lambda w, by: services.practice_link_means(
                practice=w.practice, means=w.other_means, by=by, rationale="Pages get announced there."
            ),
            lambda w, by: services.practice_unlink_means(practice=w.practice, means=w.other_means, by=by),
            PracticeMeans,
        ),
        (
            lambda w, by: services.means_link_objective(
                means=w.other_means, objective=w.other_objective, by=by, rationale="Experts speak there."
            ),
            lambda w, by: services.means_unlink_objective(means=w.other_means, objective=w.other_objective, by=by),
            MeansObjective,
        ),
    ],
    ids=["practice-objective", "practice-means", "means-objective"],
)
def test_linking_and_unlinking_are_recorded_with_who_did_it(link, unlink, model, manager, executive, world):
    created = link(world, manager)
    unlink(world, executive)
    records = list(model.history.filter(id=created.pk).order_by("history_date", "history_id"))
    assert [(r.history_type, r.history_user) for r in records] == [("+", manager), ("-", executive)]
    assert records[-1].rationale == created.rationale

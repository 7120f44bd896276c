"""Calmer flags: proposals wait on their own page, new objectives get a grace period, and
key results nobody checks in on are flagged stalled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment import engine
from alignment.models import Flag, FlagKind, Notification
from objectives import key_results
from objectives import services as objective_services
from objectives.models import Confidence, KeyResult, Objective, ObjectiveStatus
from practices import services as practice_services
from tests.factories import KeyResultFactory, ObjectiveFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _open(kind, **subject):
    return Flag.objects.open().filter(kind=kind, **subject).exists()


def test_an_employees_proposal_is_neither_flagged_nor_announced_to_her(org, employee):
    proposal = practice_services.practice_propose(
        by=employee, name="Lunch and learn", description="Share one lesson a week.", unit=org.north_team
    )
    engine.run()
    assert not Flag.objects.filter(practice=proposal).exists()
    assert not Notification.objects.filter(recipient=employee).exists()


def test_a_new_objective_is_left_alone_during_its_grace_period(org, executive, settings):
    settings.ALIGNMENT_GRACE_DAYS = 7
    goal = objective_services.objective_create(
        by=executive, title="Listen to customers", statement="Why", unit=org.company, status=ObjectiveStatus.ACTIVE
    )
    assert goal.activated_at is not None
    engine.run()
    assert not Flag.objects.filter(objective=goal).exists()
    # Once the period is over, the sweep raises what is still missing.
    engine.run(now=timezone.now() + timedelta(days=8))
    assert _open(FlagKind.UNRESOURCED_OBJECTIVE, objective=goal)
    assert _open(FlagKind.UNPRACTISED_OBJECTIVE, objective=goal)


def test_re_activating_an_objective_restarts_its_grace_period(org, executive, settings):
    settings.ALIGNMENT_GRACE_DAYS = 7
    goal = ObjectiveFactory(unit=org.company, status=ObjectiveStatus.ACTIVE)
    engine.run()
    assert _open(FlagKind.UNRESOURCED_OBJECTIVE, objective=goal), "a bulk-loaded objective has no grace"
    objective_services.objective_set_status(objective=goal, by=executive, status=ObjectiveStatus.DRAFT)
    goal.refresh_from_db()
    objective_services.objective_set_status(objective=goal, by=executive, status=ObjectiveStatus.ACTIVE)
    engine.run()
    assert not Flag.objects.unresolved().filter(objective=goal).exists()


def test_drafts_are_never_flagged(org):
    ObjectiveFactory(unit=org.company, status=ObjectiveStatus.DRAFT)
    engine.run(now=timezone.now() + timedelta(days=400))
    assert not Flag.objects.exists()


def test_a_key_result_without_check_in_stalls_and_a_check_in_clears_it(
    org, manager, settings, django_capture_on_commit_callbacks
):
    settings.KEY_RESULT_STALL_DAYS = 30
    goal = ObjectiveFactory(unit=org.north, status=ObjectiveStatus.ACTIVE)
    kr = KeyResultFactory(objective=goal, owner=manager)
    engine.run()
    assert not _open(FlagKind.STALLED_KEY_RESULT, key_result=kr), "a new key result is not stalled"
    KeyResult.objects.filter(pk=kr.pk).update(created_at=timezone.now() - timedelta(days=31))
    engine.run()
    flag = Flag.objects.get(kind=FlagKind.STALLED_KEY_RESULT, key_result=kr)
    assert flag.subject == kr
    assert Notification.objects.filter(recipient=manager, flag=flag).exists(), "its owner is told"
    # The live path: a check-in re-checks that key result right after it commits.
    with django_capture_on_commit_callbacks(execute=True):
        key_results.check_in(by=manager, key_result=kr, value=Decimal(3), confidence=Confidence.ON_TRACK)
    flag.refresh_from_db()
    assert flag.resolved_at is not None


def test_key_results_of_objectives_that_are_not_active_never_stall(org):
    goal = ObjectiveFactory(unit=org.north, status=ObjectiveStatus.ACHIEVED)
    kr = KeyResultFactory(objective=goal)
    KeyResult.objects.filter(pk=kr.pk).update(created_at=timezone.now() - timedelta(days=400))
    engine.run()
    assert not Flag.objects.filter(key_result=kr).exists()


def test_archiving_an_objective_resolves_its_stalled_key_results_on_the_live_path(
    org, manager, django_capture_on_commit_callbacks
):
    goal = objective_services.objective_create(
        by=manager,
        title="Sub",
        statement="Why",
        unit=org.north,
        status=ObjectiveStatus.DRAFT,
        parent=ObjectiveFactory(unit=org.company, status=ObjectiveStatus.ACTIVE),
    )
    Objective.objects.filter(pk=goal.pk).update(status=ObjectiveStatus.ACTIVE)
    goal.refresh_from_db()
    kr = KeyResultFactory(objective=goal)
    KeyResult.objects.filter(pk=kr.pk).update(created_at=timezone.now() - timedelta(days=365))
    engine.run()
    assert _open(FlagKind.STALLED_KEY_RESULT, key_result=kr)
    with django_capture_on_commit_callbacks(execute=True):
        objective_services.objective_set_status(objective=goal, by=manager, status=ObjectiveStatus.ARCHIVED)
    assert not Flag.objects.unresolved().filter(key_result=kr).exists()


def test_the_sweep_repairs_progress_left_stale_by_a_bulk_load(org, manager):
    goal = ObjectiveFactory(unit=org.north, status=ObjectiveStatus.ACTIVE)
    KeyResultFactory(objective=goal, progress=0.5, current_value=50)
    assert Objective.objects.get(pk=goal.pk).progress is None
    engine.sweep()
    assert Objective.objects.get(pk=goal.pk).progress == pytest.approx(0.5)


def test_a_stalled_key_result_reads_well_in_the_inbox_and_on_its_flag(client, org, manager, employee):
    goal = ObjectiveFactory(title="Share what we learn", unit=org.north, status=ObjectiveStatus.ACTIVE)
    kr = KeyResultFactory(title="Lessons published", objective=goal, owner=employee)
    KeyResult.objects.filter(pk=kr.pk).update(created_at=timezone.now() - timedelta(days=90))
    engine.run()
    flag = Flag.objects.get(kind=FlagKind.STALLED_KEY_RESULT)
    client.force_login(manager)
    inbox = client.get(reverse("flags_inbox"), {"kind": "stalled_key_result"}).content.decode()
    assert reverse("objectives:key_result_detail", args=[kr.pk]) in inbox
    assert "Share what we learn" in inbox
    page = client.get(reverse("flag_detail", args=[flag.pk])).content.decode()
    assert reverse("objectives:key_result_check_in", args=[kr.pk]) in page
    # The manager of the unit may accept it; the employee who owns it may not.
    assert client.post(reverse("flag_acknowledge", args=[flag.pk]), {"reason": "Measured yearly"}).status_code == 302
    client.force_login(employee)
    assert client.post(reverse("flag_acknowledge", args=[flag.pk]), {"reason": "x"}).status_code == 403

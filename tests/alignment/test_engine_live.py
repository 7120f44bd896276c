"""The live path on real commits, in the embedded default: flags follow each save."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from alignment import engine, live, tasks
from alignment.models import Flag, FlagKind
from objectives import services as objective_services
from objectives.models import ObjectiveStatus
from practices import services
from practices.models import Practice
from tests.alignment.conftest import open_flags
from tests.factories import ObjectiveFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture(autouse=True)
def _no_grace(settings):
    # These tests are about the live path: a new objective is checked at once, not after
    # its grace period (tests/alignment/test_engine_calm.py covers the grace).
    settings.ALIGNMENT_GRACE_DAYS = 0


@pytest.fixture
def goal(org, executive):
    return objective_services.objective_create(
        by=executive,
        title="Capitalise knowledge",
        statement="So we stop relearning.",
        unit=org.company,
        status=ObjectiveStatus.ACTIVE,
    )


@pytest.fixture
def enqueued(monkeypatch):
    scopes = []
    real = live.enqueue

    def spy(scope):
        scopes.append(scope)
        real(scope)

    monkeypatch.setattr(live, "enqueue", spy)
    return scopes


def test_flags_follow_each_save_through_the_services(org, manager, goal):
    practice = services.practice_create(by=manager, name="Lessons page", unit=org.north)
    assert ("orphan_practice", "Lessons page") in open_flags()

    services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="It captures lessons.")
    assert ("orphan_practice", "Lessons page") not in open_flags()
    assert ("unresourced_objective", "Capitalise knowledge") in open_flags()

    wiki = services.means_create(by=manager, name="Wiki", kind="technical", unit=org.north)
    assert ("purposeless_means", "Wiki") in open_flags()
    services.means_link_objective(means=wiki, objective=goal, by=manager, rationale="Where lessons live.")
    services.practice_link_means(practice=practice, means=wiki, by=manager, rationale="Pages are in the wiki.")
    assert open_flags() == set()

    services.practice_unlink_objective(practice=practice, objective=goal, by=manager)
    assert ("orphan_practice", "Lessons page") in open_flags()
    assert Flag.objects.filter(kind=FlagKind.ORPHAN_PRACTICE, practice=practice).count() == 2  # history kept


def test_the_owner_is_notified_when_the_live_path_raises(org, manager):
    practice = services.practice_create(by=manager, name="Lone practice", unit=org.north)
    flag = Flag.objects.get(practice=practice, kind=FlagKind.ORPHAN_PRACTICE)
    assert list(flag.notifications.values_list("recipient__username", flat=True)) == ["manager"]


def test_one_recheck_per_transaction_with_every_touched_id(org, manager, goal, enqueued):
    with transaction.atomic():
        first = services.practice_create(by=manager, name="First", unit=org.north)
        second = services.practice_create(by=manager, name="Second", unit=org.north)
        services.practice_link_objective(practice=second, objective=goal, by=manager, rationale="Because.")
        assert enqueued == []  # nothing before the commit
    assert len(enqueued) == 1
    assert enqueued[0].practice_ids == {first.pk, second.pk}
    assert goal.pk in enqueued[0].objective_ids
    assert ("orphan_practice", "First") in open_flags()
    assert ("orphan_practice", "Second") not in open_flags()


class Abort(Exception):
    pass


def create_then_abort(**kwargs):
    """A practice created inside a block that then fails: its transaction or savepoint rolls back."""
    with transaction.atomic():
        services.practice_create(**kwargs)
        raise Abort


def test_a_rolled_back_transaction_enqueues_nothing(org, manager, enqueued):
    with pytest.raises(Abort):
        create_then_abort(by=manager, name="Never", unit=org.north)
    assert enqueued == []
    services.practice_create(by=manager, name="Later", unit=org.north)
    assert len(enqueued) == 1
    assert open_flags() == {("orphan_practice", "Later")}


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(org, manager, enqueued):
    with transaction.atomic():
        kept = services.practice_create(by=manager, name="Kept", unit=org.north)
        with pytest.raises(Abort):
            create_then_abort(by=manager, name="Dropped", unit=org.north)
        after = services.practice_create(by=manager, name="After", unit=org.north)
    assert len(enqueued) == 1
    assert {kept.pk, after.pk} <= enqueued[0].practice_ids
    assert open_flags() == {("orphan_practice", "Kept"), ("orphan_practice", "After")}


def test_a_savepoint_rolled_back_first_does_not_lose_what_follows(org, manager, enqueued):
    with transaction.atomic():
        with pytest.raises(Abort):
            create_then_abort(by=manager, name="Dropped", unit=org.north)
        services.practice_create(by=manager, name="Kept", unit=org.north)
    assert len(enqueued) == 1
    assert open_flags() == {("orphan_practice", "Kept")}


def test_edits_that_cannot_change_a_flag_enqueue_nothing(org, manager, goal, enqueued):
    practice = services.practice_create(by=manager, name="Practice", unit=org.north)
    enqueued.clear()
    services.practice_update(practice=practice, by=manager, description="Now with a description.")
    practice.refresh_from_db()
    practice.name = "Renamed in the admin"
    practice.save()  # a full save, as the admin does: the status did not change
    assert enqueued == []

    services.practice_retire(practice=practice, by=manager)
    assert len(enqueued) == 1
    assert ("orphan_practice", "Renamed in the admin") not in open_flags()


def test_a_full_save_that_changes_the_parent_rechecks_both_chains(org, manager, goal, enqueued):
    other = ObjectiveFactory(title="Other root", unit=org.company)
    child = ObjectiveFactory(title="Child", unit=org.north, parent=goal)
    enqueued.clear()
    child.parent = other
    child.save()
    assert len(enqueued) == 1
    assert enqueued[0].moved_objective_ids == {child.pk}
    assert enqueued[0].objective_ids == {goal.pk}


def test_a_broker_failure_is_logged_and_the_save_stands(org, manager, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recheck_task, "delay", refuse)
    with caplog.at_level(logging.ERROR, logger="alignment.live"):
        practice = services.practice_create(by=manager, name="Saved anyway", unit=org.north)
    practice.refresh_from_db()
    assert practice.pk
    assert "not enqueued" in caplog.text
    assert not Flag.objects.exists()
    # The sweep catches up with what the re-check would have flagged.
    engine.run()
    assert open_flags() == {("orphan_practice", "Saved anyway")}


def test_a_failing_recheck_never_fails_the_save(org, manager, monkeypatch, caplog):
    def broken(scope, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(engine, "recheck", broken)
    with caplog.at_level(logging.ERROR):
        practice = services.practice_create(by=manager, name="Saved anyway", unit=org.north)
    assert Practice.objects.filter(pk=practice.pk, name="Saved anyway").exists()
    assert "engine bug" in caplog.text  # logged, not swallowed


def test_the_embedded_default_runs_tasks_in_process(settings):
    # No broker configured is what makes the embedded default run tasks after commit;
    # Celery then gets kombu's in-process transport, so it never looks for an AMQP server.
    assert settings.RAISON_EMBEDDED_TASKS == settings.CELERY_TASK_ALWAYS_EAGER
    if settings.RAISON_EMBEDDED_TASKS:
        assert settings.CELERY_BROKER_URL == "memory://localhost//"


# --- Links edited in place (issue 9, item 5) ----------------------------------------------


def test_a_practice_link_moved_to_another_practice_rechecks_the_one_it_left(org, manager, goal, enqueued):
    first = services.practice_create(by=manager, name="P1", unit=org.north)
    second = services.practice_create(by=manager, name="P2", unit=org.north)
    link = services.practice_link_objective(practice=first, objective=goal, by=manager, rationale="Because.")
    assert open_flags() == {("orphan_practice", "P2"), ("unresourced_objective", "Capitalise knowledge")}
    enqueued.clear()

    link.practice = second  # what the admin's change form does
    link.save()

    assert len(enqueued) == 1
    assert enqueued[0].practice_ids == {first.pk, second.pk}
    assert open_flags() == {("orphan_practice", "P1"), ("unresourced_objective", "Capitalise knowledge")}


def test_a_link_moved_to_another_objective_rechecks_the_objective_it_left(org, manager, executive, goal, enqueued):
    elsewhere = objective_services.objective_create(
        by=executive, title="Elsewhere", statement="Another root.", unit=org.company, status=ObjectiveStatus.ACTIVE
    )
    wiki = services.means_create(by=manager, name="Wiki", kind="technical", unit=org.north)
    served = services.means_link_objective(means=wiki, objective=goal, by=manager, rationale="Lessons live there.")
    practice = services.practice_create(by=manager, name="Lessons page", unit=org.north)
    services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="Lessons.")
    assert open_flags() == {("unresourced_objective", "Elsewhere"), ("unpractised_objective", "Elsewhere")}
    enqueued.clear()

    served.objective = elsewhere
    served.save()

    assert len(enqueued) == 1
    assert enqueued[0].objective_ids == {goal.pk, elsewhere.pk}
    assert open_flags() == {("unresourced_objective", "Capitalise knowledge"), ("unpractised_objective", "Elsewhere")}


def test_a_means_link_moved_to_another_practice_rechecks_the_one_it_left(org, manager, goal, enqueued):
    wiki = services.means_create(by=manager, name="Wiki", kind="technical", unit=org.north)
    stray = services.means_create(by=manager, name="Stray tool", kind="technical", unit=org.north)
    services.means_link_objective(means=wiki, objective=goal, by=manager, rationale="Lessons live there.")
    first = services.practice_create(by=manager, name="P1", unit=org.north)
    second = services.practice_create(by=manager, name="P2", unit=org.north)
    for practice in (first, second):
        services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="Lessons.")
    relies = services.practice_link_means(practice=first, means=stray, by=manager, rationale="Uses it.")
    assert ("mismatched_means", "P1") in open_flags()
    enqueued.clear()

    relies.practice = second
    relies.save()

    assert enqueued[0].practice_ids == {first.pk, second.pk}
    assert ("mismatched_means", "P1") not in open_flags()
    assert ("mismatched_means", "P2") in open_flags()

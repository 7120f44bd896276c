"""The engine's Celery tasks: thin, idempotent, retried on transient trouble."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from alignment import engine, tasks
from alignment.models import Flag, FlagKind
from practices.models import PracticeObjective
from tests.alignment.conftest import flag_state, open_flags

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def test_tasks_are_registered_under_the_names_beat_and_the_live_path_use():
    assert tasks.sweep_task.name == settings.CELERY_BEAT_SCHEDULE["alignment-sweep"]["task"]
    assert tasks.recheck_task.name == "alignment.tasks.recheck_task"


def test_sweep_task_flags_and_running_it_twice_changes_nothing(graph):
    PracticeObjective.objects.filter(practice=graph.first).delete()
    assert tasks.sweep_task.apply().get() == {"raised": 1, "resolved": 0}
    state = flag_state()
    assert tasks.sweep_task.apply().get() == {"raised": 0, "resolved": 0}
    assert flag_state() == state


def test_recheck_task_takes_plain_ids_and_is_idempotent(graph):
    PracticeObjective.objects.filter(practice=graph.first).delete()
    kwargs = {"practice_ids": [graph.first.pk], "objective_ids": [graph.leaf.pk]}
    assert tasks.recheck_task.apply(kwargs=kwargs).get() == {"raised": 1, "resolved": 0}
    assert tasks.recheck_task.apply(kwargs=kwargs).get() == {"raised": 0, "resolved": 0}
    assert open_flags() == {("orphan_practice", str(graph.first))}


def test_recheck_task_only_looks_at_its_scope(graph):
    PracticeObjective.objects.filter(practice=graph.first).delete()
    stale = Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=graph.tool, raised_at=timezone.now())
    # A scope that reaches neither the unlinked practice nor the wiki leaves both alone…
    assert tasks.recheck_task.apply(kwargs={"practice_ids": [graph.third.pk]}).get() == {"raised": 0, "resolved": 0}
    assert open_flags() == {("purposeless_means", "Wiki")}
    # …though there was work for a scope that reaches them.
    kwargs = {"practice_ids": [graph.first.pk], "means_ids": [graph.tool.pk]}
    assert tasks.recheck_task.apply(kwargs=kwargs).get() == {"raised": 1, "resolved": 1}
    assert open_flags() == {("orphan_practice", str(graph.first))}
    stale.refresh_from_db()
    assert stale.resolved_at is not None


def test_tasks_retry_transient_database_errors(graph, monkeypatch):
    calls = []
    real = engine.sweep

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    PracticeObjective.objects.filter(practice=graph.first).delete()
    monkeypatch.setattr(engine, "sweep", flaky)
    result = tasks.sweep_task.apply()
    assert len(calls) == 2
    # The retry did the work the first attempt could not.
    assert result.get() == {"raised": 1, "resolved": 0}
    assert open_flags() == {("orphan_practice", str(graph.first))}


def test_a_task_and_its_longest_retry_delay_fit_inside_the_visibility_timeout():
    for task in (tasks.sweep_task, tasks.recheck_task):
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.retry_jitter
        assert task.retry_backoff_max + settings.CELERY_TASK_TIME_LIMIT < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT <= settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.postgres
def test_a_second_sweep_skips_while_the_first_holds_the_lock(graph):
    import psycopg

    PracticeObjective.objects.filter(practice=graph.first).delete()
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [engine.SWEEP_LOCK])
        assert engine.sweep(wait=0.3) is None
        other.execute("SELECT pg_advisory_unlock(%s)", [engine.SWEEP_LOCK])
    assert not Flag.objects.exists()
    results = engine.sweep()
    assert sum(r.raised for r in results) == 1
    assert Flag.objects.get().kind == FlagKind.ORPHAN_PRACTICE

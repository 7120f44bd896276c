"""Two re-checks of the same rule racing on PostgreSQL end on the flags a full sweep gives.

Each rule is one statement whose snapshot is taken when it starts. The race (issue 9,
item 6): re-check A starts before a change commits and is held up (here by a third
session's uncommitted flag insert, as another run mid-way would); the change commits;
re-check B, enqueued by that change, runs to the end and finds nothing to do; then A
commits what its old snapshot saw. Without the per-rule lock the stale flag stays until
the next sweep; with it, B waits for A and reconciles after it.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from alignment import engine, live
from alignment.models import Flag, FlagKind
from practices.models import PracticeObjective
from tests.alignment.conftest import open_flags
from tests.factories import ObjectiveFactory, PracticeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


class Recheck(threading.Thread):
    """A re-check in a thread of its own, hence on a database connection of its own."""

    def __init__(self, scope: engine.Scope):
        super().__init__(daemon=True)
        self.scope = scope
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            engine.recheck(self.scope)
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            connections.close_all()


@pytest.fixture
def observer():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn


@pytest.fixture
def blocker():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as conn:
        yield conn


def waiting(observer, locktype: str) -> int:
    return observer.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = %s", [locktype]).fetchone()[
        0
    ]


def test_racing_rechecks_leave_the_flags_a_full_sweep_gives(org, monkeypatch, observer, blocker):
    # Only the re-checks this test starts run: no live path racing along.
    monkeypatch.setattr(live, "enqueue", lambda scope: None)
    goal = ObjectiveFactory(title="Capitalise knowledge", unit=org.company)
    practice = PracticeFactory(name="Lessons page", unit=org.north)
    scope = engine.Scope.of(practice_ids=[practice.pk])
    assert not Flag.objects.exists()

    # Another run mid-way: it has inserted the same orphan flag and not committed yet.
    blocker.execute(
        "INSERT INTO alignment_flag (kind, practice_id, raised_at, acknowledgement_reason) VALUES (%s, %s, %s, '')",
        [FlagKind.ORPHAN_PRACTICE.value, practice.pk, timezone.now()],
    )
    first = Recheck(scope)
    first.start()
    # A's statement has its snapshot (the practice is an orphan) and waits on that row.
    wait_for(lambda: waiting(observer, "transactionid"), 20, "the first re-check to wait on the uncommitted flag")

    # The change commits, and the re-check it enqueues runs.
    PracticeObjective.objects.create(practice=practice, objective=goal, rationale="It captures lessons.")
    second = Recheck(scope)
    second.start()
    # Without the lock it finishes at once (nothing to do in its snapshot); with it, it
    # waits for the first one's rule lock.
    wait_for(
        lambda: not second.is_alive() or waiting(observer, "advisory"),
        20,
        "the second re-check to finish or wait for the first",
    )
    blocker.rollback()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive()
    assert first.error is None and second.error is None

    # The goal has no means: that flag is right. The orphan flag would be stale.
    assert open_flags() == {("unresourced_objective", "Capitalise knowledge")}, "a stale flag outlived both re-checks"
    drift = [(r.kind.value, r.raised, r.resolved) for r in engine.run() if r.raised or r.resolved]
    assert drift == [], "a full sweep disagrees with what the re-checks left"


def test_each_rule_takes_its_lock_and_lets_go_when_it_commits(org, observer):
    taken = []

    def look(result):
        # Between two rules: the finished one's lock went with its transaction.
        taken.append(waiting(observer, "advisory"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            taken.append(cursor.fetchone()[0])

    engine.run(engine.Scope.of(practice_ids=[1]), on_done=look)
    assert taken == [0] * 2 * len(engine.RULES)

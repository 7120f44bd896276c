"""Two people re-parenting at the same moment cannot close a loop (PostgreSQL).

Under READ COMMITTED, "A under B" and "B under A" can each pass a cycle check
that cannot see the other's uncommitted write. The service serialises hierarchy
writes with an advisory lock and the trigger of migration 0002 takes the same
lock, so the second writer waits, then sees the first one's parent and is refused.
Each thread has its own database connection; the data is committed first, hence
``transaction=True``. SQLite needs none of this: its IMMEDIATE transactions
already serialise writers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from objectives import services
from objectives.models import Objective
from objectives.services import HIERARCHY_LOCK, objective_reparent
from tests.factories import ObjectiveFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the concurrent cycle guard is PostgreSQL's (set DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 15


class Outcome:
    def __init__(self):
        self.succeeded: list[str] = []
        self.errors: dict[str, BaseException] = {}
        self._lock = threading.Lock()

    def record(self, name: str, error: BaseException | None) -> None:
        with self._lock:
            if error is None:
                self.succeeded.append(name)
            else:
                self.errors[name] = error


def run_in_threads(work: dict[str, Callable[[], None]], outcome: Outcome) -> list[threading.Thread]:
    def runner(name: str, job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # reported to the test thread, not swallowed
            outcome.record(name, error)
        else:
            outcome.record(name, None)
        finally:
            # Each thread opened its own connection; leave none behind for the flush.
            connection.close()

    threads = [threading.Thread(target=runner, args=item, daemon=True) for item in work.items()]
    for thread in threads:
        thread.start()
    return threads


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a re-parent never finished: deadlock?"


def someone_waits_for_an_advisory_lock(timeout: float = TIMEOUT) -> bool:
    """Poll from the test's own (autocommit) connection: pg_locks is never snapshotted."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                " WHERE l.locktype = 'advisory' AND l.objid = %s AND NOT l.granted"
                " AND d.datname = current_database()",
                [HIERARCHY_LOCK],
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def assert_no_loop(a: Objective, b: Objective) -> None:
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.parent_id == b.pk) != (b.parent_id == a.pk), "exactly one of the two moves must have landed"
    for start in (a, b):
        seen, node = set(), start
        while node.parent_id is not None:
            assert node.pk not in seen, f"loop through objective {node.pk}"
            seen.add(node.pk)
            node = Objective.objects.get(pk=node.parent_id)
        assert node.is_strategic


@pytest.fixture
def pair(org):
    root = ObjectiveFactory(title="Reuse best practices", unit=org.company)
    a = ObjectiveFactory(title="A", unit=org.north, parent=root)
    b = ObjectiveFactory(title="B", unit=org.north, parent=root)
    return a, b


def test_concurrent_opposite_moves_through_the_service_leave_no_loop(executive, pair, monkeypatch):
    a, b = pair
    start = threading.Barrier(2, timeout=TIMEOUT)
    checked, go = threading.Event(), threading.Event()
    first_past_the_check = threading.Lock()
    original_check = services._check_parent

    def check_then_hold(*, objective, parent):
        original_check(objective=objective, parent=parent)
        # Whoever passes the check first keeps its transaction open until the other
        # writer is seen queuing on the lock, so the two truly overlap.
        if first_past_the_check.acquire(blocking=False):
            checked.set()
            go.wait(TIMEOUT)

    monkeypatch.setattr(services, "_check_parent", check_then_hold)

    def move(objective_pk: int, parent_pk: int) -> Callable[[], None]:
        def job() -> None:
            by = get_user_model().objects.get(pk=executive.pk)
            objective = Objective.objects.get(pk=objective_pk)
            parent = Objective.objects.get(pk=parent_pk)
            start.wait()
            objective_reparent(objective=objective, by=by, parent=parent)

        return job

    outcome = Outcome()
    threads = run_in_threads({"A under B": move(a.pk, b.pk), "B under A": move(b.pk, a.pk)}, outcome)
    assert checked.wait(TIMEOUT), "neither re-parent got past its cycle check"
    waited = someone_waits_for_an_advisory_lock()
    go.set()
    join(threads)

    assert waited, "the second re-parent never queued on the hierarchy lock"
    assert len(outcome.succeeded) == 1, outcome.errors
    [(loser, error)] = outcome.errors.items()
    assert isinstance(error, ValidationError), f"{loser}: {error!r}"
    assert "loop" in " ".join(error.message_dict["parent"])
    assert_no_loop(a, b)


def test_concurrent_opposite_updates_in_raw_sql_are_refused_by_the_trigger_alone(pair):
    a, b = pair
    start = threading.Barrier(2, timeout=TIMEOUT)
    updated, go = threading.Event(), threading.Event()

    def move(objective_pk: int, parent_pk: int) -> Callable[[], None]:
        def job() -> None:
            start.wait()
            with transaction.atomic(), connection.cursor() as cursor:
                # No service, no advisory lock of our own: only the trigger stands guard.
                cursor.execute(
                    "UPDATE objectives_objective SET parent_id = %s WHERE id = %s", [parent_pk, objective_pk]
                )
                updated.set()
                go.wait(TIMEOUT)

        return job

    outcome = Outcome()
    threads = run_in_threads({"A under B": move(a.pk, b.pk), "B under A": move(b.pk, a.pk)}, outcome)
    assert updated.wait(TIMEOUT), "neither UPDATE went through"
    waited = someone_waits_for_an_advisory_lock()
    go.set()
    join(threads)

    assert waited, "the second UPDATE never queued on the trigger's lock"
    assert len(outcome.succeeded) == 1, outcome.errors
    [(loser, error)] = outcome.errors.items()
    assert isinstance(error, IntegrityError), f"{loser}: {error!r}"
    assert "own descendant" in str(error)
    assert_no_loop(a, b)


def test_trigger_refuses_a_loop_written_in_raw_sql(pair):
    a, b = pair
    with connection.cursor() as cursor:
        cursor.execute("UPDATE objectives_objective SET parent_id = %s WHERE id = %s", [b.pk, a.pk])
        with pytest.raises(IntegrityError, match="own descendant"), transaction.atomic():
            cursor.execute("UPDATE objectives_objective SET parent_id = %s WHERE id = %s", [a.pk, b.pk])
    assert_no_loop(a, b)

"""With a real Celery worker process on Redis and PostgreSQL: the live path end to end,
and sweeps that survive their worker being killed.

A worker in another process only sees committed data in a database it can reach,
hence ``transaction=True`` and PostgreSQL (the SQLite test database lives in memory).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from alignment import engine, live
from alignment.models import Flag, FlagKind
from alignment.tasks import sweep_task
from practices import services
from raison.celery import app as celery_app
from tests.alignment.conftest import break_everything, open_flags

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPO = Path(settings.BASE_DIR)


def wait_for(predicate: Callable[[], object], timeout: float, what, interval: float = 0.05):
    """Poll until ``predicate`` is true; ``what`` (or what it returns, if callable) explains a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what() if callable(what) else what}")


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """``celery -A raison worker`` in its own process group, on the test database."""

    def __init__(self, log_dir: Path, *, pool: str = "prefork", env: dict[str, str] | None = None):
        self.name = f"raison-test-{uuid.uuid4().hex[:8]}@%h"
        self.log_path = log_dir / f"{self.name.split('@')[0]}.log"
        self.pool = pool
        self.env = {**os.environ, "DATABASE_URL": database_url(), **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "--app",
                    "raison",
                    "worker",
                    "--pool",
                    self.pool,
                    "--concurrency",
                    "1",
                    "--hostname",
                    self.name,
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        hostname = self.name.replace("%h", os.uname().nodename)
        wait_for(
            lambda: self.process.poll() is None and celery_app.control.ping(destination=[hostname], timeout=0.5),
            30,
            lambda: f"the worker to answer a ping (log: {self.log()[-2000:]})",
        )
        return self

    def active_task_pid(self) -> int | None:
        hostname = self.name.replace("%h", os.uname().nodename)
        replies = celery_app.control.inspect(destination=[hostname], timeout=1).active() or {}
        for tasks in replies.values():
            for task in tasks:
                return task["worker_pid"]
        return None

    def kill(self) -> None:
        """SIGKILL to the whole process group: the worker and its pool, as a crashing host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def workers(tmp_path):
    assert celery_app.conf.task_always_eager is False, "broker tests need CELERY_BROKER_URL (no in-process tasks)"
    # Tasks an earlier, interrupted run left queued would land on this worker.
    celery_app.control.purge()
    started: list[Worker] = []

    def start(**kwargs) -> Worker:
        worker = Worker(tmp_path, **kwargs).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def quiet_live(monkeypatch):
    """Set-up without the live path, so the only task in flight is the one under test."""
    monkeypatch.setattr(live, "enqueue", lambda scope: None)
    yield
    monkeypatch.undo()


@pytest.fixture
def blocker():
    """A second session able to hold a table lock, to stop a sweep mid-way on purpose."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as conn:
        yield conn


def duplicates() -> list[dict]:
    return list(Flag.objects.values("kind", "practice", "means", "objective").annotate(n=Count("pk")).filter(n__gt=1))


def assert_converged(expected: set[tuple[str, str]]) -> None:
    assert open_flags() == expected
    assert duplicates() == []
    drift = [(r.kind.value, r.raised, r.resolved) for r in engine.run() if r.raised or r.resolved]
    assert drift == [], "a full run in the test process still found work"


@pytest.fixture
def enqueued(monkeypatch):
    """The scopes the live path hands to the broker, still handed over for real."""
    scopes = []
    real = live.enqueue

    def spy(scope):
        scopes.append(scope)
        real(scope)

    monkeypatch.setattr(live, "enqueue", spy)
    return scopes


def test_unlinking_a_practice_is_flagged_by_the_worker_after_commit(graph, manager, workers, enqueued):
    worker = workers()
    assert open_flags() == set()
    with transaction.atomic():
        services.practice_unlink_objective(practice=graph.first, objective=graph.leaf, by=manager)
        # Before the commit no task is sent (the re-check waits on the commit), so the
        # worker has nothing to run, and nothing is flagged.
        assert enqueued == []
        assert connection.run_on_commit, "the re-check is not waiting for the commit"
        assert worker.active_task_pid() is None
        assert not Flag.objects.exists()
    assert len(enqueued) == 1
    assert graph.first.pk in enqueued[0].practice_ids
    started = time.monotonic()
    wait_for(
        lambda: Flag.objects.filter(kind=FlagKind.ORPHAN_PRACTICE, practice=graph.first, resolved_at=None).exists(),
        15,
        "the orphan flag from the worker",
    )
    assert time.monotonic() - started < 5
    assert open_flags() == {("orphan_practice", str(graph.first))}

    services.practice_link_objective(practice=graph.first, objective=graph.leaf, by=manager, rationale="Back.")
    wait_for(lambda: open_flags() == set(), 15, "the worker to resolve the flag")


def _stop_sweep_at_the_third_rule(blocker) -> None:
    # Rules 1-2 read practices and their objective links; the third, mismatched means,
    # is the first to read practice → means links: locking that table stops it there.
    blocker.execute("LOCK TABLE practices_practicemeans IN ACCESS EXCLUSIVE MODE")


def _sweep_is_waiting(blocker) -> bool:
    # pg_locks, not pg_stat_activity: the latter is a snapshot taken once per transaction.
    return bool(
        blocker.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'practices_practicemeans'::regclass"
        ).fetchone()[0]
    )


def test_sweep_redelivered_after_its_pool_process_is_killed(graph, workers, quiet_live, blocker):
    expected = break_everything(graph)
    stale = Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=graph.tool, raised_at=timezone.now())
    worker = workers(pool="prefork")
    _stop_sweep_at_the_third_rule(blocker)
    sweep_task.delay()
    wait_for(lambda: _sweep_is_waiting(blocker), 20, "the sweep to reach the third rule")
    assert {kind for kind, _ in open_flags()} == {"orphan_practice", "unrooted_practice", "purposeless_means"}

    pid = worker.active_task_pid()
    assert pid and pid != worker.process.pid
    os.kill(pid, signal.SIGKILL)
    blocker.commit()  # the lock goes; whatever the killed process's session still does, it does alone

    wait_for(lambda: open_flags() == expected, 60, lambda: f"the redelivered sweep (log: {worker.log()[-2000:]})")
    wait_for(lambda: worker.active_task_pid() is None, 30, "the redelivered sweep to finish")
    assert "WorkerLostError" in worker.log() or "signal 9" in worker.log()
    stale.refresh_from_db()
    assert stale.resolved_at is not None
    assert_converged(expected)


#: A visibility timeout short enough for a test; production's default is 300 s.
SHORT_VISIBILITY = 20
SHORT = {"CELERY_VISIBILITY_TIMEOUT": str(SHORT_VISIBILITY), "CELERY_TASK_TIME_LIMIT": "10"}


@pytest.mark.skipif(
    os.environ.get("RAISON_SKIP_SLOW_BROKER_TESTS") == "1", reason="waits a whole visibility timeout (20 s)"
)
def test_sweep_redelivered_one_visibility_timeout_after_the_whole_worker_is_killed(graph, workers, quiet_live, blocker):
    """Nothing is left to reject the task: Redis hands it out again after the visibility
    timeout, as soon as a running worker next looks (every tenth of the timeout)."""
    expected = break_everything(graph)
    worker = workers(pool="solo", env=SHORT)
    _stop_sweep_at_the_third_rule(blocker)
    sweep_task.delay()
    wait_for(lambda: _sweep_is_waiting(blocker), 20, "the sweep to reach the third rule")
    delivered = time.monotonic()
    worker.kill()
    blocker.commit()
    # The killed session notices its client is gone (client_connection_check_interval)
    # and lets go of the sweep lock. A successor is up at once: it must still not get
    # the task before the timeout, and must get it soon after.
    successor = workers(pool="solo", env=SHORT)
    wait_for(
        lambda: open_flags() == expected,
        SHORT_VISIBILITY + 30,
        lambda: f"the redelivered sweep (log: {successor.log()[-2000:]})",
    )
    recovered = time.monotonic() - delivered
    print(f"killed worker's sweep redelivered and finished {recovered:.1f} s after delivery")
    wait_for(lambda: successor.active_task_pid() is None, 30, "the redelivered sweep to finish")
    assert "alignment.tasks.sweep_task" in successor.log()
    # A running worker scans every tenth of the timeout (2 s here), plus the sweep's own
    # wait of up to 10 s for the killed session's lock to go.
    assert SHORT_VISIBILITY - 1 <= recovered <= SHORT_VISIBILITY + 2 + engine.SWEEP_LOCK_WAIT_SECONDS + 5, recovered
    assert_converged(expected)

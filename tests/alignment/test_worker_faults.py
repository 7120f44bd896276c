"""Broker trouble never breaks a save: Redis stopped, or a socket that never answers.

Each case saves through a service in a fresh process configured like production
(``CELERY_BROKER_URL`` set, so no in-process tasks), against its own SQLite file: what
is under test is the enqueue after commit, not the database.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)

SAVE = r"""
import json, logging, time
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from org.models import Membership, Role, Unit
from practices import services
from practices.models import Practice

problems = []
class Grab(logging.Handler):
    def emit(self, record):
        problems.append(record.getMessage())
logging.getLogger("alignment.live").addHandler(Grab(level=logging.ERROR))

unit = Unit.objects.create(name="North", code="north")
manager = get_user_model().objects.create(username="manager")
Membership.objects.create(user=manager, unit=unit, role=Role.MANAGER)
started = time.monotonic()
practice = services.practice_create(by=manager, name="Saved while the broker is away", unit=unit)
elapsed = time.monotonic() - started
print(json.dumps({
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "elapsed": elapsed,
    "saved": Practice.objects.filter(pk=practice.pk).exists(),
    "problems": problems,
}))
"""


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "template.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True, timeout=120
    )
    return path


def save_with_broker(broker_url: str, template: Path, tmp_path: Path) -> dict:
    database = tmp_path / "db.sqlite3"
    shutil.copy(template, database)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CELERY_BROKER_URL": broker_url}
    done = subprocess.run([sys.executable, "-c", SAVE], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """Accepts connections, reads nothing, answers nothing: a wedged Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def test_save_succeeds_with_redis_stopped(migrated_sqlite, tmp_path):
    outcome = save_with_broker(f"redis://127.0.0.1:{free_port()}/0", migrated_sqlite, tmp_path)
    assert outcome["eager"] is False
    assert outcome["saved"]
    assert outcome["elapsed"] < 5
    assert any("not enqueued" in p for p in outcome["problems"])


def test_save_succeeds_within_five_seconds_when_redis_never_answers(migrated_sqlite, tmp_path, silent_server):
    port, accepted = silent_server
    outcome = save_with_broker(f"redis://127.0.0.1:{port}/0", migrated_sqlite, tmp_path)
    assert accepted, "the save never even reached the silent broker"
    assert outcome["saved"]
    assert outcome["elapsed"] < 5, f"the save took {outcome['elapsed']:.1f} s"
    assert any("not enqueued" in p for p in outcome["problems"])

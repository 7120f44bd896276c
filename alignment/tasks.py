"""Celery tasks of the alignment engine: thin, idempotent, and owning their retries.

``acks_late`` and ``reject_on_worker_lost`` are global settings: a task whose worker dies
is delivered again, which is safe because the engine converges on the same flags
however often it runs. Retry delays plus the time limit stay below the broker's
visibility timeout (settings validate it), or Redis would hand the task out again while
it waits.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from alignment import engine, questions

#: Transient trouble worth another try: the database restarting or failing over, a
#: dropped connection, a lock timeout, the broker blinking.
RETRY_ON = (DatabaseOperationalError, InterfaceError, BrokerOperationalError)
RETRY_OPTIONS = {
    "autoretry_for": RETRY_ON,
    "retry_backoff": 2,
    "retry_backoff_max": settings.RAISON_TASK_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RETRY_OPTIONS)
def recheck_task(
    practice_ids=(), means_ids=(), objective_ids=(), moved_objective_ids=(), unit_ids=(), key_result_ids=()
) -> dict[str, int]:
    """Re-check what a committed change can affect (see :class:`alignment.engine.Scope`),
    and recompute the dashboard figures it reaches."""
    scope = engine.Scope.of(practice_ids, means_ids, objective_ids, moved_objective_ids, unit_ids, key_result_ids)
    results = engine.recheck(scope)
    return {"raised": sum(r.raised for r in results), "resolved": sum(r.resolved for r in results)}


@shared_task(**RETRY_OPTIONS)
def sweep_task() -> dict[str, int] | None:
    """The periodic full check; a second one while the first runs skips (PostgreSQL lock)."""
    results = engine.sweep(wait=engine.SWEEP_LOCK_WAIT_SECONDS)
    if results is None:
        return None
    return {"raised": sum(r.raised for r in results), "resolved": sum(r.resolved for r in results)}


@shared_task(**RETRY_OPTIONS)
def escalate_questions_task() -> int:
    """Questions unanswered in their unit for too long go to the unit above (idempotent)."""
    return questions.escalate_due() + questions.escalate_flags()

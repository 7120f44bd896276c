"""Change → re-check: every committed change to the graph schedules one scoped re-check.

Signals (not the services) are the hook, so edits in the Django admin are covered as
well as the app's own services. Within a transaction the touched ids are collected, and
one re-check is enqueued when it commits (nothing if it rolls back). The enqueue can
never fail a save: the on-commit callback is registered ``robust`` and catches and logs
broker errors itself, and the periodic sweep catches up with anything missed.

Bulk operations (``bulk_create``, ``queryset.update()``, raw SQL) send no signals; the
sweep covers them.
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from alignment.engine import Scope
from objectives.models import CheckIn, KeyResult, Objective
from practices.models import Means, MeansObjective, Practice, PracticeMeans, PracticeObjective

logger = logging.getLogger(__name__)

#: A transaction touching more than this many records (an import, a reorganisation) is
#: re-checked with one full sweep rather than a scope as large as the organisation.
SCOPED_LIMIT = 2000

#: The fields whose change can change a flag or a dashboard figure (the unit: which
#: unit's figures count the record and its flags); other edits (a title, a description) skip.
WATCHED = {
    Objective: ("status", "parent_id", "unit_id"),
    Practice: ("status", "unit_id"),
    Means: ("status", "unit_id"),
}
_BEFORE = "_raison_alignment_before"
_MISSING = object()


class _Batch:
    """The ids one transaction touched; sent once, by the first of its callbacks to run."""

    def __init__(self):
        self.practice_ids: set[int] = set()
        self.means_ids: set[int] = set()
        self.objective_ids: set[int] = set()
        self.moved_objective_ids: set[int] = set()
        self.unit_ids: set[int] = set()
        self.key_result_ids: set[int] = set()
        self.sent = False

    def scope(self) -> Scope:
        return Scope.of(
            self.practice_ids,
            self.means_ids,
            self.objective_ids,
            self.moved_objective_ids,
            self.unit_ids,
            self.key_result_ids,
        )

    def __call__(self) -> None:
        if self.sent:
            return
        self.sent = True
        enqueue(self.scope())


def enqueue(scope: Scope) -> None:
    """Hand a re-check to the workers (or run it in-process in the embedded default)."""
    if not len(scope):
        return
    # Imported here: tasks sit above this module's callers in the layers, and loading
    # Celery's task registry from a model signal at import time would be a cycle.
    from alignment.tasks import recheck_task, sweep_task

    try:
        if len(scope) > SCOPED_LIMIT:
            sweep_task.delay()
        else:
            recheck_task.delay(**scope.as_task_kwargs())
    except Exception:
        # Broker down or hanging (socket timeouts keep this to a couple of seconds):
        # the change itself is committed; the next sweep will flag whatever it left.
        logger.exception("alignment re-check not enqueued (%d ids); the next sweep will catch up", len(scope))


_local = threading.local()


def _current_batch(using: str | None) -> _Batch | None:
    """The unsent batch of this connection's open transaction, if any."""
    batch = getattr(_local, "batch", None)
    if batch is None or batch.sent:
        return None
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return None
    # A rolled-back transaction (or savepoint) drops its on-commit callbacks; a batch with
    # none left queued belongs to work that never happened.
    if any(entry[1] is batch for entry in connection.run_on_commit):
        return batch
    return None


def touch(
    *,
    using=None,
    practice_ids=(),
    means_ids=(),
    objective_ids=(),
    moved_objective_ids=(),
    unit_ids=(),
    key_result_ids=(),
) -> None:
    """Record that a change touched these ids; one re-check runs when the transaction commits."""
    batch = _current_batch(using)
    if batch is None:
        batch = _local.batch = _Batch()
    batch.practice_ids.update(i for i in practice_ids if i is not None)
    batch.means_ids.update(i for i in means_ids if i is not None)
    batch.objective_ids.update(i for i in objective_ids if i is not None)
    batch.moved_objective_ids.update(i for i in moved_objective_ids if i is not None)
    batch.unit_ids.update(i for i in unit_ids if i is not None)
    batch.key_result_ids.update(i for i in key_result_ids if i is not None)
    # One callback per change, all for the same batch: whichever runs first sends it, so
    # a savepoint rolled back with some of them still leaves the others to fire. Outside
    # a transaction on_commit runs at once, which is why the ids go in first.
    transaction.on_commit(batch, using=using, robust=True)


# --- Records ---------------------------------------------------------------------------


def _watched_update(sender, update_fields) -> bool:
    if update_fields is None:
        return True
    names = set(update_fields)
    return any(attname in names or attname.removesuffix("_id") in names for attname in WATCHED[sender])


def remember_before(sender, instance, raw=False, using=None, update_fields=None, **kwargs) -> None:
    """Read the stored status (and parent) so the save can tell whether they change."""
    if instance._state.adding or instance.pk is None or not _watched_update(sender, update_fields):
        return
    row = sender._default_manager.using(using).filter(pk=instance.pk).values_list(*WATCHED[sender]).first()
    instance.__dict__[_BEFORE] = row


def record_saved(sender, instance, created=False, using=None, update_fields=None, **kwargs) -> None:
    before = instance.__dict__.pop(_BEFORE, _MISSING)
    if not created:
        if not _watched_update(sender, update_fields):
            return
        after = tuple(getattr(instance, attname) for attname in WATCHED[sender])
        if before == after:
            return
    # The unit it left: nothing else in the scope leads back there.
    old_unit = before[-1] if isinstance(before, tuple) and before[-1] != instance.unit_id else None
    if sender is Objective:
        old_parent = before[1] if isinstance(before, tuple) and before[1] != instance.parent_id else None
        touch(using=using, moved_objective_ids=[instance.pk], objective_ids=[old_parent], unit_ids=[old_unit])
    elif sender is Practice:
        touch(using=using, practice_ids=[instance.pk], unit_ids=[old_unit])
    else:
        touch(using=using, means_ids=[instance.pk], unit_ids=[old_unit])


def record_deleted(sender, instance, using=None, **kwargs) -> None:
    # Their links go first (cascades send their own signals); what is left to re-check is
    # the chain the deleted record hung from, and the figures of the unit it belonged to.
    if sender is Objective:
        touch(using=using, objective_ids=[instance.parent_id], unit_ids=[instance.unit_id])
    elif sender is Practice:
        touch(using=using, practice_ids=[instance.pk], unit_ids=[instance.unit_id])
    else:
        touch(using=using, means_ids=[instance.pk], unit_ids=[instance.unit_id])


# --- Links -----------------------------------------------------------------------------

#: The two ends of each link; a link edited in place (the admin lets its ends change)
#: must re-check the ends it left as well as the ones it joined.
LINK_ENDS = {
    PracticeObjective: ("practice_id", "objective_id"),
    PracticeMeans: ("practice_id", "means_id"),
    MeansObjective: ("means_id", "objective_id"),
}


def _link_ids(sender, ends: dict[str, int | None]) -> dict[str, list[int | None]]:
    if sender is PracticeObjective:
        return {"practice_ids": [ends["practice_id"]], "objective_ids": [ends["objective_id"]]}
    if sender is PracticeMeans:
        return {"practice_ids": [ends["practice_id"]]}
    return {"means_ids": [ends["means_id"]], "objective_ids": [ends["objective_id"]]}


def remember_link_before(sender, instance, raw=False, using=None, **kwargs) -> None:
    """Read the ends an existing link is saved over, so the ones it leaves are re-checked."""
    if instance._state.adding or instance.pk is None:
        return
    row = sender._default_manager.using(using).filter(pk=instance.pk).values_list(*LINK_ENDS[sender]).first()
    instance.__dict__[_BEFORE] = row


def record_link(sender, instance, using=None, **kwargs) -> None:
    fields = LINK_ENDS[sender]
    ids = _link_ids(sender, {name: getattr(instance, name) for name in fields})
    before = instance.__dict__.pop(_BEFORE, None)
    if before is not None:
        # One touch for both ends: outside a transaction each touch enqueues at once.
        for key, values in _link_ids(sender, dict(zip(fields, before, strict=True))).items():
            ids[key] = ids[key] + values
    touch(using=using, **ids)


# --- Key results ---------------------------------------------------------------------------


def record_key_result(sender, instance, created=False, **kwargs) -> None:
    """A new key result, or a check-in on one: its stalled flag may come or go."""
    using = kwargs.get("using")
    if sender is CheckIn:
        touch(using=using, key_result_ids=[instance.key_result_id])
    elif created:
        touch(using=using, key_result_ids=[instance.pk])


def connect() -> None:
    for model in (Objective, Practice, Means):
        uid = f"alignment.live.{model._meta.label_lower}"
        pre_save.connect(remember_before, sender=model, dispatch_uid=f"{uid}.pre_save")
        post_save.connect(record_saved, sender=model, dispatch_uid=f"{uid}.post_save")
        post_delete.connect(record_deleted, sender=model, dispatch_uid=f"{uid}.post_delete")
    for model in (PracticeObjective, PracticeMeans, MeansObjective):
        uid = f"alignment.live.{model._meta.label_lower}"
        pre_save.connect(remember_link_before, sender=model, dispatch_uid=f"{uid}.pre_save")
        post_save.connect(record_link, sender=model, dispatch_uid=f"{uid}.post_save")
        post_delete.connect(record_link, sender=model, dispatch_uid=f"{uid}.post_delete")
    for model in (KeyResult, CheckIn):
        post_save.connect(record_key_result, sender=model, dispatch_uid=f"alignment.live.{model._meta.label_lower}")


connect()

"""Key results and check-ins: who may set them, what a valid measure is, what a check-in changes.

Every write rolls progress up the objective tree (``objectives.progress``).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from objectives.models import (
    CheckIn,
    Confidence,
    Direction,
    KeyResult,
    MetricKind,
    Objective,
    ObjectiveStatus,
)
from objectives.progress import progress_of, roll_up
from objectives.services import can_edit_objective, require_edit
from raison.editing import update_versioned

EDITABLE_FIELDS = (
    "title",
    "metric_kind",
    "direction",
    "start_value",
    "target_value",
    "currency",
    "weight",
    "owner",
    "due_on",
)

# Measures whose scale is fixed: the form's start and target are ignored for them.
FIXED_SCALE = {
    MetricKind.BOOLEAN: (Decimal(0), Decimal(1), Direction.INCREASE),
    MetricKind.MILESTONE: (Decimal(0), Decimal(100), Direction.INCREASE),
}


def can_check_in(user, key_result: KeyResult) -> bool:
    """The key result's owner checks in; so can whoever may edit its objective."""
    if key_result.owner_id is not None and key_result.owner_id == getattr(user, "pk", None):
        return True
    return can_edit_objective(user, key_result.objective)


def _normalise(values: dict) -> dict:
    """Fixed scales for yes-or-no and milestones; the direction's promise checked with a message."""
    kind = values.get("metric_kind")
    if kind in FIXED_SCALE:
        values["start_value"], values["target_value"], values["direction"] = FIXED_SCALE[kind]
    if kind == MetricKind.CURRENCY:
        code = (values.get("currency") or "").strip().upper()
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise ValidationError({"currency": _("Give the currency as a three-letter code, such as EUR.")})
        values["currency"] = code
    else:
        values["currency"] = ""
    if kind == MetricKind.PERCENTAGE:
        for name in ("start_value", "target_value"):
            if values.get(name) is not None and not (0 <= values[name] <= 100):
                raise ValidationError({name: _("A percentage lies between 0 and 100.")})
    start, target, direction = values.get("start_value"), values.get("target_value"), values.get("direction")
    if start is not None and target is not None:
        if direction == Direction.INCREASE and not target > start:
            raise ValidationError({"target_value": _("To increase, the target must be above the start.")})
        if direction == Direction.DECREASE and not target < start:
            raise ValidationError({"target_value": _("To decrease, the target must be below the start.")})
        if direction == Direction.WITHIN and not target >= start:
            raise ValidationError({"target_value": _("The upper bound (target) cannot be below the start.")})
    return values


def _require_open(objective: Objective) -> None:
    if objective.status == ObjectiveStatus.ARCHIVED:
        raise ValidationError(_("This objective is archived: its key results are kept as they were."))


@transaction.atomic
def key_result_create(*, by, objective: Objective, title: str, metric_kind: str, **values) -> KeyResult:
    require_edit(by, objective)
    _require_open(objective)
    values = _normalise({"metric_kind": metric_kind, "direction": Direction.INCREASE, **values})
    key_result = KeyResult(objective=objective, title=title.strip(), **values)
    key_result.full_clean(exclude=["progress", "confidence", "current_value"])
    key_result._history_user = by
    key_result.save()
    return key_result


@transaction.atomic
def key_result_update(key_result: KeyResult, changes: dict, *, by, expected_version: int | None) -> KeyResult:
    require_edit(by, key_result.objective)
    _require_open(key_result.objective)
    merged = {name: changes.get(name, getattr(key_result, name)) for name in EDITABLE_FIELDS}
    merged = _normalise(merged)
    changes = {name: merged[name] for name in EDITABLE_FIELDS}
    update_versioned(key_result, changes, allowed=EDITABLE_FIELDS, by=by, expected_version=expected_version)
    if key_result.current_value is not None:
        # A new target or scale changes how far the last value has come.
        _store_progress(key_result)
    roll_up(key_result.objective_id)
    return key_result


@transaction.atomic
def key_result_delete(key_result: KeyResult, *, by) -> None:
    require_edit(by, key_result.objective)
    objective_id = key_result.objective_id
    key_result._history_user = by
    key_result.delete()
    roll_up(objective_id)


def _store_progress(key_result: KeyResult) -> None:
    key_result.progress = progress_of(
        metric_kind=key_result.metric_kind,
        direction=key_result.direction,
        start=key_result.start_value,
        target=key_result.target_value,
        value=key_result.current_value,
    )
    KeyResult.objects.filter(pk=key_result.pk).update(progress=key_result.progress)


@transaction.atomic
def check_in(*, by, key_result: KeyResult, value: Decimal, confidence: str, comment: str = "") -> CheckIn:
    """Record where a key result stands; its objective's progress follows up the chain."""
    if not can_check_in(by, key_result):
        raise PermissionDenied(_("Only the owner of this key result or a manager of its unit can check in."))
    _require_open(key_result.objective)
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": _("Choose how confident you are.")})
    if key_result.metric_kind == MetricKind.BOOLEAN and value not in (0, 1):
        raise ValidationError({"value": _("Answer 1 for yes or 0 for no.")})
    if key_result.metric_kind in (MetricKind.MILESTONE, MetricKind.PERCENTAGE) and not (0 <= value <= 100):
        raise ValidationError({"value": _("Give a percentage between 0 and 100.")})
    entry = CheckIn.objects.create(
        key_result=key_result, value=value, confidence=confidence, comment=comment.strip(), by=by
    )
    key_result.current_value = value
    key_result.confidence = confidence
    key_result.last_check_in_at = entry.created_at
    key_result.progress = progress_of(
        metric_kind=key_result.metric_kind,
        direction=key_result.direction,
        start=key_result.start_value,
        target=key_result.target_value,
        value=value,
    )
    # A plain UPDATE: a check-in is its own history, the key result's record stays for edits.
    KeyResult.objects.filter(pk=key_result.pk).update(
        current_value=value,
        confidence=confidence,
        last_check_in_at=entry.created_at,
        progress=key_result.progress,
    )
    roll_up(key_result.objective_id)
    return entry

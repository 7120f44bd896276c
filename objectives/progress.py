"""How progress rolls up the objective tree.

The rule, as the objective page states it: a key result's progress is how far its latest
value has moved from the start towards the target (0 to 100 %, capped; a yes-or-no or a
keep-within-bounds measure is 0 or 100 %). An objective's progress is the weighted
average of its key results' progress (by their weight) and of its active
sub-objectives' progress (weight 1 each); what has no progress yet does not count.

Progress is stored on each key result and objective and updated along the chain on every
change, so no page computes it over a subtree; the alignment sweep repairs any drift
(``recompute_all_progress``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from objectives.models import Direction, KeyResult, MetricKind, Objective, ObjectiveStatus

#: What the objective page says about how progress is computed.
ROLL_UP_RULE = _(
    "Progress is the weighted average of this objective’s key results (by their weight) and of its "
    "active sub-objectives (weight 1 each); a key result counts once it has a check-in."
)


def progress_of(*, metric_kind: str, direction: str, start: Decimal, target: Decimal, value: Decimal) -> float:
    """How far ``value`` has come from ``start`` to ``target``, as a fraction from 0 to 1."""
    if metric_kind == MetricKind.BOOLEAN:
        return 1.0 if value >= 1 else 0.0
    if direction == Direction.WITHIN:
        return 1.0 if start <= value <= target else 0.0
    span = target - start
    if span == 0:
        return 1.0
    return float(min(Decimal(1), max(Decimal(0), (value - start) / span)))


def _weighted(terms: list[tuple[float, float]]) -> float | None:
    total = sum(weight for _value, weight in terms)
    if not total:
        return None
    return sum(value * weight for value, weight in terms) / total


def _own_progress(objective_id: int) -> float | None:
    krs = KeyResult.objects.filter(objective_id=objective_id, progress__isnull=False).aggregate(
        weighted=Sum(F("progress") * F("weight")), weights=Sum("weight")
    )
    children = Objective.objects.filter(
        parent_id=objective_id, status=ObjectiveStatus.ACTIVE, progress__isnull=False
    ).values_list("progress", flat=True)
    terms = [(value, 1.0) for value in children]
    if krs["weights"]:
        terms.append((krs["weighted"] / krs["weights"], float(krs["weights"])))
    return _weighted(terms)


def roll_up(objective_id: int | None) -> None:
    """Recompute progress from ``objective_id`` up to its root, stopping where nothing changes.

    Each objective's row is locked before it is recomputed, children before parents, so
    two check-ins under the same parent take turns there and the second one sees the
    first one's committed value.
    """
    seen: set[int] = set()
    while objective_id is not None and objective_id not in seen:
        seen.add(objective_id)
        row = Objective.objects.select_for_update().filter(pk=objective_id).values("parent_id", "progress").first()
        if row is None:
            return
        progress = _own_progress(objective_id)
        if _same(progress, row["progress"]):
            return
        Objective.objects.filter(pk=objective_id).update(progress=progress)
        objective_id = row["parent_id"]


def recompute_all_progress() -> int:
    """Recompute every objective's progress from scratch; returns how many were corrected.

    Reads each table once and walks the tree bottom-up in memory (a tree of 100,000
    objectives takes about a second), then writes only what differs.
    """
    own: dict[int, tuple[float, float]] = {}
    for row in (
        KeyResult.objects.filter(progress__isnull=False)
        .values("objective_id")
        .annotate(weighted=Sum(F("progress") * F("weight")), weights=Sum("weight"))
    ):
        own[row["objective_id"]] = (row["weighted"] / row["weights"], float(row["weights"]))
    rows = list(Objective.objects.values_list("pk", "parent_id", "status", "progress"))
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id, _status, _progress in rows:
        if parent_id is not None:
            children[parent_id].append(pk)
    status = {pk: st for pk, _parent, st, _progress in rows}
    computed: dict[int, float | None] = {}
    # Post-order without recursion: deep chains must not hit Python's recursion limit.
    for root in (pk for pk, parent_id, _st, _p in rows if parent_id is None):
        stack = [(root, False)]
        while stack:
            pk, expanded = stack.pop()
            if expanded:
                terms = [
                    (computed[c], 1.0)
                    for c in children[pk]
                    if status[c] == ObjectiveStatus.ACTIVE and computed.get(c) is not None
                ]
                if pk in own:
                    terms.append(own[pk])
                computed[pk] = _weighted(terms)
            else:
                stack.append((pk, True))
                stack.extend((c, False) for c in children[pk])
    stale = [
        Objective(pk=pk, progress=computed.get(pk))
        for pk, _parent, _st, stored in rows
        if not _same(stored, computed.get(pk))
    ]
    Objective.objects.bulk_update(stale, ["progress"], batch_size=2000)
    return len(stale)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9

"""The dashboard's figures, kept by the engine so that a page view reads a handful of rows.

Four tables (``alignment.models``): per unit, its active practices and means and how
many are aligned (``UnitFigures``) and its open flags per kind (``OpenFlagCount``);
per strategic objective and unit, the unit's active means and practices in its subtree
(``ObjectiveCoverage``, with ``ObjectiveRoot`` mapping each objective to its strategic
objective); per day, the flags raised and resolved (``FlagDay``).

"Aligned" is read from the flags, so the score and the flags share one definition: an
active practice or means is aligned when it has no unresolved flag of a kind in
``UNALIGNED_KINDS`` (orphan / unrooted practice, purposeless / unrooted means), that is
when one of its objectives has a complete chain of active objectives to an active root.

How they stay right:

- A live re-check recomputes, from the base tables and set-based, the rows it can have
  changed (``refresh``): the units of the records it was handed, per flag kind the units
  of the records whose flags it raised or resolved, the coverage of those units below
  the strategic objectives its chains reach. The sweep recomputes every row
  (``refresh_all``). Nothing is ever adjusted by +1/-1, except the day's counters of
  raised and resolved flags (``count_flag_changes``), which add what the engine's own
  statement just inserted or resolved, in that statement's transaction.
- Every writer of these tables takes one transaction-scoped advisory lock first
  (PostgreSQL; SQLite serialises writers itself) and reads the base tables only after
  it has it. Whoever comes last therefore reads everything committed before it, and
  every change to the base tables is followed by a refresh of what it touched: two
  re-checks committing at once cannot leave a stale row behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from alignment.models import (
    FLAG_SUBJECT,
    UNALIGNED_KINDS,
    Flag,
    FlagDay,
    ObjectiveCoverage,
    ObjectiveRoot,
    OpenFlagCount,
    UnitFigures,
)
from objectives.models import KeyResult, Objective
from practices.models import Means, MeansObjective, MeansStatus, Practice, PracticeObjective, PracticeStatus

#: Transaction-level advisory lock serialising the writers of the figure tables.
FIGURES_LOCK = 7419003
#: Days of trend the sweep (and a refresh after a deletion) recomputes from the flags.
TREND_DAYS = 30

FLAG = Flag._meta.db_table
OBJECTIVES = Objective._meta.db_table
KEY_RESULTS = KeyResult._meta.db_table
MEANS = Means._meta.db_table
PRACTICES = Practice._meta.db_table
PO = PracticeObjective._meta.db_table
MO = MeansObjective._meta.db_table
UNIT_FIGURES = UnitFigures._meta.db_table
OPEN_COUNTS = OpenFlagCount._meta.db_table
COVERAGE = ObjectiveCoverage._meta.db_table
OBJECTIVE_ROOTS = ObjectiveRoot._meta.db_table
FLAG_DAY = FlagDay._meta.db_table

Tune = Callable[[object], None]


def _ids(ids: Iterable[int]) -> str:
    # Forced through int(): safe to inline, and any number of them fits one statement.
    values = sorted({int(i) for i in ids})
    return "(" + ", ".join(map(str, values)) + ")" if values else "(NULL)"


def _lock(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FIGURES_LOCK])


def day_of(moment: datetime):
    """The day a moment falls on, in the site's time zone (the trend's buckets)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


# --- Per unit ---------------------------------------------------------------------------


def _unaligned_test(subject: str, alias: str, full: bool) -> tuple[str, str, list]:
    """A join (full run) or a correlated test (scoped run) telling an unaligned subject.

    Full: one hash join with the set of flagged subjects. Scoped: a few thousand index
    probes on the partial unique index of unresolved flags, instead of reading every
    flagged subject of the organisation.
    """
    kinds = [str(k) for k in UNALIGNED_KINDS[subject]]
    marks = ", ".join(["%s"] * len(kinds))
    if full:
        join = (
            f" LEFT JOIN (SELECT DISTINCT {subject}_id AS id FROM {FLAG} WHERE resolved_at IS NULL"
            f" AND {subject}_id IS NOT NULL AND kind IN ({marks})) x ON x.id = {alias}.id"
        )
        return join, "CASE WHEN x.id IS NULL THEN 1 ELSE 0 END", kinds
    test = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {FLAG} f WHERE f.{subject}_id = {alias}.id AND f.resolved_at IS NULL"
        f" AND f.kind IN ({marks})) THEN 0 ELSE 1 END"
    )
    return "", test, kinds


def _refresh_units(cursor, unit_ids: Iterable[int] | None) -> None:
    full = unit_ids is None
    only = "" if full else f" AND {{alias}}.unit_id IN {_ids(unit_ids)}"
    p_join, p_aligned, p_kinds = _unaligned_test("practice", "p", full)
    m_join, m_aligned, m_kinds = _unaligned_test("means", "m", full)
    # Scoped: the p_aligned/m_aligned parameters sit in the SELECT list, before the WHERE.
    p_params = [*p_kinds, PracticeStatus.ACTIVE.value]
    m_params = [*m_kinds, MeansStatus.ACTIVE.value]
    cursor.execute(f"DELETE FROM {UNIT_FIGURES}" + ("" if full else f" WHERE unit_id IN {_ids(unit_ids)}"))
    cursor.execute(
        f"INSERT INTO {UNIT_FIGURES} (unit_id, practices, practices_aligned, means, means_aligned)"
        f" SELECT unit_id, SUM(p), SUM(pa), SUM(m), SUM(ma) FROM ("
        f"SELECT p.unit_id AS unit_id, 1 AS p, {p_aligned} AS pa, 0 AS m, 0 AS ma FROM {PRACTICES} p{p_join}"
        f" WHERE p.status = %s{only.format(alias='p')}"
        f" UNION ALL SELECT m.unit_id, 0, 0, 1, {m_aligned} FROM {MEANS} m{m_join}"
        f" WHERE m.status = %s{only.format(alias='m')}"
        f") t GROUP BY unit_id",
        [*p_params, *m_params],
    )


def _refresh_open_counts(cursor, unit_ids: Iterable[int] | None, kinds: Iterable[str] | None = None) -> None:
    """Recount the open flags of these units (all: None), of these kinds only (all: None)."""
    full = unit_ids is None
    where = [] if full else [f"unit_id IN {_ids(unit_ids)}"]
    only = "" if full else f" AND s.unit_id IN {_ids(unit_ids)}"
    subjects = {"practice": PRACTICES, "means": MEANS, "objective": OBJECTIVES}
    params: list[str] = []
    if kinds is not None:
        kinds = sorted({str(k) for k in kinds})
        if not kinds:
            return
        where.append(f"kind IN ({', '.join(['%s'] * len(kinds))})")
        only += f" AND f.kind IN ({', '.join(['%s'] * len(kinds))})"
        # Only the subjects these kinds are about: no need to read the others' flags.
        subjects = {
            subject: table for subject, table in subjects.items() if subject in {FLAG_SUBJECT[k] for k in kinds}
        }
        if not subjects and not any(FLAG_SUBJECT[k] == "key_result" for k in kinds):
            return
    parts = [
        f"SELECT s.unit_id AS unit_id, f.kind AS kind FROM {FLAG} f JOIN {table} s ON s.id = f.{subject}_id"
        f" WHERE f.resolved_at IS NULL AND f.acknowledged_at IS NULL{only}"
        for subject, table in subjects.items()
    ]
    if kinds is None or any(FLAG_SUBJECT[k] == "key_result" for k in kinds):
        # A key result counts in the unit of its objective.
        parts.append(
            f"SELECT s.unit_id AS unit_id, f.kind AS kind FROM {FLAG} f"
            f" JOIN {KEY_RESULTS} kr ON kr.id = f.key_result_id JOIN {OBJECTIVES} s ON s.id = kr.objective_id"
            f" WHERE f.resolved_at IS NULL AND f.acknowledged_at IS NULL{only}"
        )
    if kinds is not None:
        params = list(kinds)
    cursor.execute(f"DELETE FROM {OPEN_COUNTS}" + (f" WHERE {' AND '.join(where)}" if where else ""), params)
    cursor.execute(
        f"INSERT INTO {OPEN_COUNTS} (unit_id, kind, count)"
        f" SELECT unit_id, kind, COUNT(*) FROM ({' UNION ALL '.join(parts)}) t GROUP BY unit_id, kind",
        params * len(parts),
    )


# --- Per strategic objective --------------------------------------------------------------


def _refresh_roots(cursor, root_ids: Iterable[int] | None) -> None:
    """Map every objective below these roots (all roots: None) to its root."""
    roots = "" if root_ids is None else _ids(root_ids)
    # UNION, not UNION ALL: a loop that slipped past the guards still terminates.
    tree = (
        f"WITH RECURSIVE tree(id, root_id) AS ("
        f"SELECT id, id FROM {OBJECTIVES} WHERE parent_id IS NULL{f' AND id IN {roots}' if roots else ''}"
        f" UNION SELECT o.id, t.root_id FROM {OBJECTIVES} o JOIN tree t ON o.parent_id = t.id) "
    )
    if roots:
        # Whatever moved away from these roots is mapped again by the walk from its new
        # root, which the same scope reaches (the moved objective's chain goes up to it).
        cursor.execute(f"DELETE FROM {OBJECTIVE_ROOTS} WHERE root_id IN {roots}")
        cursor.execute(tree + f"DELETE FROM {OBJECTIVE_ROOTS} WHERE objective_id IN (SELECT id FROM tree)")
    else:
        cursor.execute(f"DELETE FROM {OBJECTIVE_ROOTS}")
    # WHERE true: SQLite would otherwise read ON CONFLICT as part of the SELECT's join.
    cursor.execute(
        tree + f"INSERT INTO {OBJECTIVE_ROOTS} (objective_id, root_id) SELECT id, root_id FROM tree WHERE true"
        f" ON CONFLICT (objective_id) DO NOTHING"
    )


def _refresh_coverage(cursor, root_ids: Iterable[int] | None, unit_ids: Iterable[int] | None) -> None:
    """Per (strategic objective, unit): distinct active means and practices linked anywhere below it.

    Scoped, the unit's records are read by their unit index and their links mapped to
    roots by primary key: the cost of one unit, not of a strategic objective's subtree.
    """
    where, only = [], ""
    if root_ids is not None:
        where.append(f"objective_id IN {_ids(root_ids)}")
        only += f" AND r.root_id IN {_ids(root_ids)}"
    if unit_ids is not None:
        where.append(f"unit_id IN {_ids(unit_ids)}")
        only += f" AND s.unit_id IN {_ids(unit_ids)}"
    cursor.execute(f"DELETE FROM {COVERAGE}" + (f" WHERE {' AND '.join(where)}" if where else ""))
    parts = [
        f"SELECT r.root_id AS root_id, s.unit_id AS unit_id, {m} AS m, {p} AS p FROM {table} s"
        f" JOIN {links} l ON l.{subject}_id = s.id JOIN {OBJECTIVE_ROOTS} r ON r.objective_id = l.objective_id"
        f" WHERE s.status = %s{only} GROUP BY r.root_id, s.unit_id"
        for subject, table, links, m, p in (
            ("means", MEANS, MO, "COUNT(DISTINCT s.id)", "0"),
            ("practice", PRACTICES, PO, "0", "COUNT(DISTINCT s.id)"),
        )
    ]
    cursor.execute(
        f"INSERT INTO {COVERAGE} (objective_id, unit_id, means, practices)"
        f" SELECT root_id, unit_id, SUM(m), SUM(p) FROM ({' UNION ALL '.join(parts)}) t GROUP BY root_id, unit_id",
        [MeansStatus.ACTIVE.value, PracticeStatus.ACTIVE.value],
    )


# --- Per day ------------------------------------------------------------------------------


def count_flag_changes(cursor, *, now: datetime, raised: int, resolved: int) -> None:
    """Add one engine statement's raised and resolved flags to the day's counters.

    Called in the transaction that raised and resolved them, so the counters move with
    the flags or not at all; the addition happens in the row, so concurrent runs add up.
    """
    if not (raised or resolved):
        return
    _lock(cursor)
    cursor.execute(
        f"INSERT INTO {FLAG_DAY} (day, raised, resolved) VALUES (%s, %s, %s)"
        f" ON CONFLICT (day) DO UPDATE SET raised = {FLAG_DAY}.raised + excluded.raised,"
        f" resolved = {FLAG_DAY}.resolved + excluded.resolved",
        [day_of(now), raised, resolved],
    )


def _refresh_trend(now: datetime) -> None:
    """Recount the window's days from the flag table (the flags are their own history)."""
    tz = timezone.get_default_timezone()
    first = day_of(now) - timedelta(days=TREND_DAYS - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()), tz)
    counts: dict = {}
    for column, index in (("raised_at", 0), ("resolved_at", 1)):
        rows = (
            Flag.objects.filter(**{f"{column}__gte": since})
            .annotate(day=TruncDate(column, tzinfo=tz))
            .order_by()
            .values_list("day")
            .annotate(n=Count("pk"))
        )
        for day, n in rows:
            counts.setdefault(day, [0, 0])[index] = n
    FlagDay.objects.filter(day__gte=first).delete()
    FlagDay.objects.bulk_create(
        FlagDay(day=day, raised=raised, resolved=resolved) for day, (raised, resolved) in counts.items()
    )


# --- Entry points -----------------------------------------------------------------------------


@dataclass
class Reached:
    """Which rows a scoped re-check can have changed (see ``alignment.engine``)."""

    #: Units whose active practices and means, or whose aligned ones, may have changed.
    unit_ids: set[int] = field(default_factory=set)
    #: Per flag kind: the units whose open flags of that kind may have changed.
    open_units: dict[str, set[int]] = field(default_factory=dict)
    #: Units whose records may have entered or left a strategic objective's subtree…
    coverage_unit_ids: set[int] = field(default_factory=set)
    #: …below these strategic objectives.
    root_ids: set[int] = field(default_factory=set)
    #: Objectives were created or re-parented below those roots.
    moved: bool = False
    #: Records were deleted (with their flags): recount the trend window too.
    trend: bool = False


def refresh(reached: Reached, *, now: datetime | None = None, tune: Tune | None = None) -> None:
    """Recompute the rows a scoped re-check (or an acknowledgement) can have changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        if tune and connection.vendor == "postgresql":
            tune(cursor)
        _lock(cursor)
        if reached.moved and reached.root_ids:
            _refresh_roots(cursor, reached.root_ids)
        if reached.unit_ids:
            _refresh_units(cursor, reached.unit_ids)
        by_units: dict[frozenset[int], set[str]] = {}
        for kind, units in reached.open_units.items():
            if units:
                by_units.setdefault(frozenset(units), set()).add(str(kind))
        for units, kinds in by_units.items():
            _refresh_open_counts(cursor, units, kinds)
        if reached.coverage_unit_ids and reached.root_ids:
            _refresh_coverage(cursor, reached.root_ids, reached.coverage_unit_ids)
        if reached.trend:
            _refresh_trend(now or timezone.now())


def refresh_open_counts(unit_id: int, kinds: Iterable[str]) -> None:
    """After a person acknowledged a flag: that unit's open counts of that kind."""
    if unit_id is None:
        return
    refresh(Reached(open_units={str(kind): {unit_id} for kind in kinds}))


def refresh_all(*, now: datetime | None = None, tune: Tune | None = None) -> None:
    """Recompute every figure from the base tables: the sweep's repair of any drift."""
    with transaction.atomic(), connection.cursor() as cursor:
        if tune and connection.vendor == "postgresql":
            tune(cursor)
        _lock(cursor)
        _refresh_units(cursor, None)
        _refresh_open_counts(cursor, None)
        _refresh_roots(cursor, None)
        if connection.vendor == "postgresql":
            # Fresh statistics, or the next statement plans for the empty table it saw.
            cursor.execute(f"ANALYZE {OBJECTIVE_ROOTS}")
        _refresh_coverage(cursor, None, None)
        _refresh_trend(now or timezone.now())

"""Composed reads for the dashboard, the flags inbox, notifications and the strategy map.

Every function costs a fixed number of queries, whatever the size of the
organisation: the dashboard's figures are read from the tables the engine keeps,
other counts are aggregated in SQL, lists are paginated or capped and bring their own
``select_related`` / ``prefetch_related``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from alignment import figures
from alignment.models import Flag, FlagDay, FlagKind, Notification, ObjectiveCoverage, OpenFlagCount, UnitFigures
from objectives import selectors as objective_selectors
from objectives.models import Objective, ObjectiveStatus
from org.models import Unit
from practices.models import (
    Means,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)

TREND_DAYS = 30
NEWEST_FLAGS = 8
DASHBOARD_NOTIFICATIONS = 5
#: The strategy map draws at most this many nodes per layer (filter by unit for the rest).
MAP_LIMIT = 120
#: Levels of the strategy the whole organisation's map shows (the drawing has three rows).
MAP_TOP_LEVELS = 3

_FLAG_SUBJECT_RELATED = (
    "practice",
    "practice__unit",
    "practice__owner",
    "means",
    "means__unit",
    "means__owner",
    "objective",
    "objective__unit",
    "objective__owner",
    "key_result",
    "key_result__owner",
    "key_result__objective",
    "key_result__objective__unit",
    "acknowledged_by",
)


# --- Dashboard ------------------------------------------------------------------------
#
# Every figure comes from the tables the engine keeps (alignment/figures.py): a fixed
# number of small reads, whatever the size of the organisation.

#: The dashboard lists this many units with open flags, the most flagged first.
DASHBOARD_UNITS = 10


@dataclass
class AlignmentScore:
    practices_total: int
    practices_rooted: int
    means_total: int
    means_rooted: int

    @property
    def total(self) -> int:
        return self.practices_total + self.means_total

    @property
    def rooted(self) -> int:
        return self.practices_rooted + self.means_rooted

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return round(100 * self.rooted / self.total)


def alignment_score() -> AlignmentScore:
    """Share of active practices and means aligned: not flagged orphan, purposeless or unrooted.

    The same as "with a complete chain of active objectives to an active strategic root",
    since that is exactly what those flags say is missing.
    """
    totals = UnitFigures.objects.aggregate(
        practices=Sum("practices", default=0),
        practices_aligned=Sum("practices_aligned", default=0),
        means=Sum("means", default=0),
        means_aligned=Sum("means_aligned", default=0),
    )
    return AlignmentScore(totals["practices"], totals["practices_aligned"], totals["means"], totals["means_aligned"])


def _subject_owner():
    return Coalesce("practice__owner_id", "means__owner_id", "objective__owner_id", "key_result__owner_id")


def open_flags_by_kind() -> list[dict]:
    counts = dict(OpenFlagCount.objects.order_by().values_list("kind").annotate(n=Sum("count")))
    return [{"kind": kind.value, "label": kind.label, "count": counts.get(kind.value, 0)} for kind in FlagKind]


@dataclass
class UnitsWithFlags:
    rows: list[dict]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def open_flags_by_unit(limit: int = DASHBOARD_UNITS) -> UnitsWithFlags:
    """The units with the most open flags (two queries at most)."""
    rows = list(
        OpenFlagCount.objects.filter(count__gt=0)
        .values(unit_pk=F("unit_id"), unit_name=F("unit__name"))
        .annotate(count=Sum("count"))
        .order_by("-count", "unit_name", "unit_pk")[:limit]
    )
    total = len(rows)
    if total == limit:
        total = OpenFlagCount.objects.filter(count__gt=0).values("unit_id").distinct().count()
    return UnitsWithFlags(rows, total)


@dataclass
class Coverage:
    objective: Objective
    means: int
    practices: int


def coverage_per_strategic_objective() -> list[Coverage]:
    """For each strategic objective (not archived): active means and active practices in its subtree."""
    roots = list(objective_selectors.objective_roots().exclude(status=ObjectiveStatus.ARCHIVED))
    counts = {
        row["objective_id"]: row
        for row in ObjectiveCoverage.objects.filter(objective__in=[root.pk for root in roots])
        .values("objective_id")
        .annotate(means_n=Sum("means"), practices_n=Sum("practices"))
        .order_by()
    }
    return [
        Coverage(root, counts.get(root.pk, {}).get("means_n", 0), counts.get(root.pk, {}).get("practices_n", 0))
        for root in roots
    ]


@dataclass
class TrendDay:
    day: date
    raised: int
    resolved: int


def flag_trend(days: int = TREND_DAYS) -> list[TrendDay]:
    """Flags raised and resolved per day over the last ``days`` days (today included)."""
    today = figures.day_of(timezone.now())
    first = today - timedelta(days=days - 1)
    rows = {row.day: row for row in FlagDay.objects.filter(day__gte=first, day__lte=today)}
    return [
        TrendDay(day, rows[day].raised if day in rows else 0, rows[day].resolved if day in rows else 0)
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]


def flags_with_subjects(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Flag.objects.all() if queryset is None else queryset
    return queryset.select_related(*_FLAG_SUBJECT_RELATED)


def newest_flags(limit: int = NEWEST_FLAGS) -> list[Flag]:
    # The newest ids first, on their own (an index scan), then their subjects. In one
    # statement, even with the ids as a subquery, PostgreSQL joined every unresolved
    # flag to its subject before keeping eight (0.15-0.3 s at 100,000 practices).
    newest = list(Flag.objects.unresolved().order_by("-raised_at", "-pk").values_list("pk", flat=True)[:limit])
    return list(flags_with_subjects(Flag.objects.filter(pk__in=newest)).order_by("-raised_at", "-pk"))


def notifications_for(user) -> QuerySet:
    return Notification.objects.filter(recipient=user).select_related(
        "flag", "flag__practice", "flag__means", "flag__objective", "flag__key_result", "question"
    )


def unread_notifications(user, limit: int = DASHBOARD_NOTIFICATIONS) -> tuple[list[Notification], int]:
    unread = notifications_for(user).filter(read_at__isnull=True)
    count = unread.count()
    # Most visits find nothing unread: the count alone answers them (the list's six-table
    # join costs more to plan than to run).
    return (list(unread.order_by("-created_at", "-pk")[:limit]) if count else []), count


@dataclass
class Dashboard:
    """The organisation's figures: the same for everyone who opens the dashboard."""

    score: AlignmentScore
    by_kind: list[dict]
    by_unit: UnitsWithFlags
    coverage: list[Coverage]
    trend: list[TrendDay]
    newest: list[Flag]
    open_total: int = 0
    trend_max: int = 0


def dashboard() -> Dashboard:
    by_kind = open_flags_by_kind()
    trend = flag_trend()
    return Dashboard(
        score=alignment_score(),
        by_kind=by_kind,
        by_unit=open_flags_by_unit(),
        coverage=coverage_per_strategic_objective(),
        trend=trend,
        newest=newest_flags(),
        open_total=sum(row["count"] for row in by_kind),
        trend_max=max([1, *(max(day.raised, day.resolved) for day in trend)]),
    )


@dataclass
class FirstRun:
    """What an organisation still lacks, for the dashboard's getting-started card."""

    has_objectives: bool
    has_means: bool
    has_practices: bool

    @property
    def needed(self) -> bool:
        return not (self.has_objectives and self.has_means and self.has_practices)


def first_run() -> FirstRun:
    # Three EXISTS queries: constant cost whatever the organisation's size.
    return FirstRun(Objective.objects.exists(), Means.objects.exists(), Practice.objects.exists())


# --- Flags inbox ----------------------------------------------------------------------

FLAG_STATES = ("open", "acknowledged", "resolved")


def inbox_flags(
    *,
    state: str = "open",
    kind: str = "",
    unit_id: int | None = None,
    owner_id: int | None = None,
    within_units: frozenset[int] | None = None,
) -> QuerySet:
    """Flags for the inbox, with their subject, unit and owner in the same query."""
    queryset = {
        "open": Flag.objects.open(),
        "acknowledged": Flag.objects.acknowledged(),
        "resolved": Flag.objects.filter(resolved_at__isnull=False),
    }.get(state, Flag.objects.open())
    queryset = queryset.with_subject_unit().annotate(subject_owner=_subject_owner())
    if kind:
        queryset = queryset.filter(kind=kind)
    if unit_id:
        queryset = queryset.filter(subject_unit__in=Unit.objects.subtree_of([unit_id]).values("pk"))
    if owner_id:
        queryset = queryset.filter(subject_owner=owner_id)
    if within_units is not None:
        queryset = queryset.filter(subject_unit__in=list(within_units))
    order = ("-resolved_at", "-pk") if state == "resolved" else ("-raised_at", "-pk")
    return flags_with_subjects(queryset).order_by(*order)


def flag_for_action(pk: int) -> Flag | None:
    return flags_with_subjects(Flag.objects.filter(pk=pk)).first()


#: The owner filter offers the owners of this many most recent unresolved flags.
OWNER_CHOICES_FROM = 50


def flag_owner_ids(*, recent: int = OWNER_CHOICES_FROM):
    """Owners of the subjects of the most recent unresolved flags, for the owner filter (a subquery).

    Bounded: every owner of 90,000 flags meant joining them all to their subjects on each
    visit (1.3 s at a million practices) and a 2,000-option list nobody scrolls.
    """
    latest = Flag.objects.unresolved().order_by("-raised_at", "-pk").values("pk")[:recent]
    return Flag.objects.filter(pk__in=latest).annotate(subject_owner=_subject_owner()).values("subject_owner")


def mismatched_means(practice_ids) -> dict[int, list[str]]:
    """For each practice, the names of the active means it relies on that serve nothing on
    its objectives' chains: what a "mismatched means" flag is about (one query)."""
    ids = [int(pk) for pk in practice_ids]
    if not ids:
        return {}
    objectives, means = Objective._meta.db_table, Means._meta.db_table
    po, pm, mo = PracticeObjective._meta.db_table, PracticeMeans._meta.db_table, MeansObjective._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    # The same test as the engine's rule, for these practices only.
    sql = (
        f"WITH RECURSIVE chain(id, ancestor_id) AS ("  # noqa: S608 (table names from model metadata)
        f" SELECT id, id FROM {objectives} WHERE id IN (SELECT objective_id FROM {po} WHERE practice_id IN ({marks}))"
        f" UNION SELECT chain.id, o.parent_id FROM chain JOIN {objectives} o ON o.id = chain.ancestor_id"
        f" WHERE o.parent_id IS NOT NULL)"
        f" SELECT pm.practice_id, m.name FROM {pm} pm JOIN {means} m ON m.id = pm.means_id"
        f" WHERE pm.practice_id IN ({marks}) AND m.status = %s AND NOT EXISTS ("
        f"SELECT 1 FROM {po} po JOIN chain ON chain.id = po.objective_id"
        f" JOIN {mo} mo ON mo.objective_id = chain.ancestor_id AND mo.means_id = pm.means_id"
        f" WHERE po.practice_id = pm.practice_id) ORDER BY m.name"
    )
    found: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *ids, MeansStatus.ACTIVE.value])
        for practice_id, name in cursor.fetchall():
            found.setdefault(practice_id, []).append(name)
    return found


# --- Strategy map ---------------------------------------------------------------------

#: The strategy map never draws a whole organisation: at most this many boxes per layer
#: around its focus (one objective or one unit); the rest is reported, one click away.
MAP_CAPS = {"objectives": 30, "means": 20, "practices": 30}
#: Levels of objectives drawn below the focus (deeper ones: focus on a lower objective).
MAP_DEPTH = 4
#: Flagged records outside the focused strategy shown anyway, so they stand out.
MAP_FLAGGED_EXTRA = 8


@dataclass
class StrategyMap:
    objectives: list[Objective]
    means: list[Means]
    practices: list[Practice]
    focus_objective: Objective | None = None
    focus_unit: Unit | None = None
    #: Ancestors of the focused objective, root first (drawn above it).
    ancestors: list[Objective] = field(default_factory=list)
    #: What was left out: True where a layer hit its cap or the depth limit.
    more: dict = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return any(self.more.values())


def _objective_levels(seed_sql: str, seed_params: list, *, depth: int, limit: int, unit_ids=None) -> list[tuple]:
    """(id, level) of the seeds and their descendants (archived ones and what hangs below
    them left out), ``depth`` levels at most, breadth first, ``limit`` rows at most."""
    table = Objective._meta.db_table
    unit_filter, unit_params = "", []
    if unit_ids is not None:
        marks = ", ".join(["%s"] * len(unit_ids)) or "NULL"
        unit_filter, unit_params = f" AND o.unit_id IN ({marks})", list(unit_ids)
    # One bounded recursive statement: the recursion stops at ``depth`` levels, so its cost
    # follows the size of the neighbourhood drawn, not of the organisation.
    sql = (
        f"WITH RECURSIVE lvl(id, level) AS ("  # noqa: S608 (table names from model metadata)
        f" {seed_sql}"
        f" UNION ALL SELECT o.id, l.level + 1 FROM {table} o JOIN lvl l ON o.parent_id = l.id"
        f" WHERE l.level < %s AND o.status <> %s{unit_filter}"
        f") SELECT id, MIN(level) FROM lvl GROUP BY id ORDER BY MIN(level), id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*seed_params, depth - 1, ObjectiveStatus.ARCHIVED.value, *unit_params, limit])
        return cursor.fetchall()


def _map_seed_sql(*, objective_id: int | None, unit_ids: list[int] | None, limit: int) -> tuple[str, list]:
    table = Objective._meta.db_table
    archived = ObjectiveStatus.ARCHIVED.value
    if objective_id is not None:
        return f"SELECT id, 0 FROM {table} WHERE id = %s", [objective_id]  # noqa: S608
    if unit_ids is not None:
        marks = ", ".join(["%s"] * len(unit_ids)) or "NULL"
        # The top of the unit's own strategy: its objectives whose parent belongs elsewhere.
        # Capped here too: a large unit's strategy can start at thousands of objectives.
        return (
            f"SELECT id, 0 FROM (SELECT o.id FROM {table} o LEFT JOIN {table} p ON p.id = o.parent_id"  # noqa: S608
            f" WHERE o.unit_id IN ({marks}) AND o.status <> %s"
            f" AND (p.id IS NULL OR p.unit_id NOT IN ({marks})) ORDER BY o.id LIMIT %s) seeds",
            [*unit_ids, archived, *unit_ids, limit],
        )
    return (
        f"SELECT id, 0 FROM (SELECT id FROM {table} WHERE parent_id IS NULL AND status <> %s"  # noqa: S608
        f" ORDER BY id LIMIT %s) seeds",
        [archived, limit],
    )


def _flagged(model_field: str, ids) -> set[int]:
    if not ids:
        return set()
    column = f"{model_field}_id"
    return set(Flag.objects.unresolved().filter(**{f"{column}__in": list(ids)}).values_list(column, flat=True))


def strategy_map(
    *, objective_id: int | None = None, unit_id: int | None = None, caps: dict | None = None, depth: int = MAP_DEPTH
) -> StrategyMap:
    """The neighbourhood of one objective (its ancestors, its subtree, the means and
    practices that serve it) or of one unit, or by default the top of the strategy.

    Bounded whatever the organisation's size: a fixed number of queries, each returning
    at most the per-layer cap (plus one row, to know that more exist).
    """
    caps = {**MAP_CAPS, **(caps or {})}
    focus_objective = focus_unit = None
    unit_ids = None
    ancestors: list[Objective] = []
    if objective_id is not None:
        focus_objective = Objective.objects.select_related("unit").filter(pk=objective_id).first()
        if focus_objective is None:
            objective_id = None
    if objective_id is None and unit_id is not None:
        focus_unit = Unit.objects.filter(pk=unit_id).first()
        # The top unit's part is the whole organisation: no unit filter to pay for (with
        # one, finding where its strategy starts scanned every objective: 0.8 s at 100,000).
        if focus_unit is not None and focus_unit.parent_id is not None:
            unit_ids = list(Unit.objects.subtree_of([unit_id]).values_list("pk", flat=True))
    seed_sql, seed_params = _map_seed_sql(objective_id=objective_id, unit_ids=unit_ids, limit=caps["objectives"] + 1)
    levels = _objective_levels(seed_sql, seed_params, depth=depth, limit=caps["objectives"] + 1, unit_ids=unit_ids)
    more = {"objectives": len(levels) > caps["objectives"]}
    levels = dict(levels[: caps["objectives"]])
    if focus_objective is not None and focus_objective.parent_id:
        chain = Objective.objects.chain_of([focus_objective.pk]).exclude(pk=focus_objective.pk)
        ancestors = list(chain.select_related("unit")[: depth * 4])
        by_pk = {o.pk: o for o in ancestors}
        ordered, cursor_id = [], focus_objective.parent_id
        while cursor_id in by_pk:  # root first, following parents (the chain has no loop)
            ordered.append(by_pk.pop(cursor_id))
            cursor_id = ordered[-1].parent_id
        ancestors = list(reversed(ordered))
    objectives = {o.pk: o for o in Objective.objects.select_related("unit", "owner").filter(pk__in=list(levels))}
    objective_rows = []
    for index, objective in enumerate(ancestors):
        objective.map_level = index - len(ancestors)
        objective_rows.append(objective)
    for pk, level in sorted(levels.items(), key=lambda item: (item[1], objectives[item[0]].title, item[0])):
        objectives[pk].map_level = level
        objective_rows.append(objectives[pk])
    shown_objective_ids = [o.pk for o in objective_rows]

    # Means and practices that serve the objectives drawn, then (for a unit or the overview)
    # a few flagged ones, so what has no purpose stands out. Ids first, capped; rows after.
    means_ids = list(
        MeansObjective.objects.filter(objective_id__in=shown_objective_ids, means__status=MeansStatus.ACTIVE)
        .order_by("means_id")
        .values_list("means_id", flat=True)
        .distinct()[: caps["means"] + 1]
    )
    more["means"] = len(means_ids) > caps["means"]
    means_ids = means_ids[: caps["means"]]
    flagged_means = Flag.objects.unresolved().filter(means__isnull=False, means__status=MeansStatus.ACTIVE)
    if focus_objective is None:
        if unit_ids is not None:
            flagged_means = flagged_means.filter(means__unit_id__in=unit_ids)
        means_ids += [
            pk
            for pk in flagged_means.order_by("-raised_at").values_list("means_id", flat=True)[:MAP_FLAGGED_EXTRA]
            if pk not in means_ids
        ]
    living = Practice.objects.living()
    practice_ids = list(
        living.filter(
            Q(pk__in=PracticeObjective.objects.filter(objective_id__in=shown_objective_ids).values("practice_id"))
            | Q(pk__in=PracticeMeans.objects.filter(means_id__in=means_ids).values("practice_id"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: caps["practices"] + 1]
    )
    more["practices"] = len(practice_ids) > caps["practices"]
    practice_ids = practice_ids[: caps["practices"]]
    if focus_objective is None:
        flagged_practices = Flag.objects.unresolved().filter(
            practice__isnull=False, practice__status__in=[PracticeStatus.ACTIVE, PracticeStatus.PROPOSED]
        )
        if unit_ids is not None:
            flagged_practices = flagged_practices.filter(practice__unit_id__in=unit_ids)
        practice_ids += [
            pk
            for pk in flagged_practices.order_by("-raised_at").values_list("practice_id", flat=True)[:MAP_FLAGGED_EXTRA]
            if pk not in practice_ids
        ]

    active_objective_links = MeansObjective.objects.filter(
        means=OuterRef("pk"), objective__status=ObjectiveStatus.ACTIVE
    )
    active_practice_links = PracticeObjective.objects.filter(
        practice=OuterRef("pk"), objective__status=ObjectiveStatus.ACTIVE
    )
    # Links are prefetched only towards what is drawn: a shared tool may serve thousands.
    means_rows = list(
        Means.objects.filter(pk__in=means_ids)
        .select_related("unit")
        .annotate(orphan=~Exists(active_objective_links))
        .prefetch_related(
            Prefetch(
                "objective_links",
                queryset=MeansObjective.objects.filter(objective_id__in=shown_objective_ids)
                .select_related("objective")
                .only("pk", "means_id", "objective_id", "objective__title", "objective__status"),
            )
        )
        .order_by("-orphan", "name", "pk")
    )
    practice_rows = list(
        Practice.objects.filter(pk__in=practice_ids)
        .select_related("unit")
        .annotate(orphan=~Exists(active_practice_links))
        .prefetch_related(
            Prefetch(
                "objective_links",
                queryset=PracticeObjective.objects.filter(objective_id__in=shown_objective_ids)
                .select_related("objective")
                .only("pk", "practice_id", "objective_id", "objective__title", "objective__status"),
            ),
            Prefetch(
                "means_links",
                queryset=PracticeMeans.objects.filter(means_id__in=means_ids)
                .select_related("means")
                .only("pk", "practice_id", "means_id", "means__name"),
            ),
        )
        .order_by("-orphan", "name", "pk")
    )
    flagged = {
        "objective": _flagged("objective", shown_objective_ids),
        "means": _flagged("means", means_ids),
        "practice": _flagged("practice", practice_ids),
    }
    for kind, rows in (("objective", objective_rows), ("means", means_rows), ("practice", practice_rows)):
        for row in rows:
            row.flagged = row.pk in flagged[kind]
    # Always asked (even when the drawing is shallower), so the page costs the same
    # number of queries whatever the shape of the strategy.
    more["depth"] = bool(levels) and _has_children_below(levels, depth)
    return StrategyMap(
        objective_rows,
        means_rows,
        practice_rows,
        focus_objective=focus_objective,
        focus_unit=focus_unit,
        ancestors=ancestors,
        more=more,
    )


def _has_children_below(levels: dict[int, int], depth: int) -> bool:
    deepest = [pk for pk, level in levels.items() if level == depth - 1] or [0]
    return Objective.objects.filter(parent_id__in=deepest).exclude(status=ObjectiveStatus.ARCHIVED).exists()

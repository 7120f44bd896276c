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
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Sum, prefetch_related_objects
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
    Practice,
    PracticeMeans,
    PracticeObjective,
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


def _subject_unit():
    return Coalesce("practice__unit_id", "means__unit_id", "objective__unit_id", "key_result__objective__unit_id")


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
    return list(unread.order_by("-created_at", "-pk")[:limit]), unread.count()


@dataclass
class Dashboard:
    score: AlignmentScore
    by_kind: list[dict]
    by_unit: UnitsWithFlags
    coverage: list[Coverage]
    trend: list[TrendDay]
    newest: list[Flag]
    notifications: list[Notification]
    unread_count: int
    open_total: int = 0
    trend_max: int = 0


def dashboard(user) -> Dashboard:
    notifications, unread = unread_notifications(user)
    by_kind = open_flags_by_kind()
    trend = flag_trend()
    return Dashboard(
        score=alignment_score(),
        by_kind=by_kind,
        by_unit=open_flags_by_unit(),
        coverage=coverage_per_strategic_objective(),
        trend=trend,
        newest=newest_flags(),
        notifications=notifications,
        unread_count=unread,
        open_total=sum(row["count"] for row in by_kind),
        trend_max=max([1, *(max(day.raised, day.resolved) for day in trend)]),
    )


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
    queryset = queryset.annotate(subject_unit=_subject_unit(), subject_owner=_subject_owner())
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


# --- Strategy map ---------------------------------------------------------------------


@dataclass
class StrategyMap:
    objectives: list[Objective]
    means: list[Means]
    practices: list[Practice]
    totals: dict = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return (
            self.totals.get("objectives", 0) > len(self.objectives)
            or self.totals.get("means", 0) > len(self.means)
            or self.totals.get("practices", 0) > len(self.practices)
        )


def _orphans_first(queryset: QuerySet, active_links: QuerySet, limit: int) -> list:
    """Up to ``limit`` rows by name, those with no active objective first, in two index walks.

    Sorting on "is an orphan" would compute it for every row (17 s at a million
    practices); instead the orphans are read first along the name index, then the others.
    """
    orphans = list(queryset.filter(~Exists(active_links)).order_by("name", "pk")[:limit])
    others = list(queryset.filter(Exists(active_links)).order_by("name", "pk")[: limit - len(orphans)])
    for row in orphans:
        row.orphan = True
    for row in others:
        row.orphan = False
    return orphans + others


def _map_objectives(objectives: QuerySet, *, whole_organisation: bool, limit: int) -> list[Objective]:
    """Up to ``limit`` objectives, each with its ``tree_depth`` (0 for a strategic root), in two queries.

    tree_queries' ``with_tree_fields()`` numbered the whole tree first (3.8 s at 100,000
    objectives). The whole organisation's map shows the top of the strategy, walked down
    from the roots; a unit's map its objectives by title, their depth climbed from them.
    """
    table = Objective._meta.db_table
    if whole_organisation:
        # Table name from model metadata; the bounds are parameters.
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE top(id, depth) AS ("  # noqa: S608
                f" SELECT id, 0 FROM {table} WHERE parent_id IS NULL"
                f" UNION ALL SELECT o.id, top.depth + 1 FROM {table} o JOIN top ON o.parent_id = top.id"
                f" WHERE top.depth < %s"
                f") SELECT id, depth FROM top ORDER BY depth, id LIMIT %s",
                [MAP_TOP_LEVELS - 1, limit * 2],
            )
            depths = dict(cursor.fetchall())
        rows = list(objectives.select_related("unit").filter(pk__in=list(depths)))
        for row in rows:
            row.tree_depth = depths[row.pk]
        rows.sort(key=lambda row: (row.tree_depth, row.title, row.pk))
        return rows[:limit]
    rows = list(objectives.select_related("unit").order_by("title", "pk")[:limit])
    start = sorted({r.parent_id for r in rows if r.parent_id}) or [0]
    with connection.cursor() as cursor:
        # The climb itself returns (id, parent_id): no second pass over the table.
        cursor.execute(
            f"WITH RECURSIVE up(id, parent_id) AS ("  # noqa: S608
            f" SELECT id, parent_id FROM {table} WHERE id IN ({', '.join(['%s'] * len(start))})"
            f" UNION SELECT t.id, t.parent_id FROM {table} t JOIN up ON t.id = up.parent_id"
            f") SELECT id, parent_id FROM up",
            start,
        )
        parents = dict(cursor.fetchall())
    for row in rows:
        depth, pk = 0, row.parent_id
        while pk is not None and depth <= len(parents):  # the bound ends a loop in bad data
            depth, pk = depth + 1, parents.get(pk)
        row.tree_depth = depth
    return rows


def strategy_map(*, unit_id: int | None = None, limit: int = MAP_LIMIT) -> StrategyMap:
    """Three layers: objectives (not archived), active means, living practices; orphans marked."""
    objectives = Objective.objects.exclude(status=ObjectiveStatus.ARCHIVED)
    means = Means.objects.active()
    practices = Practice.objects.living()
    if unit_id:
        units = Unit.objects.subtree_of([unit_id]).values("pk")
        objectives, means, practices = (
            objectives.filter(unit__in=units),
            means.filter(unit__in=units),
            practices.filter(unit__in=units),
        )
    active_objective_links = MeansObjective.objects.filter(
        means=OuterRef("pk"), objective__status=ObjectiveStatus.ACTIVE
    )
    active_practice_links = PracticeObjective.objects.filter(
        practice=OuterRef("pk"), objective__status=ObjectiveStatus.ACTIVE
    )
    objective_rows = _map_objectives(objectives, whole_organisation=not unit_id, limit=limit)
    means_rows = _orphans_first(means.select_related("unit"), active_objective_links, limit)
    prefetch_related_objects(
        means_rows,
        Prefetch(
            "objective_links",
            queryset=MeansObjective.objects.select_related("objective").only(
                "pk", "means_id", "objective_id", "rationale", "objective__title", "objective__status"
            ),
        ),
    )
    practice_rows = _orphans_first(practices.select_related("unit"), active_practice_links, limit)
    prefetch_related_objects(
        practice_rows,
        Prefetch(
            "objective_links",
            queryset=PracticeObjective.objects.select_related("objective").only(
                "pk", "practice_id", "objective_id", "rationale", "objective__title", "objective__status"
            ),
        ),
        Prefetch(
            "means_links",
            queryset=PracticeMeans.objects.select_related("means").only(
                "pk", "practice_id", "means_id", "rationale", "means__name"
            ),
        ),
    )
    totals = {"objectives": objectives.count(), "means": means.count(), "practices": practices.count()}
    return StrategyMap(objective_rows, means_rows, practice_rows, totals)

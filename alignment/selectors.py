"""Composed reads for the dashboard, the flags inbox, notifications and the strategy map.

Every function costs a fixed number of queries, whatever the size of the
organisation: counts are aggregated in SQL, subtrees are recursive CTEs, lists are
paginated or capped and bring their own ``select_related`` / ``prefetch_related``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from alignment.models import Flag, FlagKind, Notification
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


def rooted_objective_ids() -> RawSQL:
    """Active objectives whose whole chain up to a strategic root is active (the root included)."""
    table = Objective._meta.db_table
    # Table name from model metadata, values as parameters. UNION (not UNION ALL) stops on bad data loops.
    return RawSQL(  # noqa: S611
        f"WITH RECURSIVE rooted(id) AS ("  # noqa: S608
        f" SELECT id FROM {table} WHERE parent_id IS NULL AND status = %s"
        f" UNION SELECT o.id FROM {table} o JOIN rooted r ON o.parent_id = r.id WHERE o.status = %s"
        f") SELECT id FROM rooted",
        [ObjectiveStatus.ACTIVE.value, ObjectiveStatus.ACTIVE.value],
    )


# --- Dashboard ------------------------------------------------------------------------


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
    """Share of active practices and active means with a complete chain to an active strategic root."""
    practice_rooted = Exists(
        PracticeObjective.objects.filter(practice=OuterRef("pk"), objective_id__in=rooted_objective_ids())
    )
    means_rooted = Exists(MeansObjective.objects.filter(means=OuterRef("pk"), objective_id__in=rooted_objective_ids()))
    practices = Practice.objects.active().aggregate(total=Count("pk"), rooted=Count("pk", filter=Q(practice_rooted)))
    means = Means.objects.active().aggregate(total=Count("pk"), rooted=Count("pk", filter=Q(means_rooted)))
    return AlignmentScore(practices["total"], practices["rooted"], means["total"], means["rooted"])


def _subject_unit():
    return Coalesce("practice__unit_id", "means__unit_id", "objective__unit_id", "key_result__objective__unit_id")


def _subject_owner():
    return Coalesce("practice__owner_id", "means__owner_id", "objective__owner_id", "key_result__owner_id")


def open_flags_by_kind() -> list[dict]:
    counts = dict(Flag.objects.open().order_by().values_list("kind").annotate(n=Count("pk")))
    return [{"kind": kind.value, "label": kind.label, "count": counts.get(kind.value, 0)} for kind in FlagKind]


def open_flags_by_unit() -> list[dict]:
    rows = (
        Flag.objects.open()
        .annotate(
            unit_pk=_subject_unit(),
            unit_name=Coalesce("practice__unit__name", "means__unit__name", "objective__unit__name"),
        )
        .order_by()
        .values("unit_pk", "unit_name")
        .annotate(count=Count("pk"))
        .order_by("-count", "unit_name")
    )
    return list(rows)


@dataclass
class Coverage:
    objective: Objective
    means: int
    practices: int


def coverage_per_strategic_objective() -> list[Coverage]:
    """For each strategic objective (not archived): active means and active practices in its subtree."""
    roots = list(objective_selectors.objective_roots().exclude(status=ObjectiveStatus.ARCHIVED))
    if not roots:
        return []
    objectives = Objective._meta.db_table
    means_links, means = MeansObjective._meta.db_table, Means._meta.db_table
    practice_links, practices = PracticeObjective._meta.db_table, Practice._meta.db_table
    marks = ", ".join(["%s"] * len(roots))
    # One statement for all roots: the CTE maps every objective to its root once; the two
    # scalar subqueries count distinct means and practices, so links never multiply rows.
    sql = (
        f"WITH RECURSIVE tree(id, root_id) AS ("  # noqa: S608 (table names from model metadata)
        f" SELECT id, id FROM {objectives} WHERE id IN ({marks})"
        f" UNION SELECT o.id, t.root_id FROM {objectives} o JOIN tree t ON o.parent_id = t.id"
        f") SELECT r.root_id,"
        f" (SELECT COUNT(DISTINCT ml.means_id) FROM tree t JOIN {means_links} ml ON ml.objective_id = t.id"
        f"  JOIN {means} m ON m.id = ml.means_id WHERE t.root_id = r.root_id AND m.status = %s),"
        f" (SELECT COUNT(DISTINCT pl.practice_id) FROM tree t JOIN {practice_links} pl ON pl.objective_id = t.id"
        f"  JOIN {practices} p ON p.id = pl.practice_id WHERE t.root_id = r.root_id AND p.status = %s)"
        f" FROM (SELECT DISTINCT root_id FROM tree) r"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(root.pk for root in roots), MeansStatus.ACTIVE.value, PracticeStatus.ACTIVE.value])
        counts = {root_id: (m, p) for root_id, m, p in cursor.fetchall()}
    return [Coverage(root, *counts.get(root.pk, (0, 0))) for root in roots]


@dataclass
class TrendDay:
    day: date
    raised: int
    resolved: int


def flag_trend(days: int = TREND_DAYS) -> list[TrendDay]:
    """Flags raised and resolved per day over the last ``days`` days (today included)."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
    tz = timezone.get_current_timezone()
    raised = dict(
        Flag.objects.filter(raised_at__gte=since)
        .annotate(day=TruncDate("raised_at", tzinfo=tz))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    resolved = dict(
        Flag.objects.filter(resolved_at__gte=since)
        .annotate(day=TruncDate("resolved_at", tzinfo=tz))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    return [
        TrendDay(day, raised.get(day, 0), resolved.get(day, 0))
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]


def flags_with_subjects(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Flag.objects.all() if queryset is None else queryset
    return queryset.select_related(*_FLAG_SUBJECT_RELATED)


def newest_flags(limit: int = NEWEST_FLAGS) -> list[Flag]:
    return list(flags_with_subjects(Flag.objects.unresolved()).order_by("-raised_at", "-pk")[:limit])


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
    by_unit: list[dict]
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


def flag_owner_ids():
    """Owners of the subjects of unresolved flags, for the owner filter (a subquery)."""
    return Flag.objects.unresolved().annotate(subject_owner=_subject_owner()).values("subject_owner")


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
    objective_rows = list(objectives.with_tree_fields().select_related("unit")[:limit])
    means_rows = list(
        means.select_related("unit")
        .annotate(orphan=~Exists(active_objective_links))
        .prefetch_related(
            Prefetch(
                "objective_links",
                queryset=MeansObjective.objects.select_related("objective").only(
                    "pk", "means_id", "objective_id", "rationale", "objective__title", "objective__status"
                ),
            )
        )
        .order_by("-orphan", "name", "pk")[:limit]
    )
    practice_rows = list(
        practices.select_related("unit")
        .annotate(orphan=~Exists(active_practice_links))
        .prefetch_related(
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
        .order_by("-orphan", "name", "pk")[:limit]
    )
    totals = {"objectives": objectives.count(), "means": means.count(), "practices": practices.count()}
    return StrategyMap(objective_rows, means_rows, practice_rows, totals)

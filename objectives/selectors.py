"""Composed reads of the strategy for the objective pages.

Each function brings its own ``select_related`` / annotations so a page costs the same
number of queries whatever the size of the organisation. Means and practices are
reached through reverse relations by name: ``objectives`` sits below ``practices`` in
the import layers and never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from alignment.models import Flag
from objectives.models import CheckIn, Confidence, KeyResult, Objective, ObjectiveStatus
from org.hierarchy import ancestor_ids
from org.models import Unit

#: How many matches the search-as-you-type fragment shows at most.
SEARCH_LIMIT = 20


def _with_counts(queryset: QuerySet, *, include_archived: bool = True) -> QuerySet:
    """Rows as the tree and lists show them: unit, owner, children and open flags counted."""
    # A scalar subquery with LIMIT 1 is looked up for the displayed rows only; Exists in
    # the SELECT list would make PostgreSQL hash every open flag first.
    open_flag = Flag.objects.open().filter(objective=OuterRef("pk")).order_by().annotate(t=Value(True)).values("t")[:1]
    # A correlated count, not Count over a join: no GROUP BY over every objective, so a
    # list page walks the (title, id) index and counts children for its 25 rows only.
    kids = Objective.objects.filter(parent=OuterRef("pk"))
    if not include_archived:
        kids = kids.exclude(status=ObjectiveStatus.ARCHIVED)
    children = kids.order_by().values("parent").annotate(n=Count("pk")).values("n")
    return queryset.select_related("unit", "owner").annotate(
        child_count=Coalesce(Subquery(children, output_field=IntegerField()), 0),
        has_open_flag=Coalesce(Subquery(open_flag, output_field=BooleanField()), Value(False)),
    )


def _archived_last():
    return ExpressionWrapper(Q(status=ObjectiveStatus.ARCHIVED), output_field=BooleanField()).asc()


def _unless_archived(queryset: QuerySet, include_archived: bool) -> QuerySet:
    return queryset if include_archived else queryset.exclude(status=ObjectiveStatus.ARCHIVED)


def objective_roots(*, include_archived: bool = True) -> QuerySet:
    """The strategic objectives, archived ones last (or left out)."""
    roots = _unless_archived(Objective.objects.roots(), include_archived)
    return _with_counts(roots, include_archived=include_archived).order_by(_archived_last(), "title", "pk")


def objective_children(objective: Objective, *, include_archived: bool = True) -> QuerySet:
    children = _unless_archived(Objective.objects.filter(parent=objective), include_archived)
    return _with_counts(children, include_archived=include_archived).order_by(_archived_last(), "title", "pk")


def objective_with_counts(pk: int, *, include_archived: bool = True) -> Objective | None:
    return _with_counts(Objective.objects.filter(pk=pk), include_archived=include_archived).first()


def archived_count() -> int:
    return Objective.objects.filter(status=ObjectiveStatus.ARCHIVED).count()


def objective_list(*, q: str = "", unit_id: int | None = None, status: str = "", flagged: bool = False) -> QuerySet:
    queryset = Objective.objects.all()
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(statement__icontains=q))
    if unit_id:
        queryset = queryset.filter(unit__in=Unit.objects.subtree_of([unit_id]))
    if status:
        queryset = queryset.filter(status=status)
    if flagged:
        queryset = queryset.filter(Exists(Flag.objects.open().filter(objective=OuterRef("pk"))))
    return _with_counts(queryset).select_related("parent").order_by("title", "pk")


def objective_search(q: str, *, active_only: bool = False) -> list[Objective]:
    """Objectives a practice or means may be linked to: active (and draft unless ``active_only``)."""
    statuses = [ObjectiveStatus.ACTIVE] if active_only else [ObjectiveStatus.ACTIVE, ObjectiveStatus.DRAFT]
    queryset = Objective.objects.filter(status__in=statuses).select_related("unit", "parent")
    q = q.strip()
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(statement__icontains=q))
    return list(queryset.order_by("title", "pk")[:SEARCH_LIMIT])


@dataclass
class ObjectivePage:
    objective: Objective
    chain: list[Objective]
    children: list[Objective]
    means_links: list
    practice_links: list
    flags: list[Flag]
    history: list
    means_not_shown: int = 0
    practices_not_shown: int = 0


#: How many means and practices an objective page lists; a strategic root can have thousands.
LINKS_SHOWN = 50


def _not_shown(related, shown: list, limit: int) -> int:
    """Links beyond the listed ones (always counted, so the page's queries stay the same)."""
    return related.count() - len(shown)


def objective_page(objective: Objective, *, history_limit: int = 20, links_shown: int = LINKS_SHOWN) -> ObjectivePage:
    """Everything the objective page shows, in a fixed number of queries."""
    # The first links read off the (objective, means/practice) indexes, then sorted by name
    # here: ordering all of a popular objective's links by name costs a sort of them all.
    means_links = sorted(
        objective.means_links.select_related("means", "means__unit", "created_by").order_by("means_id")[:links_shown],
        key=lambda link: (link.means.name, link.pk),
    )
    practice_links = sorted(
        objective.practice_links.select_related("practice", "practice__unit", "created_by").order_by("practice_id")[
            :links_shown
        ],
        key=lambda link: (link.practice.name, link.pk),
    )
    return ObjectivePage(
        objective=objective,
        chain=objective_chain(objective),
        children=list(objective_children(objective)),
        means_links=means_links,
        practice_links=practice_links,
        means_not_shown=_not_shown(objective.means_links, means_links, links_shown),
        practices_not_shown=_not_shown(objective.practice_links, practice_links, links_shown),
        flags=list(objective.flags.unresolved().select_related("acknowledged_by").order_by("-raised_at", "-pk")),
        history=list(
            objective.history.select_related("history_user").order_by("-history_date", "-history_id")[
                : history_limit + 1
            ]
        ),
    )


def objective_chain(objective: Objective) -> list[Objective]:
    """The objective's ancestors, strategic root first, in one query.

    A recursive CTE climbing from the objective: tree_queries' ``ancestors()`` numbers
    the whole tree first (6.8 s at 100,000 objectives) to read a handful of rows.
    """
    table = Objective._meta.db_table
    rows = {
        row.pk: row
        for row in Objective.objects.filter(pk__in=ancestor_ids(table, [objective.parent_id or 0]))
        .select_related("unit")
        .only("pk", "title", "status", "parent", "unit")
    }
    chain, pk = [], objective.parent_id
    while pk in rows and len(chain) < len(rows):  # the length guard ends a loop in bad data
        chain.append(rows[pk])
        pk = rows[pk].parent_id
    return chain[::-1]


def objective_for_page(pk: int) -> Objective | None:
    return Objective.objects.select_related("unit", "owner", "parent").filter(pk=pk).first()


#: How many check-ins a sparkline draws, and how many the objective page lists.
SPARKLINE_POINTS = 12
RECENT_CHECK_INS = 5


@dataclass
class KeyResultCard:
    key_result: KeyResult
    sparkline: str
    can_check_in: bool


def sparkline_points(values: list, *, start, target, width: int = 120, height: int = 28) -> str:
    """SVG polyline points for ``values`` (oldest first), scaled between start, target and what was seen."""
    if not values:
        return ""
    floor = float(min([start, target, *values]))
    ceiling = float(max([start, target, *values]))
    span = (ceiling - floor) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - (float(v) - floor) / span * height, 1)}" for i, v in enumerate(values)
    )


def key_result_cards(objective: Objective, *, user, can_check_in) -> list[KeyResultCard]:
    """The key results of one objective with their sparklines: two queries however many check-ins exist."""
    key_results = list(objective.key_results.select_related("owner").order_by("pk"))
    recent = (
        CheckIn.objects.filter(key_result__objective=objective)
        .annotate(rank=Window(RowNumber(), partition_by=F("key_result_id"), order_by=[F("created_at").desc(), "-pk"]))
        .filter(rank__lte=SPARKLINE_POINTS)
        .values_list("key_result_id", "value")
        .order_by("key_result_id", "created_at", "pk")
    )
    by_key_result: dict[int, list] = {}
    for key_result_id, value in recent:
        by_key_result.setdefault(key_result_id, []).append(value)
    return [
        KeyResultCard(
            key_result=kr,
            sparkline=sparkline_points(by_key_result.get(kr.pk, []), start=kr.start_value, target=kr.target_value),
            can_check_in=can_check_in(user, kr),
        )
        for kr in key_results
    ]


def recent_check_ins(objective: Objective, limit: int = RECENT_CHECK_INS) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(key_result__objective=objective)
        .select_related("key_result", "by")
        .order_by("-created_at", "-pk")[:limit]
    )


def key_result_for_page(pk: int) -> KeyResult | None:
    return KeyResult.objects.select_related("objective", "objective__unit", "owner").filter(pk=pk).first()


def key_result_check_ins(key_result: KeyResult):
    return key_result.check_ins.select_related("by").order_by("-created_at", "-pk")


def key_result_sparkline(key_result: KeyResult) -> str:
    values = list(
        key_result.check_ins.order_by("-created_at", "-pk").values_list("value", flat=True)[:SPARKLINE_POINTS]
    )
    return sparkline_points(values[::-1], start=key_result.start_value, target=key_result.target_value)


def objectives_at_risk(limit: int = 10) -> list[KeyResult]:
    """Key results of active objectives whose owners last said at risk or off track, soonest due first."""
    return list(
        KeyResult.objects.filter(
            confidence__in=[Confidence.AT_RISK, Confidence.OFF_TRACK], objective__status=ObjectiveStatus.ACTIVE
        )
        .select_related("objective", "objective__unit", "owner")
        .order_by(F("due_on").asc(nulls_last=True), "pk")[:limit]
    )


def progress_by_strategic_objective(limit: int = 20) -> list[Objective]:
    """The active strategic roots with their rolled-up progress (kept on the row, never recomputed here)."""
    return list(
        Objective.objects.roots()
        .filter(status=ObjectiveStatus.ACTIVE)
        .select_related("unit")
        .only("pk", "title", "progress", "unit__name")
        .order_by("title", "pk")[:limit]
    )

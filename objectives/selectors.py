"""Composed reads of the strategy for the objective pages.

Each function brings its own ``select_related`` / annotations so a page costs the same
number of queries whatever the size of the organisation. Means and practices are
reached through reverse relations by name: ``objectives`` sits below ``practices`` in
the import layers and never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from alignment.models import Flag
from objectives.models import Objective, ObjectiveStatus
from org.models import Unit

#: How many matches the search-as-you-type fragment shows at most.
SEARCH_LIMIT = 20


def _with_counts(queryset: QuerySet, *, include_archived: bool = True) -> QuerySet:
    """Rows as the tree and lists show them: unit, owner, children and open flags counted."""
    open_flags = Flag.objects.open().filter(objective=OuterRef("pk"))
    shown = None if include_archived else ~Q(children__status=ObjectiveStatus.ARCHIVED)
    return queryset.select_related("unit", "owner").annotate(
        child_count=Count("children", distinct=True, filter=shown),
        has_open_flag=Exists(open_flags),
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


def parent_choices() -> QuerySet:
    """Objectives that can be chosen as a new parent (the service refuses cycles and archives)."""
    return Objective.objects.exclude(status=ObjectiveStatus.ARCHIVED).select_related("unit").order_by("title", "pk")


@dataclass
class ObjectivePage:
    objective: Objective
    chain: list[Objective]
    children: list[Objective]
    means_links: list
    practice_links: list
    flags: list[Flag]
    history: list


def objective_page(objective: Objective, *, history_limit: int = 20) -> ObjectivePage:
    """Everything the objective page shows, in a fixed number of queries."""
    chain = list(
        Objective.objects.ancestors(objective).select_related("unit").only("pk", "title", "status", "parent", "unit")
    )
    return ObjectivePage(
        objective=objective,
        chain=chain,
        children=list(objective_children(objective)),
        means_links=list(
            objective.means_links.select_related("means", "means__unit", "created_by").order_by("means__name", "pk")
        ),
        practice_links=list(
            objective.practice_links.select_related("practice", "practice__unit", "created_by").order_by(
                "practice__name", "pk"
            )
        ),
        flags=list(objective.flags.unresolved().select_related("acknowledged_by").order_by("-raised_at", "-pk")),
        history=list(
            objective.history.select_related("history_user").order_by("-history_date", "-history_id")[
                : history_limit + 1
            ]
        ),
    )


def objective_for_page(pk: int) -> Objective | None:
    return Objective.objects.select_related("unit", "owner", "parent").filter(pk=pk).first()

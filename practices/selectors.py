"""Composed reads for the means and practice pages; each brings its own joins so pages stay constant in queries."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from alignment.models import Flag
from org import roles
from org.models import Unit
from practices.models import (
    Means,
    Practice,
    PracticeMeans,
    Practitioner,
)

#: How many candidates a search-as-you-type list shows at most.
SEARCH_LIMIT = 10


def _open_flag_exists(column: str) -> Exists:
    """For filtering: PostgreSQL turns it into a semi-join."""
    return Exists(Flag.objects.open().filter(**{column: OuterRef("pk")}))


def open_flag_mark(column: str) -> Coalesce:
    """For display: whether the row has an open flag, looked up row by row on the flag's index.

    ``Exists`` in the SELECT list makes PostgreSQL hash every open flag first (it plans
    for the whole list, not for the page): 100 ms at a million practices. A scalar
    subquery with LIMIT 1 is looked up for the page's rows only.
    """
    found = Flag.objects.open().filter(**{column: OuterRef("pk")}).order_by().annotate(t=Value(True)).values("t")[:1]
    return Coalesce(Subquery(found, output_field=BooleanField()), Value(False))


def _count_of(queryset: QuerySet, column: str, counted: str) -> Coalesce:
    """How many rows of ``queryset`` point at the outer row, as a correlated subquery.

    Unlike ``Count`` over a join, it needs no GROUP BY over the whole list: PostgreSQL
    walks the list's ordering index and counts for the page's 25 rows only.
    """
    counted = queryset.filter(**{column: OuterRef("pk")}).order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def means_list(
    *, q: str = "", unit: Unit | None = None, kind: str = "", status: str = "", flagged: bool | None = None
) -> QuerySet[Means]:
    """Means matching the list filters; ``unit`` covers its whole subtree."""
    qs = Means.objects.select_related("unit", "owner").annotate(
        has_open_flag=open_flag_mark("means"),
        practice_count=_count_of(PracticeMeans.objects.all(), "means", "practice"),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if unit is not None:
        qs = qs.filter(unit__in=Unit.objects.subtree_of([unit.pk]))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if flagged is not None:
        qs = qs.filter(_open_flag_exists("means") if flagged else ~_open_flag_exists("means"))
    return qs.order_by("name", "pk")


def practice_list(
    *, q: str = "", unit: Unit | None = None, status: str = "", flagged: bool | None = None
) -> QuerySet[Practice]:
    """Practices matching the list filters, with how many people practise each."""
    qs = Practice.objects.select_related("unit", "owner").annotate(
        has_open_flag=open_flag_mark("practice"),
        practitioner_count=_count_of(Practitioner.objects.all(), "practice", "user"),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if unit is not None:
        qs = qs.filter(unit__in=Unit.objects.subtree_of([unit.pk]))
    if status:
        qs = qs.filter(status=status)
    if flagged is not None:
        qs = qs.filter(_open_flag_exists("practice") if flagged else ~_open_flag_exists("practice"))
    return qs.order_by("name", "pk")


def means_detail(pk: int) -> Means | None:
    return Means.objects.select_related("unit", "owner").filter(pk=pk).first()


def _practice_page(pk: int) -> QuerySet[Practice]:
    # A subquery, not Count over a join: no GROUP BY over every column of the practice,
    # its unit and its people on each visit of its page.
    return (
        Practice.objects.select_related("unit", "owner", "proposed_by")
        .annotate(practitioner_count=_count_of(Practitioner.objects.all(), "practice", "user"))
        .filter(pk=pk)
        .order_by()
    )


def practice_shown(pk: int) -> Practice | None:
    """The practice as its page shows it to everyone: its unit, its people, how many practise it."""
    return _practice_page(pk).first()


def practised_ids(user) -> frozenset[int]:
    """The practices ``user`` says they practise (a person practises tens, not thousands)."""
    return frozenset(Practitioner.objects.filter(user_id=user.pk).values_list("practice_id", flat=True))


def practice_detail(pk: int, *, user) -> Practice | None:
    """The practice with its practitioner count and whether ``user`` practises it."""
    mine = Practitioner.objects.filter(practice=OuterRef("pk"), user_id=user.pk)
    return _practice_page(pk).annotate(is_practised_by_me=Exists(mine)).first()


def unresolved_flags(*, practice: Practice | None = None, means: Means | None = None) -> list[Flag]:
    """Flags still standing on one record: open ones first, then accepted exceptions."""
    qs = Flag.objects.unresolved().select_related("acknowledged_by")
    qs = qs.filter(practice=practice) if practice is not None else qs.filter(means=means)
    return sorted(qs, key=lambda flag: (flag.acknowledged_at is not None, -flag.raised_at.timestamp()))


def practice_means_links(practice: Practice) -> list[PracticeMeans]:
    """The means a practice relies on, with who linked them and why."""
    return list(
        PracticeMeans.objects.filter(practice=practice)
        .select_related("means", "created_by")
        .order_by("means__name", "pk")
    )


#: How many practices a means page lists; a means the whole organisation uses has tens of thousands.
LINKS_SHOWN = 50


def means_practice_links(means: Means, *, limit: int = LINKS_SHOWN) -> list[PracticeMeans]:
    """Up to ``limit`` practices that use a means (the longest-standing), by name, with why and practitioners."""
    practitioners = (
        Practitioner.objects.filter(practice=OuterRef("practice_id"))
        .order_by()
        .values("practice")
        .annotate(n=Count("user"))
        .values("n")
    )
    # The first ``limit`` read off the (means, practice) index, then sorted by name here:
    # ordering the whole set by name walked a million practice names, or fetched every
    # one of a popular means' 4,000 links, to show 50 (200+ ms either way).
    links = (
        PracticeMeans.objects.filter(means=means)
        .select_related("practice", "practice__unit", "created_by")
        .annotate(practitioner_count=Coalesce(Subquery(practitioners, output_field=IntegerField()), 0))
        .order_by("practice_id")[:limit]
    )
    return sorted(links, key=lambda link: (link.practice.name, link.pk))


def means_practice_count(means: Means) -> int:
    """How many practices use a means (read off the (means, practice) index)."""
    return PracticeMeans.objects.filter(means=means).count()


def means_candidates(q: str = "", *, exclude_practice: int | None = None) -> list[Means]:
    """Means still in use that a practice could rely on, matching ``q``."""
    qs = Means.objects.active().select_related("unit")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if exclude_practice is not None:
        qs = qs.exclude(pk__in=PracticeMeans.objects.filter(practice_id=exclude_practice).values("means_id"))
    return list(qs.order_by("name", "pk")[:SEARCH_LIMIT])


def proposals_to_decide(user) -> QuerySet[Practice]:
    """Proposals waiting in the units ``user`` manages (none for someone who manages nothing)."""
    return (
        Practice.objects.proposed()
        .filter(unit_id__in=roles.managed_unit_ids(user))
        .select_related("unit", "proposed_by")
        .order_by("created_at", "pk")
    )


def my_proposals(user) -> QuerySet[Practice]:
    """What ``user`` proposed, and what became of it."""
    return (
        Practice.objects.filter(proposed_by=user)
        .select_related("unit")
        .annotate(practitioner_count=Count("practitioners", distinct=True))
        .order_by("-created_at", "-pk")
    )


def units_for_filter() -> list[Unit]:
    return list(Unit.objects.order_by("name", "pk"))


def managed_units(user) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=roles.managed_unit_ids(user)).order_by("name", "pk")

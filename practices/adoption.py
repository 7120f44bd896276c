"""Adoption: who practises a practice, against whom it is meant for.

A practice (or a means) is meant for the people of its audience units and the units
below them (its own unit when none is named), optionally of one role. Its adoption is
the share of those people who say "I practise this"; someone practising from outside the
audience is welcome but does not count. A means is adopted by whoever practises an active
practice relying on it.

The rate is stored on the practice after every change that can move it (someone starts
or stops, the audience changes) and once a day by the sweep for the practices people
practise (memberships change the denominators), with one row per practice and day so the
page can draw it over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from org.models import Membership, Unit
from practices.models import AdoptionDay, Means, Practice, PracticeMeans, PracticeStatus, Practitioner

#: Below this share of its audience, an active practice is shown to its managers as little adopted.
LOW_ADOPTION = 0.2


@dataclass(frozen=True)
class Adoption:
    practising: int
    audience: int

    @property
    def rate(self) -> float | None:
        return self.practising / self.audience if self.audience else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return round(rate * 100) if rate is not None else None

    @property
    def is_low(self) -> bool:
        return self.rate is not None and self.rate < LOW_ADOPTION


def audience_user_ids(record: Practice | Means) -> QuerySet:
    """The people a practice or means is meant for (a subquery of user ids)."""
    roots = list(record.audience_units.values_list("pk", flat=True)) or [record.unit_id]
    memberships = Membership.objects.filter(unit__in=Unit.objects.subtree_of(roots), user__is_active=True)
    if record.audience_role:
        memberships = memberships.filter(role=record.audience_role)
    return memberships.values("user_id").distinct()


def practice_adoption(practice: Practice) -> Adoption:
    audience = audience_user_ids(practice)
    counts = Practitioner.objects.filter(practice=practice, user_id__in=audience).aggregate(n=Count("user_id"))
    return Adoption(practising=counts["n"], audience=audience.count())


def means_adoption(means: Means) -> Adoption:
    """People of the means' audience who practise an active practice that relies on it."""
    audience = audience_user_ids(means)
    practices = PracticeMeans.objects.filter(means=means, practice__status=PracticeStatus.ACTIVE).values("practice_id")
    practising = (
        Practitioner.objects.filter(practice_id__in=practices, user_id__in=audience)
        .values("user_id")
        .distinct()
        .count()
    )
    return Adoption(practising=practising, audience=audience.count())


@transaction.atomic
def refresh_practice(practice: Practice) -> Adoption:
    """Measure a practice's adoption now, store it, and keep today's point of its curve."""
    adoption = practice_adoption(practice)
    Practice.objects.filter(pk=practice.pk).update(adoption=adoption.rate)
    practice.adoption = adoption.rate
    AdoptionDay.objects.update_or_create(
        practice=practice,
        day=timezone.localdate(),
        defaults={"practising": adoption.practising, "audience": adoption.audience},
    )
    return adoption


def refresh_practised() -> int:
    """The sweep's repair: re-measure every practice somebody practises or that names its audience."""
    ids = (
        Practice.objects.filter(Q(pk__in=Practitioner.objects.values("practice_id")) | Q(audience_units__isnull=False))
        .values_list("pk", flat=True)
        .distinct()
    )
    count = 0
    for practice in Practice.objects.filter(pk__in=list(ids)).iterator(chunk_size=500):
        refresh_practice(practice)
        count += 1
    return count


def adoption_curve(practice: Practice, *, days: int = 90) -> list[AdoptionDay]:
    since = timezone.localdate() - timedelta(days=days)
    return list(practice.adoption_days.filter(day__gte=since).order_by("day"))

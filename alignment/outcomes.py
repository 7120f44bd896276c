"""What the dashboard shows of outcomes: progress of the strategy, key results at risk, adoption.

Each read is bounded whatever the organisation's size: progress is kept on the strategic
objectives by ``objectives.progress``, key results at risk and little-adopted practices are
read through their indexes with a limit, and adoption per unit counts memberships (people,
not practices) in one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from objectives import selectors as objective_selectors
from objectives.models import KeyResult, Objective, ObjectiveStatus
from org import roles
from org.models import Membership, Unit
from practices.adoption import LOW_ADOPTION
from practices.models import Practice, PracticeObjective, PracticeStatus, Practitioner

#: How many rows each list of the dashboard shows.
LIST_LIMIT = 8


@dataclass
class UnitAdoption:
    unit: Unit
    people: int = 0
    practising: int = 0

    @property
    def percent(self) -> int | None:
        return round(self.practising * 100 / self.people) if self.people else None


@dataclass
class Outcomes:
    roots: list[Objective]
    at_risk: list[KeyResult]
    people: int
    practising: int
    by_unit: list[UnitAdoption] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return round(self.practising * 100 / self.people) if self.people else None


def _adoption_by_unit() -> tuple[int, int, list[UnitAdoption]]:
    """People with a membership, those who practise something, overall and per unit below the top."""
    units = {u.pk: u for u in Unit.objects.only("pk", "name", "parent_id")}
    tops = [u for u in units.values() if u.parent_id is not None and units.get(u.parent_id, u).parent_id is None]

    def top_of(unit_id: int) -> int | None:
        seen = set()
        while unit_id in units and unit_id not in seen:
            seen.add(unit_id)
            parent = units[unit_id].parent_id
            if parent is None or units[parent].parent_id is None:
                return unit_id if parent is not None else None
            unit_id = parent
        return None

    rows = (
        Membership.objects.filter(user__is_active=True)
        .annotate(practising=Exists(Practitioner.objects.filter(user_id=OuterRef("user_id"))))
        .values_list("user_id", "unit_id", "practising")
    )
    people, practising = set(), set()
    per_unit = {u.pk: (set(), set()) for u in tops}
    for user_id, unit_id, does in rows:
        people.add(user_id)
        if does:
            practising.add(user_id)
        top = top_of(unit_id)
        if top in per_unit:
            per_unit[top][0].add(user_id)
            if does:
                per_unit[top][1].add(user_id)
    by_unit = [
        UnitAdoption(unit=units[pk], people=len(everyone), practising=len(doers))
        for pk, (everyone, doers) in per_unit.items()
    ]
    by_unit.sort(key=lambda row: (row.percent is None, row.percent or 0, row.unit.name))
    return len(people), len(practising), by_unit[:LIST_LIMIT]


def little_adopted(user) -> list[Practice]:
    """Active practices of the units ``user`` manages that live an active objective and few practise."""
    managed = roles.managed_unit_ids(user)
    if not managed:
        return []
    living_an_objective = PracticeObjective.objects.filter(
        practice_id=OuterRef("pk"), objective__status=ObjectiveStatus.ACTIVE
    )
    return list(
        Practice.objects.filter(unit_id__in=list(managed), status=PracticeStatus.ACTIVE)
        .filter(Q(adoption__lt=LOW_ADOPTION))
        .filter(Exists(living_an_objective))
        .select_related("unit")
        .order_by("adoption", "name", "pk")[:LIST_LIMIT]
    )


def outcomes() -> Outcomes:
    """The organisation's outcomes, the same for everyone (``little_adopted`` is per manager)."""
    people, practising, by_unit = _adoption_by_unit()
    return Outcomes(
        roots=objective_selectors.progress_by_strategic_objective(),
        at_risk=objective_selectors.objectives_at_risk(LIST_LIMIT),
        people=people,
        practising=practising,
        by_unit=by_unit,
    )

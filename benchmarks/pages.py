"""The pages people open, as the page benchmark and the query-count test request them.

One list for both, so a page added here is measured at a million practices by
``manage.py bench_pages`` and kept constant in queries by the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.db import connection
from django.urls import reverse

from alignment.models import Flag
from objectives.models import Objective
from org.models import Membership, Role, Unit
from practices.models import Means, Practice, PracticeMeans, PracticeObjective


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    #: Sent with ``HX-Request: true`` (a region swapped in place).
    htmx: bool = False


@dataclass(frozen=True)
class Subjects:
    """Records the pages are opened on: the busiest ones, where a page is heaviest."""

    root_objective: int
    objective: int
    means: int
    practice: int
    flag: int | None
    unit: int


def _busiest(table: str, column: str) -> int | None:
    # Table and column names are ours, not input.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else None


def subjects(unit_id: int) -> Subjects:
    """The busiest objective and means (most links), a flagged practice, an open flag."""
    root = Objective.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    objective = _busiest(PracticeObjective._meta.db_table, "objective_id") or root
    means = (
        _busiest(PracticeMeans._meta.db_table, "means_id")
        or Means.objects.order_by("pk").values_list("pk", flat=True).first()
    )
    flag = Flag.objects.open().filter(practice__isnull=False).order_by("pk").values_list("pk", "practice_id").first()
    practice = flag[1] if flag else Practice.objects.order_by("pk").values_list("pk", flat=True).first()
    return Subjects(root, objective, means, practice, flag[0] if flag else None, unit_id)


def pages(s: Subjects) -> list[Page]:
    """Every page route a person reads, with the records of ``s``."""
    found = [
        Page("dashboard", reverse("dashboard")),
        Page("objective tree", reverse("objectives:tree")),
        Page("objective children (htmx)", reverse("objectives:children", args=[s.root_objective]), htmx=True),
        Page("objective list", reverse("objectives:list")),
        Page("objective list, unit", f"{reverse('objectives:list')}?unit={s.unit}"),
        Page("objective list, search", f"{reverse('objectives:list')}?q={quote('Objective 12')}"),
        Page("objective detail, root", reverse("objectives:detail", args=[s.root_objective])),
        Page("objective detail, busiest", reverse("objectives:detail", args=[s.objective])),
        Page("practice list", reverse("practices:practice_list")),
        Page("practice list, unit", f"{reverse('practices:practice_list')}?unit={s.unit}"),
        Page("practice list, search", f"{reverse('practices:practice_list')}?q={quote('Practice 12')}"),
        Page("practice detail (why)", reverse("practices:practice_detail", args=[s.practice])),
        Page("means list", reverse("practices:means_list")),
        Page("means list, unit", f"{reverse('practices:means_list')}?unit={s.unit}"),
        Page("means detail, busiest (why)", reverse("practices:means_detail", args=[s.means])),
        Page("proposals", reverse("practices:proposals")),
        Page("notifications", reverse("notifications")),
        Page("flags inbox", reverse("flags_inbox")),
        Page("flags inbox, everyone's", f"{reverse('flags_inbox')}?scope=all"),
        Page("strategy map", reverse("strategy_map")),
        Page("strategy map, unit", f"{reverse('strategy_map')}?unit={s.unit}"),
        Page("objective search", f"{reverse('objectives:search')}?q={quote('Objective 1')}", htmx=True),
        Page("means search", f"{reverse('practices:means_search')}?q={quote('Means 1')}", htmx=True),
        Page("healthz", reverse("healthz")),
    ]
    if s.flag is not None:
        found.insert(found.index(next(p for p in found if p.label == "strategy map")), _flag_page(s.flag))
    return found


def _flag_page(pk: int) -> Page:
    return Page("flag detail", reverse("flag_detail", args=[pk]))


#: The three people the benchmark signs in as: user name, role, which unit.
PERSONAS = (
    ("bench-executive", Role.EXECUTIVE, "root"),
    ("bench-manager", Role.MANAGER, "division"),
    ("bench-employee", Role.EMPLOYEE, "team"),
)


def persona_units() -> dict[str, int]:
    """The root unit, a division right below it, and a team below that division (or the deepest available)."""
    root = Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    division = Unit.objects.filter(parent_id=root).order_by("pk").values_list("pk", flat=True).first() or root
    team = Unit.objects.filter(parent_id=division).order_by("pk").values_list("pk", flat=True).first() or division
    return {"root": root, "division": division, "team": team}


def ensure_personas(password: str) -> dict[str, tuple[int, int]]:
    """Create (or reset) the three personas and their memberships; returns name -> (user id, unit id)."""
    from django.contrib.auth import get_user_model

    units = persona_units()
    people = {}
    for username, role, where in PERSONAS:
        user, _created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": "Bench", "last_name": role.label}
        )
        user.set_password(password)
        user.is_active = True
        user.save()
        Membership.objects.filter(user=user).exclude(unit_id=units[where]).delete()
        Membership.objects.update_or_create(user=user, unit_id=units[where], defaults={"role": role})
        people[username] = (user.pk, units[where])
    return people

"""The dashboard's figures, kept by the engine, equal a recomputation from scratch.

The recomputation here walks the graph in Python from its definitions (a practice or
means is aligned when one of its objectives has a chain of active objectives up to an
active root), independently of the flags and of ``alignment.figures``. After random
changes through the live path, and after a sweep, the tables must say the same.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from alignment import engine, figures, selectors, services, tasks
from alignment.models import (
    Flag,
    FlagDay,
    FlagKind,
    ObjectiveCoverage,
    OpenFlagCount,
    UnitFigures,
)
from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, MeansObjective, MeansStatus, Practice, PracticeObjective, PracticeStatus
from tests.alignment.test_engine_scope import _mutate, _random_org, _set
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose on-commit callbacks (the live re-check) run at its end."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


# --- From scratch -----------------------------------------------------------------------


def expected() -> dict:
    objectives = {o.pk: o for o in Objective.objects.all()}

    def chain(pk):
        seen = []
        while pk is not None and pk not in seen:
            seen.append(pk)
            pk = objectives[pk].parent_id
        return seen

    def rooted(pk):
        ids = chain(pk)
        return objectives[ids[-1]].parent_id is None and all(
            objectives[i].status == ObjectiveStatus.ACTIVE for i in ids
        )

    def root_of(pk):
        top = chain(pk)[-1]
        return top if objectives[top].parent_id is None else None

    practice_links = defaultdict(set)
    for practice_id, objective_id in PracticeObjective.objects.values_list("practice_id", "objective_id"):
        practice_links[practice_id].add(objective_id)
    means_links = defaultdict(set)
    for means_id, objective_id in MeansObjective.objects.values_list("means_id", "objective_id"):
        means_links[means_id].add(objective_id)

    units = defaultdict(lambda: [0, 0, 0, 0])
    coverage = {pk: [set(), set()] for pk, o in objectives.items() if o.parent_id is None}
    for practice in Practice.objects.filter(status=PracticeStatus.ACTIVE):
        row = units[practice.unit_id]
        row[0] += 1
        row[1] += any(rooted(o) for o in practice_links[practice.pk])
        for o in practice_links[practice.pk]:
            if root_of(o) in coverage:
                coverage[root_of(o)][1].add(practice.pk)
    for means in Means.objects.filter(status=MeansStatus.ACTIVE):
        row = units[means.unit_id]
        row[2] += 1
        row[3] += any(rooted(o) for o in means_links[means.pk])
        for o in means_links[means.pk]:
            if root_of(o) in coverage:
                coverage[root_of(o)][0].add(means.pk)

    open_counts = Counter()
    for flag in Flag.objects.open().select_related("practice", "means", "objective"):
        open_counts[(flag.subject.unit_id, flag.kind)] += 1

    tz = timezone.get_default_timezone()
    first = timezone.localdate(timezone.now(), tz) - timedelta(days=figures.TREND_DAYS - 1)
    trend = defaultdict(lambda: [0, 0])
    for raised_at, resolved_at in Flag.objects.values_list("raised_at", "resolved_at"):
        if timezone.localdate(raised_at, tz) >= first:
            trend[timezone.localdate(raised_at, tz)][0] += 1
        if resolved_at and timezone.localdate(resolved_at, tz) >= first:
            trend[timezone.localdate(resolved_at, tz)][1] += 1

    return {
        "units": {unit: tuple(row) for unit, row in units.items()},
        "open": dict(open_counts),
        "coverage": {pk: (len(m), len(p)) for pk, (m, p) in coverage.items()},
        "trend": {day: tuple(row) for day, row in trend.items()},
    }


def kept() -> dict:
    """What the engine's tables say (rows of zeros and stale rows of former roots left out)."""
    roots = set(Objective.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    tz = timezone.get_default_timezone()
    first = timezone.localdate(timezone.now(), tz) - timedelta(days=figures.TREND_DAYS - 1)
    return {
        "units": {
            row.unit_id: (row.practices, row.practices_aligned, row.means, row.means_aligned)
            for row in UnitFigures.objects.all()
            if row.practices or row.means
        },
        "open": {(row.unit_id, row.kind): row.count for row in OpenFlagCount.objects.all() if row.count},
        "coverage": {
            **dict.fromkeys(roots, (0, 0)),
            **{
                row["objective_id"]: (row["m"], row["p"])
                for row in ObjectiveCoverage.objects.filter(objective_id__in=roots)
                .values("objective_id")
                .annotate(m=Sum("means"), p=Sum("practices"))
                .order_by()
            },
        },
        "trend": {
            row.day: (row.raised, row.resolved)
            for row in FlagDay.objects.filter(day__gte=first)
            if row.raised or row.resolved
        },
    }


def assert_figures_right(what: str) -> None:
    want, have = expected(), kept()
    for part in want:
        assert have[part] == want[part], f"{part} after {what}"


def _move_to_another_unit(rng: random.Random, units) -> str:
    model = rng.choice([Practice, Means, Objective])
    record = rng.choice(list(model.objects.all()))
    _set(record, unit=rng.choice([u for u in units if u.pk != record.unit_id]))
    return f"move a {model.__name__} to another unit"


# --- The live path and the sweep ---------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_changes_keep_the_figures_equal_to_a_recomputation(org, seed, committed):
    rng = random.Random(seed)
    units = [org.north, org.south, org.company]
    with committed():
        _random_org(rng, org.north)
        _random_org(rng, org.south)
    assert_figures_right("building the organisation")
    assert UnitFigures.objects.exists()
    for step in range(50):
        with committed():
            moving = rng.random() < 0.15
            action = _move_to_another_unit(rng, units) if moving else _mutate(rng, rng.choice(units))
        assert_figures_right(f"step {step} ({action}, seed {seed})")
    # The sweep finds nothing to repair, and repairs what a bulk change left behind.
    engine.sweep()
    assert_figures_right("a sweep")
    Practice.objects.filter(status=PracticeStatus.ACTIVE).update(status=PracticeStatus.RETIRED)  # no signals
    UnitFigures.objects.update(practices=999)
    FlagDay.objects.all().delete()
    engine.sweep()
    assert_figures_right("a sweep after bulk changes")


def test_two_rechecks_on_the_same_unit_converge(org, committed):
    """Each refresh recounts from the base tables: the order they run in does not matter."""
    goal = ObjectiveFactory(unit=org.north)
    with committed():
        first = PracticeFactory(unit=org.north)
        second = PracticeFactory(unit=org.north)
        PracticeObjectiveFactory(practice=first, objective=goal)
    # A re-check that ran before the second practice was linked, applied last, still
    # recounts the unit as it stands.
    PracticeObjective.objects.create(practice=second, objective=goal, rationale="r")
    engine.recheck(engine.Scope.of(practice_ids=[first.pk]))
    engine.recheck(engine.Scope.of(practice_ids=[second.pk]))
    engine.recheck(engine.Scope.of(practice_ids=[first.pk]))
    assert_figures_right("re-checks in any order")
    assert UnitFigures.objects.get(unit=org.north).practices_aligned == 2


def test_tasks_are_idempotent(org, committed):
    rng = random.Random(9)
    with committed():
        _random_org(rng, org.north)
    practice = Practice.objects.order_by("pk").first()
    PracticeObjective.objects.filter(practice=practice).delete()  # no re-check yet
    kwargs = engine.Scope.of(practice_ids=[practice.pk], unit_ids=[org.north.pk]).as_task_kwargs()
    tasks.recheck_task.apply(kwargs=kwargs).get()
    once = (kept(), sorted(Flag.objects.values_list("pk", "kind", "resolved_at")))
    tasks.recheck_task.apply(kwargs=kwargs).get()
    assert (kept(), sorted(Flag.objects.values_list("pk", "kind", "resolved_at"))) == once
    tasks.sweep_task.apply().get()
    swept = (kept(), sorted(Flag.objects.values_list("pk", "kind", "resolved_at")))
    tasks.sweep_task.apply().get()
    assert (kept(), sorted(Flag.objects.values_list("pk", "kind", "resolved_at"))) == swept
    assert_figures_right("two sweeps")


def test_acknowledging_a_flag_takes_it_out_of_the_open_counts(org, committed, manager):
    with committed():
        lone = PracticeFactory(unit=org.north)
    flag = Flag.objects.get(practice=lone, kind=FlagKind.ORPHAN_PRACTICE)
    assert OpenFlagCount.objects.get(unit=org.north, kind=FlagKind.ORPHAN_PRACTICE).count == 1
    services.flag_acknowledge(flag=flag, by=manager, reason="A pilot, on purpose.")
    assert not OpenFlagCount.objects.filter(unit=org.north, kind=FlagKind.ORPHAN_PRACTICE, count__gt=0).exists()
    # Still unresolved: still not aligned.
    assert UnitFigures.objects.get(unit=org.north).practices_aligned == 0
    assert_figures_right("an acknowledgement")


def test_the_trend_counts_what_each_run_raised_and_resolved_on_its_day(org, committed):
    yesterday = timezone.now() - timedelta(days=1)
    lone = PracticeFactory(unit=org.north)
    engine.run(engine.Scope.of(practice_ids=[lone.pk]), now=yesterday)
    goal = ObjectiveFactory(unit=org.north)
    with committed():
        PracticeObjectiveFactory(practice=lone, objective=goal)
    trend = selectors.flag_trend()
    assert (trend[-2].raised, trend[-1].resolved) == (1, 1)
    assert_figures_right("a flag raised yesterday and resolved today")


# --- One definition of "aligned" --------------------------------------------------------------


def test_a_means_below_a_broken_chain_is_flagged_and_not_counted(org, committed):
    root = ObjectiveFactory(unit=org.company, parent=None)
    paused = ObjectiveFactory(unit=org.north, parent=root, status=ObjectiveStatus.ARCHIVED)
    below = ObjectiveFactory(unit=org.north, parent=paused)
    with committed():
        cms = MeansFactory(unit=org.north, name="Intranet CMS")
        MeansObjectiveFactory(means=cms, objective=below)
    flag = Flag.objects.get(means=cms)
    assert flag.kind == FlagKind.UNROOTED_MEANS
    assert selectors.alignment_score().means_rooted == 0
    with committed():
        _set(paused, status=ObjectiveStatus.ACTIVE)
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert selectors.alignment_score().means_rooted == 1
    # Purposeless (nothing active served) and unrooted (served, but broken above) never overlap.
    with committed():
        MeansObjective.objects.filter(means=cms).delete()
    assert set(Flag.objects.unresolved().filter(means=cms).values_list("kind", flat=True)) == {
        FlagKind.PURPOSELESS_MEANS
    }


def test_the_flag_page_says_why_a_means_is_unrooted(client, employee, org, committed):
    root = ObjectiveFactory(unit=org.company, parent=None)
    draft = ObjectiveFactory(unit=org.north, parent=root, status=ObjectiveStatus.DRAFT)
    with committed():
        cms = MeansFactory(unit=org.north, name="Intranet CMS")
        MeansObjectiveFactory(means=cms, objective=ObjectiveFactory(unit=org.north, parent=draft))
    client.force_login(employee)
    page = client.get(reverse("flag_detail", args=[Flag.objects.get(means=cms).pk])).content.decode()
    assert "none of their chains reaches an active strategic objective" in page


# --- The page ---------------------------------------------------------------------------------


def _grow(org, n: int, committed) -> None:
    with committed():
        for i in range(n):
            root = ObjectiveFactory(unit=org.company, parent=None, title=f"Root {i}")
            goal = ObjectiveFactory(unit=org.north, parent=root)
            practice = PracticeFactory(unit=org.north)
            means = MeansFactory(unit=org.south)
            PracticeObjectiveFactory(practice=practice, objective=goal)
            MeansObjectiveFactory(means=means, objective=goal)
            PracticeMeansFactory(practice=practice, means=means)
            PracticeFactory(unit=org.south)  # orphan
            MeansFactory(unit=org.north)  # purposeless


def test_dashboard_query_count_does_not_grow_with_the_organisation(
    client, executive, org, committed, django_assert_max_num_queries
):
    client.force_login(executive)
    _grow(org, 2, committed)
    with django_assert_max_num_queries(24) as small:
        client.get(reverse("dashboard"))
    _grow(org, 25, committed)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("dashboard"))
    data = response.context["data"]
    assert data.score.practices_total == 27 * 2
    assert data.score.practices_rooted == 27
    assert data.open_total == 27 * 2
    assert len(data.coverage) == 27


def test_dashboard_lists_the_most_flagged_units_and_counts_the_rest(client, employee, org, committed, monkeypatch):
    monkeypatch.setattr(selectors, "DASHBOARD_UNITS", 1)
    monkeypatch.setattr(selectors.open_flags_by_unit, "__defaults__", (1,))
    with committed():
        PracticeFactory(unit=org.north)
        PracticeFactory(unit=org.north)
        PracticeFactory(unit=org.south)
    client.force_login(employee)
    response = client.get(reverse("dashboard"))
    assert response.context["data"].by_unit.rows == [{"unit_pk": org.north.pk, "unit_name": org.north.name, "count": 2}]
    assert "And 1 more unit with open flags." in response.content.decode()


def test_a_change_reaching_many_units_recounts_everything_at_once(org, committed, monkeypatch):
    monkeypatch.setattr(engine, "FIGURES_SCOPED_UNITS", 1)
    calls = []
    real = figures.refresh_all
    monkeypatch.setattr(figures, "refresh_all", lambda **kw: (calls.append(kw), real(**kw)))
    root = ObjectiveFactory(unit=org.company, parent=None)
    goal = ObjectiveFactory(unit=org.company, parent=root)
    with committed():
        for unit in (org.north, org.south):
            PracticeObjectiveFactory(practice=PracticeFactory(unit=unit), objective=goal)
    calls.clear()
    with committed():
        _set(goal, status=ObjectiveStatus.DRAFT)
    assert calls, "two units reached: one full recount"
    assert_figures_right("a change reaching many units")

"""The scoped re-check reaches the same flags as a full sweep, whatever the change.

Each change goes through the live path (signals → one re-check after commit, in-process
as in the embedded default); a full run afterwards must then find nothing to raise and
nothing to resolve. If a scope missed something the change affects, it would.
"""

from __future__ import annotations

import random

import pytest

from alignment import engine, live
from alignment.models import Flag
from objectives.models import Objective, ObjectiveStatus
from practices.models import (
    Means,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)
from tests.alignment import oracle
from tests.alignment.conftest import build_graph, engine_flags, open_flags
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
    """A block whose on-commit callbacks run at its end, as if it had committed.

    (test_engine_live.py does the same on real commits; this keeps these many cases fast.)
    """

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def settled(committed, org):
    """The aligned graph, created through the live path like everything after it."""
    with committed():
        return build_graph(org.north)


@pytest.fixture
def enqueued(monkeypatch):
    """The scopes the live path hands over, still handed over for real."""
    scopes = []
    real = live.enqueue

    def spy(scope):
        scopes.append(scope)
        real(scope)

    monkeypatch.setattr(live, "enqueue", spy)
    return scopes


def assert_full_run_agrees(what: str) -> None:
    """The live path left what a full run would, and what the oracle says is due."""
    expected = oracle.expected_flags(oracle.Snapshot.load())
    results = engine.run()
    drift = {r.kind.value: (r.raised, r.resolved) for r in results if r.raised or r.resolved}
    assert not drift, f"after {what}, a full run still had to change (raised, resolved): {drift}"
    assert engine_flags() == expected, f"after {what}, the engine and the oracle disagree"


def test_scope_counts_and_task_arguments():
    scope = engine.Scope.of([3, 1, None], [2], ["7"], [5], [9, None])
    assert len(scope) == 6
    assert scope.as_task_kwargs() == {
        "practice_ids": [1, 3],
        "means_ids": [2],
        "objective_ids": [7],
        "moved_objective_ids": [5],
        "unit_ids": [9],
        "key_result_ids": [],
    }
    assert engine.recheck(engine.Scope()) == []


CHANGES = {
    "unlink practice from objective": lambda g: PracticeObjective.objects.get(
        practice=g.first, objective=g.leaf
    ).delete(),
    "unlink the only practice of a subtree": lambda g: PracticeObjective.objects.get(
        practice=g.third, objective=g.side
    ).delete(),
    "link a means from another branch": lambda g: PracticeMeansFactory(practice=g.first, means=g.kit),
    "unserve the only means of a subtree": lambda g: MeansObjective.objects.get(means=g.kit).delete(),
    "serve the root": lambda g: MeansObjectiveFactory(means=g.kit, objective=g.root),
    "retire a practice": lambda g: _set(g.third, status=PracticeStatus.RETIRED),
    "propose a practice back": lambda g: _set(g.third, status=PracticeStatus.PROPOSED),
    "retire a means": lambda g: _set(g.tool, status=MeansStatus.RETIRED),
    "archive a branch": lambda g: _set(g.branch, status=ObjectiveStatus.ARCHIVED),
    "archive the root": lambda g: _set(g.root, status=ObjectiveStatus.ARCHIVED),
    "draft a leaf": lambda g: _set(g.leaf, status=ObjectiveStatus.DRAFT),
    "move a leaf to the other branch": lambda g: _set(g.leaf, parent=g.side),
    "make a leaf a root": lambda g: _set(g.leaf, parent=None),
    "delete a practice": lambda g: g.third.delete(),
    "delete a means": lambda g: g.kit.delete(),
    "delete a leaf objective": lambda g: (PracticeObjective.objects.filter(objective=g.leaf).delete(), g.leaf.delete()),
    "add an empty sub-objective": lambda g: ObjectiveFactory(parent=g.branch),
    "add a practice with nothing": lambda g: PracticeFactory(),
    "add a means with nothing": lambda g: MeansFactory(),
}


def _set(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_live_recheck_after_one_change_matches_a_full_run(settled, change, enqueued, committed):
    graph = settled
    assert_full_run_agrees("building the graph")
    enqueued.clear()
    with committed():
        CHANGES[change](graph)
    assert len(enqueued) == 1, "one re-check per transaction"
    assert_full_run_agrees(change)


def test_reparenting_rechecks_the_old_chain_too(settled, committed):
    graph = settled
    assert open_flags() == set()
    with committed():
        _set(graph.leaf, parent=graph.side)
    # The branch lost its only practices and means: flagged by the live path alone.
    assert ("unresourced_objective", str(graph.branch)) in open_flags()
    assert ("unpractised_objective", str(graph.branch)) in open_flags()


# --- Random walks ---------------------------------------------------------------------


def _random_org(rng: random.Random, unit):
    roots = [ObjectiveFactory(unit=unit, title=f"root {i}") for i in range(3)]
    objectives = list(roots)
    for i in range(18):
        objectives.append(
            ObjectiveFactory(
                unit=unit,
                title=f"objective {i}",
                parent=rng.choice(objectives),
                status=rng.choice([ObjectiveStatus.ACTIVE] * 6 + [ObjectiveStatus.DRAFT, ObjectiveStatus.ARCHIVED]),
            )
        )
    means = [MeansFactory(unit=unit, name=f"means {i}") for i in range(8)]
    practices = [PracticeFactory(unit=unit, name=f"practice {i}") for i in range(20)]
    for m in means:
        for o in rng.sample(objectives, rng.randint(0, 2)):
            MeansObjectiveFactory(means=m, objective=o)
    for p in practices:
        for o in rng.sample(objectives, rng.randint(0, 2)):
            PracticeObjectiveFactory(practice=p, objective=o)
        for m in rng.sample(means, rng.randint(0, 2)):
            PracticeMeansFactory(practice=p, means=m)


def _descendants(objective) -> set[int]:
    return set(Objective.objects.subtree_of([objective.pk]).values_list("pk", flat=True))


def _mutate(rng: random.Random, unit) -> str:
    objectives = list(Objective.objects.all())
    means = list(Means.objects.all())
    practices = list(Practice.objects.all())
    action = rng.choice(
        [
            "link_po",
            "unlink_po",
            "link_pm",
            "unlink_pm",
            "link_mo",
            "unlink_mo",
            "practice_status",
            "means_status",
            "objective_status",
            "reparent",
            "new_practice",
            "new_objective",
            "delete_practice",
            "delete_means",
            "delete_objective",
        ]
    )
    if action == "link_po":
        p, o = rng.choice(practices), rng.choice(objectives)
        PracticeObjective.objects.get_or_create(practice=p, objective=o, defaults={"rationale": "r"})
    elif action == "unlink_po" and PracticeObjective.objects.exists():
        rng.choice(list(PracticeObjective.objects.all())).delete()
    elif action == "link_pm":
        PracticeMeans.objects.get_or_create(
            practice=rng.choice(practices), means=rng.choice(means), defaults={"rationale": "r"}
        )
    elif action == "unlink_pm" and PracticeMeans.objects.exists():
        rng.choice(list(PracticeMeans.objects.all())).delete()
    elif action == "link_mo":
        MeansObjective.objects.get_or_create(
            means=rng.choice(means), objective=rng.choice(objectives), defaults={"rationale": "r"}
        )
    elif action == "unlink_mo" and MeansObjective.objects.exists():
        rng.choice(list(MeansObjective.objects.all())).delete()
    elif action == "practice_status":
        _set(rng.choice(practices), status=rng.choice(PracticeStatus.values))
    elif action == "means_status":
        _set(rng.choice(means), status=rng.choice(MeansStatus.values))
    elif action == "objective_status":
        _set(rng.choice(objectives), status=rng.choice(ObjectiveStatus.values))
    elif action == "reparent":
        o = rng.choice(objectives)
        below = _descendants(o)
        candidates = [None, *(x for x in objectives if x.pk not in below)]
        _set(o, parent=rng.choice(candidates))
    elif action == "new_practice":
        p = PracticeFactory(unit=unit, status=rng.choice(PracticeStatus.values))
        if rng.random() < 0.7:
            PracticeObjectiveFactory(practice=p, objective=rng.choice(objectives))
        if rng.random() < 0.7:
            PracticeMeansFactory(practice=p, means=rng.choice(means))
    elif action == "new_objective":
        ObjectiveFactory(unit=unit, parent=rng.choice([None, *objectives]))
    elif action == "delete_practice" and len(practices) > 5:
        rng.choice(practices).delete()
    elif action == "delete_means" and len(means) > 3:
        rng.choice(means).delete()
    elif action == "delete_objective":
        leaves = [o for o in objectives if not o.children.exists()]
        if leaves and len(objectives) > 5:
            rng.choice(leaves).delete()
    return action


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_keep_the_live_flags_equal_to_a_full_run(org, seed, committed):
    rng = random.Random(seed)
    with committed():
        _random_org(rng, org.north)
    assert_full_run_agrees("building the organisation")
    assert Flag.objects.exists()
    for step in range(60):
        with committed():
            action = _mutate(rng, org.north)
        assert_full_run_agrees(f"step {step} ({action}, seed {seed})")


def test_a_transaction_touching_many_records_runs_one_sweep(org, monkeypatch, committed):
    calls = []
    monkeypatch.setattr(live, "SCOPED_LIMIT", 3)
    from alignment import tasks

    monkeypatch.setattr(tasks.sweep_task, "delay", lambda: calls.append("sweep"))
    monkeypatch.setattr(tasks.recheck_task, "delay", lambda **kw: calls.append("recheck"))
    with committed():
        for _ in range(5):
            PracticeFactory(unit=org.north)
    assert calls == ["sweep"]

"""The alignment rules again, written the slow and obvious way: the engine's oracle.

Why this exists: the engine (alignment/engine.py) answers each rule with one recursive SQL
statement, and for its live path with a *scoped* variant that even reads the state of the
untouched subtrees from the open flags. Comparing the engine with itself proves nothing,
so this module states each rule once more, independently, as a plain Python loop over one
record at a time, written from the definitions in the engine's docstring (the same as the
flags' help texts and docs/performance.md). It is deliberately naive: no cleverness, no
shared code with the engine, nothing to optimise. The property tests
(tests/alignment/test_engine_oracle.py) check the engine's full sweep and its scoped live
re-checks against it on random organisations, and ``manage.py bench_engine`` times it
(with one query per lookup) as the "per-row loop" the set-based engine is measured against.

Proposals are not checked (they wait on the Proposals page). Two things the engine does
are left out here on purpose: the grace period of a newly activated objective (the
generated organisations are written without services, so none of their objectives has
an activation time) and stalled key results (they hold no key results); both have tests
of their own in tests/alignment/test_engine_calm.py.

A rule is a function ``(store, subject id) -> bool``; a store answers the few questions
the rules ask (see :class:`Store`). :class:`Snapshot` answers them from memory (loaded
with a handful of queries, for the tests); :class:`QueryPerRow` asks the database every
time (for the benchmark's per-row figure).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Protocol

# The statuses, spelled out here rather than imported, so the oracle shares nothing with
# the code it checks. tests/alignment/test_engine_oracle.py checks they still exist.
ACTIVE = "active"
PROPOSED = "proposed"


class Store(Protocol):
    def objective_ids(self) -> Iterable[int]: ...
    def means_ids(self) -> Iterable[int]: ...
    def practice_ids(self) -> Iterable[int]: ...
    def objective_status(self, pk: int) -> str: ...
    def objective_parent(self, pk: int) -> int | None: ...
    def objective_children(self, pk: int) -> Iterable[int]: ...
    def means_status(self, pk: int) -> str: ...
    def practice_status(self, pk: int) -> str: ...
    def objectives_of_practice(self, pk: int) -> Iterable[int]: ...
    def means_of_practice(self, pk: int) -> Iterable[int]: ...
    def objectives_of_means(self, pk: int) -> Iterable[int]: ...
    def means_of_objective(self, pk: int) -> Iterable[int]: ...
    def practices_of_objective(self, pk: int) -> Iterable[int]: ...


# --- Definitions ---------------------------------------------------------------------------


def chain(store: Store, objective: int) -> list[int]:
    """The objective and its ancestors up to a root (stopping if a cycle ever appeared)."""
    seen: list[int] = []
    current: int | None = objective
    while current is not None and current not in seen:
        seen.append(current)
        current = store.objective_parent(current)
    return seen


def reaches_an_active_root(store: Store, objective: int) -> bool:
    """Every objective on the chain is active, and the chain ends at a root."""
    walked = chain(store, objective)
    all_active = all(store.objective_status(o) == ACTIVE for o in walked)
    ends_at_root = store.objective_parent(walked[-1]) is None
    return all_active and ends_at_root


def subtree(store: Store, objective: int) -> list[int]:
    """The objective and the descendants reachable through active objectives only."""
    found = [objective]
    pending = [objective]
    while pending:
        current = pending.pop()
        for child in store.objective_children(current):
            if store.objective_status(child) == ACTIVE and child not in found:
                found.append(child)
                pending.append(child)
    return found


def active_objectives_of_practice(store: Store, practice: int) -> list[int]:
    return [o for o in store.objectives_of_practice(practice) if store.objective_status(o) == ACTIVE]


# --- The six rules -------------------------------------------------------------------------


def orphan_practice(store: Store, practice: int) -> bool:
    """An active practice with no active objective linked."""
    if store.practice_status(practice) != ACTIVE:
        return False
    return len(active_objectives_of_practice(store, practice)) == 0


def unrooted_practice(store: Store, practice: int) -> bool:
    """An active practice with at least one active objective, none of whose chains reaches an active root."""
    if store.practice_status(practice) != ACTIVE:
        return False
    active = active_objectives_of_practice(store, practice)
    if not active:
        return False
    return not any(reaches_an_active_root(store, o) for o in active)


def mismatched_means(store: Store, practice: int) -> bool:
    """An active practice with at least one objective (any status) relying on an active
    means that serves none of the objectives on the practice's chains (any status)."""
    if store.practice_status(practice) != ACTIVE:
        return False
    objectives = list(store.objectives_of_practice(practice))
    if not objectives:
        return False
    on_the_chains = set()
    for objective in objectives:
        on_the_chains.update(chain(store, objective))
    for means in store.means_of_practice(practice):
        if store.means_status(means) != ACTIVE:
            continue
        served = set(store.objectives_of_means(means))
        if not served & on_the_chains:
            return True
    return False


def purposeless_means(store: Store, means: int) -> bool:
    """An active means serving no active objective."""
    if store.means_status(means) != ACTIVE:
        return False
    return not any(store.objective_status(o) == ACTIVE for o in store.objectives_of_means(means))


def unrooted_means(store: Store, means: int) -> bool:
    """An active means serving at least one active objective, none of whose chains reaches an active root."""
    if store.means_status(means) != ACTIVE:
        return False
    active = [o for o in store.objectives_of_means(means) if store.objective_status(o) == ACTIVE]
    if not active:
        return False
    return not any(reaches_an_active_root(store, o) for o in active)


def unresourced_objective(store: Store, objective: int) -> bool:
    """An active objective whose subtree has no active means."""
    if store.objective_status(objective) != ACTIVE:
        return False
    for member in subtree(store, objective):
        for means in store.means_of_objective(member):
            if store.means_status(means) == ACTIVE:
                return False
    return True


def unpractised_objective(store: Store, objective: int) -> bool:
    """An active objective whose subtree has no active practice."""
    if store.objective_status(objective) != ACTIVE:
        return False
    for member in subtree(store, objective):
        for practice in store.practices_of_objective(member):
            if store.practice_status(practice) == ACTIVE:
                return False
    return True


#: Flag kind → (subject, rule), in the engine's order.
RULES: dict[str, tuple[str, Callable[[Store, int], bool]]] = {
    "orphan_practice": ("practice", orphan_practice),
    "unrooted_practice": ("practice", unrooted_practice),
    "mismatched_means": ("practice", mismatched_means),
    "purposeless_means": ("means", purposeless_means),
    "unrooted_means": ("means", unrooted_means),
    "unresourced_objective": ("objective", unresourced_objective),
    "unpractised_objective": ("objective", unpractised_objective),
}


def subject_ids(store: Store, subject: str) -> Iterable[int]:
    return {"practice": store.practice_ids, "means": store.means_ids, "objective": store.objective_ids}[subject]()


def expected_flags(store: Store) -> set[tuple[str, int]]:
    """Every (kind, subject id) that should have an unresolved flag."""
    due = set()
    for kind, (subject, rule) in RULES.items():
        for pk in subject_ids(store, subject):
            if rule(store, pk):
                due.add((kind, pk))
    return due


# --- Stores ------------------------------------------------------------------------------------


class Snapshot:
    """The whole graph in memory: six queries, then nothing but dictionaries."""

    def __init__(self, *, objectives, means, practices, practice_objective, practice_means, means_objective):
        # objectives: {id: (status, parent_id)}; means, practices: {id: status};
        # the links: iterables of (from id, to id) pairs.
        self.objectives = dict(objectives)
        self.means = dict(means)
        self.practices = dict(practices)
        self._children = defaultdict(list)
        for pk, (_status, parent) in self.objectives.items():
            if parent is not None:
                self._children[parent].append(pk)
        self._po, self._op = defaultdict(list), defaultdict(list)
        for p, o in practice_objective:
            self._po[p].append(o)
            self._op[o].append(p)
        self._pm = defaultdict(list)
        for p, m in practice_means:
            self._pm[p].append(m)
        self._mo, self._om = defaultdict(list), defaultdict(list)
        for m, o in means_objective:
            self._mo[m].append(o)
            self._om[o].append(m)

    @classmethod
    def load(cls) -> Snapshot:
        from objectives.models import Objective
        from practices.models import Means, MeansObjective, Practice, PracticeMeans, PracticeObjective

        return cls(
            objectives={
                pk: (status, parent)
                for pk, status, parent in Objective.objects.values_list("pk", "status", "parent_id")
            },
            means=dict(Means.objects.values_list("pk", "status")),
            practices=dict(Practice.objects.values_list("pk", "status")),
            practice_objective=PracticeObjective.objects.values_list("practice_id", "objective_id"),
            practice_means=PracticeMeans.objects.values_list("practice_id", "means_id"),
            means_objective=MeansObjective.objects.values_list("means_id", "objective_id"),
        )

    def objective_ids(self):
        return self.objectives.keys()

    def means_ids(self):
        return self.means.keys()

    def practice_ids(self):
        return self.practices.keys()

    def objective_status(self, pk):
        return self.objectives[pk][0]

    def objective_parent(self, pk):
        return self.objectives[pk][1]

    def objective_children(self, pk):
        return self._children[pk]

    def means_status(self, pk):
        return self.means[pk]

    def practice_status(self, pk):
        return self.practices[pk]

    def objectives_of_practice(self, pk):
        return self._po[pk]

    def means_of_practice(self, pk):
        return self._pm[pk]

    def objectives_of_means(self, pk):
        return self._mo[pk]

    def means_of_objective(self, pk):
        return self._om[pk]

    def practices_of_objective(self, pk):
        return self._op[pk]


class QueryPerRow:
    """Every answer is a database query: what a naive engine walking row by row would cost."""

    def __init__(self):
        from objectives.models import Objective
        from practices.models import Means, MeansObjective, Practice, PracticeMeans, PracticeObjective

        self.Objective, self.Means, self.Practice = Objective, Means, Practice
        self.PO, self.PM, self.MO = PracticeObjective, PracticeMeans, MeansObjective

    def objective_ids(self):
        return self.Objective.objects.values_list("pk", flat=True).iterator()

    def means_ids(self):
        return self.Means.objects.values_list("pk", flat=True).iterator()

    def practice_ids(self):
        return self.Practice.objects.values_list("pk", flat=True).iterator()

    def objective_status(self, pk):
        return self.Objective.objects.values_list("status", flat=True).get(pk=pk)

    def objective_parent(self, pk):
        return self.Objective.objects.values_list("parent_id", flat=True).get(pk=pk)

    def objective_children(self, pk):
        return list(self.Objective.objects.filter(parent_id=pk).values_list("pk", flat=True))

    def means_status(self, pk):
        return self.Means.objects.values_list("status", flat=True).get(pk=pk)

    def practice_status(self, pk):
        return self.Practice.objects.values_list("status", flat=True).get(pk=pk)

    def objectives_of_practice(self, pk):
        return list(self.PO.objects.filter(practice_id=pk).values_list("objective_id", flat=True))

    def means_of_practice(self, pk):
        return list(self.PM.objects.filter(practice_id=pk).values_list("means_id", flat=True))

    def objectives_of_means(self, pk):
        return list(self.MO.objects.filter(means_id=pk).values_list("objective_id", flat=True))

    def means_of_objective(self, pk):
        return list(self.MO.objects.filter(objective_id=pk).values_list("means_id", flat=True))

    def practices_of_objective(self, pk):
        return list(self.PO.objects.filter(objective_id=pk).values_list("practice_id", flat=True))

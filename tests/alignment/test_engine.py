"""The seven rules: each raises, stays quiet, resolves, respects an acknowledgement, and converges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from alignment import engine
from alignment.models import Flag, FlagKind, Notification
from objectives.models import ObjectiveStatus
from practices.models import MeansObjective, MeansStatus, PracticeMeans, PracticeObjective, PracticeStatus
from tests.alignment.conftest import Graph, flag_state, open_flags
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    """One rule's problem: how to cause it on a subject, and how to cure it."""

    kind: FlagKind
    cause: Callable[[Graph], object]  # returns the subject
    cure: Callable[[Graph, object], None]

    def __str__(self) -> str:
        return self.kind.value


def _orphan(g):
    PracticeObjective.objects.filter(practice=g.first).delete()
    return g.first


def _unrooted(g):
    # An achieved objective on the way up: its chain no longer reaches the root.
    g.branch.status = ObjectiveStatus.ACHIEVED
    g.branch.save()
    return g.first


def _mismatched(g):
    # The onboarding kit serves "onboard newcomers", nowhere on the retrospectives' chain.
    PracticeMeansFactory(practice=g.second, means=g.kit)
    return g.second


def _purposeless(g):
    return MeansFactory(name="Parallel intranet", unit=g.tool.unit, owner=g.owner)


def _unrooted_means(g):
    # It serves an active objective, but that one hangs below a draft: no chain reaches the root.
    pilot = ObjectiveFactory(
        title="Pilot a new intranet", unit=g.root.unit, parent=g.root, owner=g.owner, status=ObjectiveStatus.DRAFT
    )
    content = ObjectiveFactory(title="Intranet content", unit=g.root.unit, parent=pilot, owner=g.owner)
    # Practised and resourced, so only the means' own flag is due.
    PracticeObjectiveFactory(practice=g.third, objective=content)
    means = MeansFactory(name="Intranet CMS", unit=g.tool.unit, owner=g.owner)
    MeansObjectiveFactory(means=means, objective=content)
    g.pilot = pilot
    return means


def _unresourced(g):
    goal = ObjectiveFactory(title="Mentor juniors", unit=g.root.unit, parent=g.side, owner=g.owner)
    practice = PracticeFactory(name="Weekly mentoring hour", unit=g.root.unit)
    PracticeObjectiveFactory(practice=practice, objective=goal)
    PracticeMeansFactory(practice=practice, means=g.kit)  # kit serves side, an ancestor: a match
    return goal


def _unpractised(g):
    goal = ObjectiveFactory(title="Document the onboarding", unit=g.root.unit, parent=g.side, owner=g.owner)
    MeansObjectiveFactory(means=g.kit, objective=goal)
    return goal


CASES = [
    Case(FlagKind.ORPHAN_PRACTICE, _orphan, lambda g, s: PracticeObjectiveFactory(practice=s, objective=g.leaf)),
    Case(
        FlagKind.UNROOTED_PRACTICE,
        _unrooted,
        lambda g, s: g.branch.__class__.objects.filter(pk=g.branch.pk).update(status=ObjectiveStatus.ACTIVE),
    ),
    Case(
        FlagKind.MISMATCHED_MEANS,
        _mismatched,
        lambda g, s: PracticeMeans.objects.filter(practice=s, means=g.kit).delete(),
    ),
    Case(FlagKind.PURPOSELESS_MEANS, _purposeless, lambda g, s: MeansObjectiveFactory(means=s, objective=g.root)),
    Case(
        FlagKind.UNROOTED_MEANS,
        _unrooted_means,
        lambda g, s: g.pilot.__class__.objects.filter(pk=g.pilot.pk).update(status=ObjectiveStatus.ACTIVE),
    ),
    Case(FlagKind.UNRESOURCED_OBJECTIVE, _unresourced, lambda g, s: MeansObjectiveFactory(means=g.tool, objective=s)),
    Case(
        FlagKind.UNPRACTISED_OBJECTIVE,
        _unpractised,
        lambda g, s: PracticeObjectiveFactory(practice=g.third, objective=s),
    ),
]


def _subject_filter(kind, subject):
    return {engine.FLAG_SUBJECT[kind]: subject}


def test_an_aligned_organisation_raises_nothing(graph):
    results = engine.run()
    assert [r.raised for r in results] == [0] * len(engine.RULES)
    assert not Flag.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_raises_exactly_its_flag(graph, case):
    subject = case.cause(graph)
    engine.run()
    expected = {(case.kind.value, str(subject))}
    if case.kind == FlagKind.UNROOTED_PRACTICE:
        expected.add((case.kind.value, str(graph.second)))  # both practices live the leaf
        expected.add((FlagKind.UNROOTED_MEANS.value, str(graph.tool)))  # and the wiki serves only the leaf
    assert open_flags() == expected


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_resolves_its_flag_when_the_problem_is_gone(graph, case):
    subject = case.cause(graph)
    engine.run()
    flag = Flag.objects.get(kind=case.kind, **_subject_filter(case.kind, subject))
    case.cure(graph, subject)
    results = engine.run()
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert open_flags() == set()
    assert sum(r.resolved for r in results if r.kind == case.kind) >= 1
    # History is kept: the resolved flag is still there.
    assert Flag.objects.filter(pk=flag.pk).exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_acknowledged_flag_stays_while_the_problem_lasts_and_resolves_after(graph, case, manager):
    subject = case.cause(graph)
    engine.run()
    flag = Flag.objects.get(kind=case.kind, **_subject_filter(case.kind, subject))
    Flag.objects.filter(pk=flag.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=manager, acknowledgement_reason="A pilot, on purpose."
    )

    engine.run()
    flag.refresh_from_db()
    assert flag.resolved_at is None
    assert Flag.objects.filter(kind=case.kind, **_subject_filter(case.kind, subject)).count() == 1
    assert Flag.objects.acknowledged().filter(pk=flag.pk).exists()
    assert not Flag.objects.open().filter(pk=flag.pk).exists()

    case.cure(graph, subject)
    engine.run()
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert flag.acknowledgement_reason == "A pilot, on purpose."


@pytest.mark.parametrize("case", CASES, ids=str)
def test_running_twice_changes_nothing_the_second_time(graph, case):
    case.cause(graph)
    engine.run()
    first = flag_state()
    notifications = Notification.objects.count()
    results = engine.run()
    assert flag_state() == first
    assert all(r.raised == 0 and r.resolved == 0 for r in results)
    assert Notification.objects.count() == notifications


#: How to cause each problem again on the subject it was cured on (causing it anew
#: would make a new subject for the three kinds whose cause creates one).
RECAUSE: dict[FlagKind, Callable[[Graph, object], object]] = {
    FlagKind.ORPHAN_PRACTICE: lambda g, s: _orphan(g),
    FlagKind.UNROOTED_PRACTICE: lambda g, s: _unrooted(g),
    FlagKind.MISMATCHED_MEANS: lambda g, s: _mismatched(g),
    FlagKind.PURPOSELESS_MEANS: lambda g, s: MeansObjective.objects.filter(means=s).delete(),
    FlagKind.UNROOTED_MEANS: lambda g, s: (
        type(g.pilot).objects.filter(pk=g.pilot.pk).update(status=ObjectiveStatus.DRAFT)
    ),
    FlagKind.UNRESOURCED_OBJECTIVE: lambda g, s: MeansObjective.objects.filter(objective=s).delete(),
    FlagKind.UNPRACTISED_OBJECTIVE: lambda g, s: PracticeObjective.objects.filter(objective=s).delete(),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_problem_that_comes_back_gets_a_new_flag(graph, case):
    subject = case.cause(graph)
    engine.run()
    first = Flag.objects.get(kind=case.kind, **_subject_filter(case.kind, subject))
    case.cure(graph, subject)
    engine.run()
    first.refresh_from_db()
    assert first.resolved_at is not None
    graph.refresh()

    RECAUSE[case.kind](graph, subject)
    engine.run()
    flags = Flag.objects.filter(kind=case.kind, **_subject_filter(case.kind, subject))
    assert flags.count() == 2
    again = flags.unresolved().get()
    assert again.pk != first.pk
    assert again.raised_at >= first.resolved_at
    # The old flag stays resolved: history is kept, not reopened.
    first.refresh_from_db()
    assert first.resolved_at is not None


class Boom(Exception):
    pass


@pytest.mark.parametrize("fail_after", range(1, 6))
def test_a_run_that_dies_part_way_is_completed_by_the_next(graph, fail_after):
    for case in CASES:
        if case.kind != FlagKind.UNROOTED_PRACTICE:
            case.cause(graph)
    expected = {c.kind.value for c in CASES if c.kind != FlagKind.UNROOTED_PRACTICE}
    # A stale flag for the run to resolve.
    stale = Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=graph.tool, raised_at=timezone.now())
    done = []

    def die(result):
        done.append(result.kind.value)
        if len(done) == fail_after:
            raise Boom

    with pytest.raises(Boom):
        engine.run(on_done=die)
    # The rules that finished are committed; the others have not touched anything.
    stale.refresh_from_db()
    assert (stale.resolved_at is not None) == ("purposeless_means" in done)
    raised = {kind for kind, name in open_flags() if (kind, name) != ("purposeless_means", "Wiki")}
    assert raised == expected & set(done)

    engine.run()
    reference = flag_state()
    assert {kind for kind, _name in open_flags()} == expected
    assert ("purposeless_means", "Wiki") not in open_flags()
    engine.run()
    assert flag_state() == reference


def test_a_rule_whose_statement_fails_leaves_no_half_written_flags(graph, monkeypatch):
    for case in CASES:
        if case.kind != FlagKind.UNROOTED_PRACTICE:
            case.cause(graph)
    broken = engine.Rule(FlagKind.PURPOSELESS_MEANS, lambda q: ([], "SELECT id FROM no_such_table"))
    rules = [r if r.kind != FlagKind.PURPOSELESS_MEANS else broken for r in engine.RULES]
    with pytest.raises(Exception, match="no_such_table"):
        engine.run(rules=rules)
    kinds = {kind for kind, _name in open_flags()}
    assert kinds == {"orphan_practice", "mismatched_means"}

    engine.run()
    assert {kind for kind, _name in open_flags()} == {
        "orphan_practice",
        "mismatched_means",
        "purposeless_means",
        "unrooted_means",
        "unresourced_objective",
        "unpractised_objective",
    }


# --- Edges of the definitions ------------------------------------------------------------


def test_neither_a_proposal_nor_a_retired_practice_is_an_orphan(graph):
    # A proposal waits on the Proposals page, where managers decide on it; flagging it
    # would tell its author of a problem she cannot fix, and show managers it twice.
    PracticeFactory(name="Proposal", status=PracticeStatus.PROPOSED)
    PracticeFactory(name="Old habit", status=PracticeStatus.RETIRED)
    engine.run()
    assert open_flags() == set()


def test_practice_under_a_draft_objective_only_is_an_orphan_not_unrooted(graph):
    draft = ObjectiveFactory(title="Maybe", parent=graph.root, status=ObjectiveStatus.DRAFT)
    PracticeObjective.objects.filter(practice=graph.first).update(objective=draft)
    engine.run()
    assert ("orphan_practice", str(graph.first)) in open_flags()
    assert ("unrooted_practice", str(graph.first)) not in open_flags()


def test_one_rooted_objective_is_enough_for_a_practice(graph):
    stray_root = ObjectiveFactory(title="Abandoned strategy", status=ObjectiveStatus.ARCHIVED)
    stray = ObjectiveFactory(title="Left behind", parent=stray_root)
    PracticeObjectiveFactory(practice=graph.first, objective=stray)
    engine.run()
    assert not {f for f in open_flags() if f[1] == str(graph.first)}


def test_practice_whose_only_root_is_archived_is_unrooted(graph):
    stray_root = ObjectiveFactory(title="Abandoned strategy", status=ObjectiveStatus.ARCHIVED)
    stray = ObjectiveFactory(title="Left behind", parent=stray_root)
    MeansObjectiveFactory(means=graph.tool, objective=stray)
    PracticeObjective.objects.filter(practice=graph.first).update(objective=stray)
    engine.run()
    assert ("unrooted_practice", str(graph.first)) in open_flags()
    assert ("mismatched_means", str(graph.first)) not in open_flags()


def test_means_serving_an_ancestor_of_the_practice_objective_is_a_match(graph):
    MeansObjective.objects.filter(means=graph.tool).update(objective=graph.root)
    MeansObjectiveFactory(means=MeansFactory(name="Leaf tool"), objective=graph.leaf)
    engine.run()
    assert not {f for f in open_flags() if f[0] == "mismatched_means"}


def test_retired_means_is_neither_purposeless_nor_a_mismatch(graph):
    idle = MeansFactory(name="Old forum", status=MeansStatus.RETIRED)
    PracticeMeansFactory(practice=graph.first, means=idle)
    engine.run()
    assert open_flags() == set()


def test_means_serving_only_an_archived_objective_is_purposeless(graph):
    archived = ObjectiveFactory(title="Old goal", parent=graph.root, status=ObjectiveStatus.ARCHIVED)
    means = MeansFactory(name="Old tool")
    MeansObjectiveFactory(means=means, objective=archived)
    engine.run()
    assert open_flags() == {("purposeless_means", "Old tool")}


def test_subtree_below_an_inactive_objective_does_not_cover_the_objectives_above(graph):
    # Move the only practices and means of the branch under a draft sub-objective.
    draft = ObjectiveFactory(title="Draft idea", parent=graph.branch, status=ObjectiveStatus.DRAFT)
    graph.leaf.parent = draft
    graph.leaf.save()
    engine.run()
    flags = open_flags()
    assert ("unresourced_objective", str(graph.branch)) in flags
    assert ("unpractised_objective", str(graph.branch)) in flags
    assert ("unresourced_objective", str(graph.root)) not in flags  # side still covers the root


def test_objective_covered_by_a_descendant_is_not_flagged(graph):
    engine.run()
    flags = open_flags()
    assert ("unresourced_objective", str(graph.root)) not in flags
    assert ("unpractised_objective", str(graph.branch)) not in flags


def test_draft_and_archived_objectives_are_never_flagged_themselves(graph):
    ObjectiveFactory(title="Draft alone", status=ObjectiveStatus.DRAFT)
    ObjectiveFactory(title="Archived alone", status=ObjectiveStatus.ARCHIVED)
    engine.run()
    assert open_flags() == set()


def test_raising_notifies_the_owner_once(graph):
    practice = PracticeFactory(name="Lone practice", owner=graph.owner)
    PracticeFactory(name="Ownerless practice", owner=None)
    engine.run()
    engine.run()
    flag = Flag.objects.get(practice=practice, kind=FlagKind.ORPHAN_PRACTICE)
    assert list(Notification.objects.filter(flag=flag).values_list("recipient_id", flat=True)) == [graph.owner.pk]
    assert Notification.objects.count() == 1


def test_the_problem_sql_is_one_plain_select(graph):
    PracticeObjective.objects.filter(practice=graph.first).delete()
    from django.db import connection

    for rule in engine.RULES:
        sql = engine.problem_sql(rule)
        assert ";" not in sql
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS problem")
            count = cursor.fetchone()[0]
        assert count == (1 if rule.kind == FlagKind.ORPHAN_PRACTICE else 0), rule.kind

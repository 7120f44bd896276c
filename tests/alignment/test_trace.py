"""The “Why does this exist?” trace: chains up to each strategic root, in plain words, in two queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment.trace import means_trace, means_traces, practice_trace, practice_traces
from objectives.models import ObjectiveStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(org):
    root = ObjectiveFactory(title="Capitalise and reuse best practices across teams", unit=org.company)
    middle = ObjectiveFactory(title="Share lessons learned", unit=org.north, parent=root)
    leaf = ObjectiveFactory(title="Publish after each project", unit=org.north_team, parent=middle)
    return root, middle, leaf


def test_a_means_is_explained_by_its_objective_and_every_ancestor_up_to_the_root(org, strategy):
    root, middle, _leaf = strategy
    wiki = MeansFactory(name="Wiki", unit=org.north)
    by = UserFactory(username="linker", first_name="Ada", last_name="Lovelace")
    MeansObjectiveFactory(means=wiki, objective=middle, rationale="The wiki keeps lessons findable.", created_by=by)

    trace = means_trace(wiki)

    assert trace.is_explained
    (link,) = trace.links
    assert [o.pk for o in link.chain] == [middle.pk, root.pk]
    assert link.root == root
    assert link.rationale == "The wiki keeps lessons findable."
    assert link.linked_by == by
    assert link.linked_at is not None
    assert link.sentence == (
        "“Wiki” exists because it serves “Share lessons learned”, which contributes to "
        "“Capitalise and reuse best practices across teams” (strategic objective)."
    )
    assert trace.summary == link.sentence


def test_a_practice_linked_straight_to_a_root_says_so(org, strategy):
    root, _middle, _leaf = strategy
    practice = PracticeFactory(name="Lessons learned in the wiki", unit=org.north)
    PracticeObjectiveFactory(practice=practice, objective=root)

    (link,) = practice_trace(practice).links

    assert link.chain == (root,)
    assert link.sentence == (
        "“Lessons learned in the wiki” exists because it serves "
        "“Capitalise and reuse best practices across teams” (strategic objective)."
    )


def test_nothing_linked_is_honest(org):
    practice = PracticeFactory(unit=org.north)

    trace = practice_trace(practice)

    assert trace.links == ()
    assert not trace.is_explained
    assert trace.summary == "No objective explains this yet."


def test_a_chain_through_an_archived_objective_does_not_count_as_explained(org, strategy):
    root, middle, leaf = strategy
    middle.status = ObjectiveStatus.ARCHIVED
    middle.save()
    practice = PracticeFactory(unit=org.north_team)
    PracticeObjectiveFactory(practice=practice, objective=leaf)

    trace = practice_trace(practice)

    (link,) = trace.links
    assert link.root == root
    assert not link.is_rooted
    assert not trace.is_explained
    assert "No active strategic objective explains this yet" in trace.summary
    assert "“Share lessons learned” (archived)" in link.sentence


def test_a_draft_root_is_named_as_such(org):
    draft_root = ObjectiveFactory(title="Someday", unit=org.company, status=ObjectiveStatus.DRAFT)
    means = MeansFactory(name="Chat", unit=org.north)
    MeansObjectiveFactory(means=means, objective=draft_root)

    (link,) = means_trace(means).links

    assert link.sentence == "“Chat” exists because it serves “Someday” (strategic objective, draft)."
    assert not link.is_rooted


def test_several_reasons_put_the_rooted_ones_first_and_count_the_others(org, strategy):
    root, middle, _leaf = strategy
    archived_root = ObjectiveFactory(title="Aaa old strategy", unit=org.company, status=ObjectiveStatus.ARCHIVED)
    means = MeansFactory(name="Wiki", unit=org.north)
    MeansObjectiveFactory(means=means, objective=archived_root)
    MeansObjectiveFactory(means=means, objective=middle)

    trace = means_trace(means)

    assert [link.objective for link in trace.links] == [middle, archived_root]
    assert trace.is_explained
    assert trace.roots == [root, archived_root]
    assert trace.summary.endswith("It is linked to 1 other objective too.")


def test_a_trace_costs_two_queries_whatever_the_depth(org, django_assert_num_queries):
    parent = None
    for depth in range(8):
        parent = ObjectiveFactory(title=f"Level {depth}", unit=org.company, parent=parent)
    practice = PracticeFactory(unit=org.north)
    PracticeObjectiveFactory(practice=practice, objective=parent)

    with django_assert_num_queries(2):
        trace = practice_trace(practice)
        sentence = trace.links[0].sentence

    assert len(trace.links[0].chain) == 8
    assert sentence.count("which contributes to") == 7


def test_traces_for_many_records_cost_the_same_as_for_one(org, strategy):
    root, _middle, leaf = strategy
    author = UserFactory(username="author")

    def count_queries(n: int) -> int:
        practices = [PracticeFactory(unit=org.north) for _ in range(n)]
        for practice in practices:
            PracticeObjectiveFactory(practice=practice, objective=leaf, created_by=author)
            PracticeObjectiveFactory(practice=practice, objective=root, created_by=author)
        with CaptureQueriesContext(connection) as one:
            traces = practice_traces(practices)
            assert all(len(traces[p.pk].links) == 2 for p in practices)
            # Who made each link comes with the traces, not one query per link.
            assert {link.linked_by.username for t in traces.values() for link in t.links} == {"author"}
        return len(one)

    assert count_queries(1) == count_queries(30) == 2


def test_means_traces_without_any_link_cost_one_query(org):
    means = [MeansFactory(unit=org.north) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        traces = means_traces(means)
    assert len(queries) == 1
    assert all(not traces[m.pk].links for m in means)


def test_no_subject_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert practice_traces([]) == {}

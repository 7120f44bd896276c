"""Subtrees and ancestor chains in one recursive query, whatever the depth."""

import pytest

from objectives.models import Objective
from org.hierarchy import ancestor_ids, subtree_ids
from org.models import Unit
from tests.factories import ObjectiveFactory, UnitFactory

pytestmark = pytest.mark.django_db

DEPTH = 120


def chain_of_units(depth: int, parent=None) -> list[Unit]:
    units = []
    for _level in range(depth):
        parent = UnitFactory(parent=parent)
        units.append(parent)
    return units


def ids_of(model, expression) -> set[int]:
    return set(model.objects.filter(pk__in=expression).values_list("pk", flat=True))


def test_subtree_of_the_top_of_a_deep_chain_reaches_the_bottom():
    chain = chain_of_units(DEPTH)
    assert ids_of(Unit, subtree_ids(Unit._meta.db_table, [chain[0].pk])) == {u.pk for u in chain}


def test_subtree_of_a_middle_unit_excludes_what_is_above_it():
    chain = chain_of_units(DEPTH)
    middle = DEPTH // 2
    assert ids_of(Unit, subtree_ids(Unit._meta.db_table, [chain[middle].pk])) == {u.pk for u in chain[middle:]}


def test_ancestors_of_the_bottom_of_a_deep_chain_reach_the_root():
    chain = chain_of_units(DEPTH)
    assert ids_of(Unit, ancestor_ids(Unit._meta.db_table, [chain[-1].pk])) == {u.pk for u in chain}


def test_ancestors_of_a_middle_unit_exclude_what_is_below_it():
    chain = chain_of_units(DEPTH)
    middle = DEPTH // 2
    assert ids_of(Unit, ancestor_ids(Unit._meta.db_table, [chain[middle].pk])) == {u.pk for u in chain[: middle + 1]}


def test_subtree_of_a_wide_and_deep_tree_includes_every_branch_and_no_sibling_tree():
    root = UnitFactory()
    other_root = UnitFactory()
    UnitFactory(parent=other_root)
    expected = {root.pk}
    for _branch in range(5):
        expected |= {u.pk for u in chain_of_units(20, parent=root)}
    assert ids_of(Unit, subtree_ids(Unit._meta.db_table, [root.pk])) == expected


def test_several_roots_give_the_union_of_their_subtrees_and_chains():
    left = chain_of_units(10)
    right = chain_of_units(10)
    table = Unit._meta.db_table
    assert ids_of(Unit, subtree_ids(table, [left[5].pk, right[8].pk])) == {u.pk for u in left[5:] + right[8:]}
    assert ids_of(Unit, ancestor_ids(table, [left[2].pk, right[0].pk])) == {u.pk for u in left[:3] + right[:1]}


def test_no_ids_select_nothing():
    chain_of_units(3)
    assert ids_of(Unit, subtree_ids(Unit._meta.db_table, [])) == set()
    assert ids_of(Unit, ancestor_ids(Unit._meta.db_table, [])) == set()


def test_a_deep_subtree_is_one_query(django_assert_num_queries):
    chain = chain_of_units(DEPTH)
    with django_assert_num_queries(1):
        found = list(Unit.objects.subtree_of([chain[0].pk]).values_list("pk", flat=True))
    assert len(found) == DEPTH


def test_objective_subtree_and_chain_work_on_deep_strategy_trees(django_assert_num_queries):
    unit = UnitFactory()
    chain = []
    parent = None
    for _level in range(DEPTH):
        parent = ObjectiveFactory(unit=unit, parent=parent)
        chain.append(parent)
    ObjectiveFactory(unit=unit)  # an unrelated root stays out of both answers
    with django_assert_num_queries(1):
        below = set(Objective.objects.subtree_of([chain[10].pk]).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        above = set(Objective.objects.chain_of([chain[-1].pk]).values_list("pk", flat=True))
    assert below == {o.pk for o in chain[10:]}
    assert above == {o.pk for o in chain}


def test_walks_stop_on_a_loop_that_slipped_past_the_guards():
    # Units have no cycle trigger (only objectives do, on PostgreSQL): a loop written
    # behind the services' back must not hang every page that walks the tree.
    a, b, c = chain_of_units(3)
    Unit.objects.filter(pk=a.pk).update(parent_id=c.pk)
    table = Unit._meta.db_table
    assert ids_of(Unit, subtree_ids(table, [a.pk])) == {a.pk, b.pk, c.pk}
    assert ids_of(Unit, ancestor_ids(table, [c.pk])) == {a.pk, b.pk, c.pk}

"""The ArchiMate mapping on small hand-made models: chains, hierarchy, motivation, limits."""

from __future__ import annotations

from itertools import pairwise

import pytest

from interop.document import MEANS_OBJECTIVE, PRACTICE_MEANS, PRACTICE_OBJECTIVE
from interop.formats.archimate import MAX_STEPS, ArchimateModel, Element, Relationship, to_document


def model(elements: list[tuple[str, str]], relationships: list[tuple[str, str, str]]) -> ArchimateModel:
    built = ArchimateModel()
    for identifier, kind in elements:
        built.elements[identifier] = Element(identifier, kind, identifier.title())
    for number, (kind, source, target) in enumerate(relationships, start=1):
        built.relationships.append(Relationship(f"r{number}", kind, source, target))
    return built


def links(document) -> set[tuple[str, str, str]]:
    return {(link.kind, link.source_ref, link.target_ref) for link in document.links}


def test_a_part_contributes_to_its_whole_against_the_arrow():
    document = to_document(
        model(
            [("goal", "Goal"), ("suite", "ApplicationComponent"), ("module", "ApplicationComponent")],
            # The suite (whole) is composed of the module (part); the suite influences the goal.
            [("Composition", "suite", "module"), ("Influence", "suite", "goal")],
        )
    )
    assert (MEANS_OBJECTIVE, "module", "goal") in links(document)
    rationale = next(link.rationale for link in document.links if link.source_ref == "module")
    assert rationale == "ArchiMate: “Module” is part of “Suite” influences “Goal”"


def test_the_walk_stops_at_the_first_objective_and_never_goes_backwards():
    document = to_document(
        model(
            [("goal", "Goal"), ("outcome", "Outcome"), ("app", "ApplicationComponent"), ("proc", "BusinessProcess")],
            [("Realization", "outcome", "goal"), ("Serving", "app", "proc"), ("Realization", "proc", "outcome")],
        )
    )
    assert links(document) == {
        (MEANS_OBJECTIVE, "app", "outcome"),
        (PRACTICE_OBJECTIVE, "proc", "outcome"),
        (PRACTICE_MEANS, "proc", "app"),
    }


def test_chains_longer_than_the_limit_are_not_followed():
    chain = [f"n{i}" for i in range(MAX_STEPS + 1)]
    elements = [("app", "ApplicationComponent"), ("goal", "Goal")] + [(n, "Capability") for n in chain]
    steps = ["app", *chain, "goal"]
    relationships = [("Realization", a, b) for a, b in pairwise(steps)]
    assert links(to_document(model(elements, relationships))) == set()
    shorter = [*relationships[: MAX_STEPS - 1], ("Realization", steps[MAX_STEPS - 1], "goal")]
    assert (MEANS_OBJECTIVE, "app", "goal") in links(to_document(model(elements, shorter)))


def test_an_assessment_reaches_the_goals_of_its_driver():
    built = model(
        [("goal", "Goal"), ("driver", "Driver"), ("assessment", "Assessment")],
        [("Association", "driver", "goal"), ("Association", "assessment", "driver")],
    )
    built.elements["assessment"].documentation = "Claims take 30 days."
    document = to_document(built)
    (goal,) = document.objectives
    assert "Driver: Driver" in goal.statement and "Assessment: Assessment — Claims take 30 days." in goal.statement


def test_a_goal_never_hangs_under_an_outcome_and_first_parent_wins():
    document = to_document(
        model(
            [("g1", "Goal"), ("g2", "Goal"), ("o", "Outcome")],
            [("Realization", "g1", "o"), ("Influence", "o", "g1"), ("Influence", "o", "g2")],
        )
    )
    parents = {row.ref: row.parent_ref for row in document.objectives}
    assert parents == {"g1": None, "g2": None, "o": "g1"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("Requirement", "organisational"),
        ("Constraint", "organisational"),
        ("Device", "technical"),
        ("Artifact", "technical"),
        ("Equipment", "technical"),
        ("ApplicationInterface", "technical"),
    ],
)
def test_element_types_become_the_right_kind_of_means(kind, expected):
    document = to_document(model([("x", kind)], []))
    assert [(m.ref, m.kind) for m in document.means] == [("x", expected)]


def test_unmapped_types_are_counted_and_dangling_relationships_reported():
    document = to_document(
        model([("obj", "BusinessObject"), ("app", "ApplicationComponent")], [("Serving", "app", "ghost")])
    )
    assert document.not_imported == {"BusinessObject": 1}
    assert any("does not have" in issue.message and issue.where == "element r1" for issue in document.issues)

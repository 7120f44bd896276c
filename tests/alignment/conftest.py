"""Fixtures for the alignment engine's tests: a small aligned organisation to break."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from alignment.models import Flag
from objectives.models import Objective
from practices.models import Means, Practice
from raison.celery import app as celery_app
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UserFactory,
)

# The ``postgres`` and ``broker`` markers are skipped by tests/conftest.py when the run
# has no PostgreSQL or no broker.


@pytest.fixture
def eager_tasks():
    """Tasks run in-process, as in the embedded default, even when the run has a broker."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@dataclass
class Graph:
    """An aligned organisation, no flag due anywhere.

    root ─┬─ branch ── leaf     tool serves leaf; first and second live leaf, rely on tool
          └─ side               kit serves side; third lives side, relies on kit
    """

    owner: object
    root: Objective
    branch: Objective
    leaf: Objective
    side: Objective
    tool: Means
    kit: Means
    first: Practice
    second: Practice
    third: Practice

    def refresh(self) -> None:
        for name in ("root", "branch", "leaf", "side", "tool", "kit", "first", "second", "third"):
            getattr(self, name).refresh_from_db()


def build_graph(unit) -> Graph:
    owner = UserFactory(username="owner")
    root = ObjectiveFactory(title="Capitalise knowledge", unit=unit, owner=owner)
    branch = ObjectiveFactory(title="Share lessons learned", unit=unit, parent=root, owner=owner)
    leaf = ObjectiveFactory(title="Publish project retrospectives", unit=unit, parent=branch, owner=owner)
    side = ObjectiveFactory(title="Onboard newcomers fast", unit=unit, parent=root, owner=owner)
    tool = MeansFactory(name="Wiki", unit=unit, owner=owner)
    kit = MeansFactory(name="Onboarding kit", unit=unit, owner=owner)
    MeansObjectiveFactory(means=tool, objective=leaf)
    MeansObjectiveFactory(means=kit, objective=side)
    first = PracticeFactory(name="Retrospective page per project", unit=unit, owner=owner)
    second = PracticeFactory(name="Quarterly lessons digest", unit=unit, owner=owner)
    third = PracticeFactory(name="Buddy for every newcomer", unit=unit, owner=owner)
    for practice in (first, second):
        PracticeObjectiveFactory(practice=practice, objective=leaf)
        PracticeMeansFactory(practice=practice, means=tool)
    PracticeObjectiveFactory(practice=third, objective=side)
    PracticeMeansFactory(practice=third, means=kit)
    return Graph(owner, root, branch, leaf, side, tool, kit, first, second, third)


@pytest.fixture
def graph(org) -> Graph:
    return build_graph(org.north)


def open_flags() -> set[tuple[str, str]]:
    """The unresolved flags as (kind, subject name): readable in assertion messages."""
    return {
        (f.kind, str(f.subject)) for f in Flag.objects.unresolved().select_related("practice", "means", "objective")
    }


def engine_flags() -> set[tuple[str, int]]:
    """The unresolved flags as (kind, subject id): what the oracle computes."""
    return {
        (kind, practice or means or objective)
        for kind, practice, means, objective in Flag.objects.unresolved().values_list(
            "kind", "practice_id", "means_id", "objective_id"
        )
    }


def flag_state() -> list[tuple]:
    """Every flag row, for comparing whole states (history included)."""
    return list(
        Flag.objects.order_by("pk").values_list(
            "pk", "kind", "practice_id", "means_id", "objective_id", "resolved_at", "acknowledged_at"
        )
    )


def break_everything(g: Graph) -> set[tuple[str, str]]:
    """Cause one problem of each kind on the aligned graph; returns the flags now due."""
    from objectives.models import ObjectiveStatus
    from practices.models import PracticeObjective

    PracticeObjective.objects.filter(practice=g.first).delete()
    Objective.objects.filter(pk=g.branch.pk).update(status=ObjectiveStatus.ACHIEVED)
    PracticeMeansFactory(practice=g.second, means=g.kit)
    MeansFactory(name="Parallel intranet", unit=g.tool.unit, owner=g.owner)
    mentoring = ObjectiveFactory(title="Mentor juniors", unit=g.root.unit, parent=g.side, owner=g.owner)
    mentor = PracticeFactory(name="Weekly mentoring hour", unit=g.root.unit, owner=g.owner)
    PracticeObjectiveFactory(practice=mentor, objective=mentoring)
    PracticeMeansFactory(practice=mentor, means=g.kit)
    documenting = ObjectiveFactory(title="Document the onboarding", unit=g.root.unit, parent=g.side, owner=g.owner)
    MeansObjectiveFactory(means=g.kit, objective=documenting)
    return {
        ("orphan_practice", str(g.first)),
        ("unrooted_practice", str(g.second)),
        ("mismatched_means", str(g.second)),
        ("purposeless_means", "Parallel intranet"),
        ("unrooted_means", str(g.tool)),  # it serves only the leaf, below the achieved branch
        ("unresourced_objective", "Mentor juniors"),
        ("unpractised_objective", "Document the onboarding"),
    }

"""``manage.py alignment_sweep``: progress per rule, then a summary per kind."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alignment.models import Flag, FlagKind
from practices.models import PracticeObjective
from tests.factories import MeansFactory

pytestmark = pytest.mark.django_db


def sweep() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("alignment_sweep", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


PROGRESS = re.compile(
    r"(?P<label>[A-Z][a-z]+(?: [a-z]+)+) +raised +(?P<raised>\d+)"
    r" +resolved +(?P<resolved>\d+) +(?P<seconds>\d+\.\d{3}) s"
)


def row(output: str, label: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(label))
    return line[len(label) :].split()


def test_sweep_reports_each_rule_and_a_summary(graph, manager):
    PracticeObjective.objects.filter(practice=graph.first).delete()
    MeansFactory(name="Parallel intranet")
    stale = Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=graph.kit, raised_at=timezone.now())
    out, err = sweep()

    # One progress line per rule, in the order they run, with its own counts and timing.
    progress = [PROGRESS.fullmatch(line.rstrip()) for line in err.splitlines() if line.strip()]
    assert all(progress), err
    assert [(m["label"], m["raised"], m["resolved"]) for m in progress] == [
        ("Orphan practice", "1", "0"),
        ("Unrooted practice", "0", "0"),
        ("Mismatched means", "0", "0"),
        ("Purposeless means", "1", "1"),
        ("Unrooted means", "0", "0"),
        ("Unresourced objective", "0", "0"),
        ("Unpractised objective", "0", "0"),
        ("Stalled key result", "0", "0"),
    ]
    seconds = [float(m["seconds"]) for m in progress]
    assert all(0 <= s < 60 for s in seconds), seconds
    total = re.fullmatch(r"Swept in (\d+\.\d\d) s\.", out.splitlines()[-1])
    assert total, out
    assert abs(float(total[1]) - sum(seconds)) < 0.01
    # raised, resolved, still open, acknowledged
    assert row(out, "Orphan practice") == ["1", "0", "1", "0"]
    assert row(out, "Purposeless means") == ["1", "1", "1", "0"]
    assert row(out, "Total") == ["2", "1", "2", "0"]
    stale.refresh_from_db()
    assert stale.resolved_at is not None

    Flag.objects.filter(kind=FlagKind.ORPHAN_PRACTICE).update(
        acknowledged_at=timezone.now(), acknowledged_by=manager, acknowledgement_reason="Pilot."
    )
    out, _err = sweep()
    assert row(out, "Orphan practice") == ["0", "0", "0", "1"]
    assert row(out, "Total") == ["0", "0", "1", "1"]


def test_sweep_of_an_aligned_organisation_reports_zeros(graph):
    out, _err = sweep()
    assert row(out, "Total") == ["0", "0", "0", "0"]

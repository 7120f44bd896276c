"""The alignment engine: seven rules, each one set-based SQL statement, reconciled into flags.

Every rule is a single ``SELECT`` of subject ids (recursive CTEs and ``NOT EXISTS``; no
Python loop over rows) that runs unchanged on SQLite and PostgreSQL. Reconciling a rule
raises a flag for each new problem, resolves the unresolved flags whose problem is gone
(acknowledged ones included), and touches nothing else. Each rule commits on its own, so
a run that dies half-way leaves whole rules behind it, and running again converges:
running twice gives the same state as running once.

Definitions, precisely (the flags' help texts and docs/performance.md say the same):

- Only active practices are checked. A proposal is not a practice yet: it waits on the
  Proposals page, where managers adopt it under an objective or decline it.
- An objective's *chain* is the objective and its ancestors up to a root. A chain
  *reaches an active strategic root* only if every objective on it is active: one draft,
  achieved or archived objective anywhere on the way breaks it.
- An objective's *subtree* is the objective and the descendants reachable through active
  objectives only: whatever hangs below a draft or archived objective does not count
  for the objectives above it, for the same reason the chain is broken there.
- **orphan practice**: an active practice with no active objective linked.
- **unrooted practice**: an active practice with at least one active objective, none of
  whose chains reaches an active root.
- **mismatched means** (subject: the practice): an active practice with at least one
  objective (of any status: without one, orphan says it all) that relies on an active
  means serving none of the objectives on its chains. This one is about the shape of
  the graph, not statuses: archived goals are the other rules' business.
- **purposeless means**: an active means serving no active objective.
- **unrooted means**: an active means with at least one active objective, none of whose
  chains reaches an active root.
- An active practice or means is *aligned* when it is neither orphan/purposeless nor
  unrooted: one of its objectives has a complete chain to an active strategic root. The
  dashboard's score counts exactly that, from the flags (``alignment.figures``).
- **unresourced objective**: an active objective whose subtree has no active means.
- **unpractised objective**: an active objective whose subtree has no active practice.
  Both subtree rules leave an objective alone during its grace period
  (``ALIGNMENT_GRACE_DAYS`` after it was activated): nobody could have deployed means
  or practices under it yet. The sweep raises them once the period is over.
- **stalled key result**: a key result of an active objective with no check-in (or, if
  it never had one, created) more than ``KEY_RESULT_STALL_DAYS`` ago.

A :class:`Scope` restricts the same statements to what one change can affect, so the live
re-check costs what the change touches, not what the organisation holds. For the two
subtree rules that would mean walking a root's whole subtree, so a scoped run reads the
state of the subtrees it did *not* touch from their open flags (an objective outside the
scope has an unresolved flag exactly when its subtree lacks means or practices); the
periodic sweep recomputes everything from scratch and repairs any drift.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment import figures, notify
from alignment.models import FLAG_SUBJECT, UNALIGNED_KINDS, Flag, FlagKind, Notification
from objectives import progress
from objectives.models import KeyResult, Objective, ObjectiveStatus
from practices import adoption
from practices.models import (
    Means,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)

logger = logging.getLogger(__name__)

#: Session advisory lock that keeps two full sweeps on PostgreSQL from running at once.
SWEEP_LOCK = 7419002
#: First key of the transaction-level advisory lock each rule's reconciliation takes on
#: PostgreSQL (the second key is the rule's position): see :func:`_serialise_rule`.
RULE_LOCK = 7419003
#: A redelivered sweep may find the lock still held by the backend of the killed worker
#: that ran it; wait that long for it to go away before skipping.
SWEEP_LOCK_WAIT_SECONDS = 10.0

OBJECTIVES = Objective._meta.db_table
MEANS = Means._meta.db_table
PRACTICES = Practice._meta.db_table
PO = PracticeObjective._meta.db_table
PM = PracticeMeans._meta.db_table
MO = MeansObjective._meta.db_table
KR = KeyResult._meta.db_table
FLAG = Flag._meta.db_table
NOTIFICATION = Notification._meta.db_table

SUBJECT_TABLE = {"practice": PRACTICES, "means": MEANS, "objective": OBJECTIVES, "key_result": KR}

_WORD = re.compile(r"[a-z_]+")


def _lit(value: str) -> str:
    """A status or kind as an SQL literal. Only our own enum values ever get here."""
    if not _WORD.fullmatch(value):
        raise ValueError(f"not a plain identifier: {value!r}")
    return f"'{value}'"


def _id_list(ids: Iterable[int]) -> str:
    # ids are forced through int(): inlining them is safe, keeps any number of them
    # clear of the backends' parameter limits, and lets one statement carry them all.
    values = sorted({int(i) for i in ids})
    return "(" + ", ".join(map(str, values)) + ")" if values else "(NULL)"


ACTIVE_OBJECTIVE = _lit(ObjectiveStatus.ACTIVE)
ACTIVE_MEANS = _lit(MeansStatus.ACTIVE)
ACTIVE_PRACTICE = _lit(PracticeStatus.ACTIVE)


def _timestamp(value: datetime) -> str:
    """A moment as an SQL literal, comparable with the backend's stored datetimes.

    Only datetimes computed here get inlined (never input), so the statement stays one
    plain SELECT that the benchmark and EXPLAIN can run as it is.
    """
    adapted = connection.ops.adapt_datetimefield_value(value)
    if connection.vendor == "postgresql":
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    return f"'{adapted}'"


# --- Scope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What changed; the statements expand it to everything that change can affect.

    - ``practice_ids``: practices whose status or links changed. Re-checks them, and the
      chains of their objectives (a practice retiring can leave an objective unpractised).
    - ``means_ids``: means whose status or objective links changed. Re-checks them, the
      practices relying on them, and the chains of the objectives they serve.
    - ``objective_ids``: objectives at the end of a changed link (or a former parent):
      their chains up, for the subtree rules.
    - ``moved_objective_ids``: objectives whose status or parent changed (or that were
      created): their chains up, their subtrees down, and every practice and means
      linked into those subtrees.
    - ``unit_ids``: units that lost a record (deleted, or moved to another unit). The
      record is gone from them, so nothing else in the scope leads to them: their
      dashboard figures are recomputed, and, since a deleted record takes its flags with
      it, the whole trend window too.
    """

    practice_ids: frozenset[int] = field(default_factory=frozenset)
    means_ids: frozenset[int] = field(default_factory=frozenset)
    objective_ids: frozenset[int] = field(default_factory=frozenset)
    moved_objective_ids: frozenset[int] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    key_result_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        practice_ids=(),
        means_ids=(),
        objective_ids=(),
        moved_objective_ids=(),
        unit_ids=(),
        key_result_ids=(),
    ) -> Scope:
        def ints(ids):
            return frozenset(int(i) for i in ids or () if i is not None)

        return cls(
            ints(practice_ids),
            ints(means_ids),
            ints(objective_ids),
            ints(moved_objective_ids),
            ints(unit_ids),
            ints(key_result_ids),
        )

    def __len__(self) -> int:
        return (
            len(self.practice_ids)
            + len(self.means_ids)
            + len(self.objective_ids)
            + len(self.moved_objective_ids)
            + len(self.unit_ids)
            + len(self.key_result_ids)
        )

    def as_task_kwargs(self) -> dict[str, list[int]]:
        return {
            "practice_ids": sorted(self.practice_ids),
            "means_ids": sorted(self.means_ids),
            "objective_ids": sorted(self.objective_ids),
            "moved_objective_ids": sorted(self.moved_objective_ids),
            "unit_ids": sorted(self.unit_ids),
            "key_result_ids": sorted(self.key_result_ids),
        }


class _Sql:
    """Builds the CTEs a rule needs: nothing extra for a full run, the scope for a scoped one."""

    def __init__(self, scope: Scope | None, now: datetime | None = None):
        self.scope = scope
        self.now = now or timezone.now()

    def grace_cutoff(self) -> str:
        """Objectives activated after this moment are still in their grace period."""
        return _timestamp(self.now - timedelta(days=settings.ALIGNMENT_GRACE_DAYS))

    def stall_cutoff(self) -> str:
        """Key results with no check-in since this moment are stalled."""
        return _timestamp(self.now - timedelta(days=settings.KEY_RESULT_STALL_DAYS))

    @property
    def full(self) -> bool:
        return self.scope is None

    def _moved(self) -> list[str]:
        if not self.scope.moved_objective_ids:
            return []
        # UNION, not UNION ALL: a cycle that slipped past the guards still terminates.
        return [
            f"moved(id) AS (SELECT id FROM {OBJECTIVES} WHERE id IN {_id_list(self.scope.moved_objective_ids)}"
            f" UNION SELECT c.id FROM {OBJECTIVES} c JOIN moved ON c.parent_id = moved.id)"
        ]

    def scope_ctes(self, subject: str) -> list[str]:
        """CTEs defining ``scope_<subject>(id)``: the subjects this scoped run re-checks."""
        if self.full:
            return []
        s = self.scope
        moved = self._moved()
        if subject == "practice":
            parts = [f"SELECT id FROM {PRACTICES} WHERE id IN {_id_list(s.practice_ids)}"]
            if s.means_ids:
                parts.append(f"SELECT practice_id FROM {PM} WHERE means_id IN {_id_list(s.means_ids)}")
            if moved:
                parts.append(f"SELECT po.practice_id FROM {PO} po JOIN moved ON po.objective_id = moved.id")
            return [*moved, f"scope_practice(id) AS ({' UNION '.join(parts)})"]
        if subject == "means":
            parts = [f"SELECT id FROM {MEANS} WHERE id IN {_id_list(s.means_ids)}"]
            if moved:
                parts.append(f"SELECT mo.means_id FROM {MO} mo JOIN moved ON mo.objective_id = moved.id")
            return [*moved, f"scope_means(id) AS ({' UNION '.join(parts)})"]
        if subject == "key_result":
            parts = [f"SELECT id FROM {KR} WHERE id IN {_id_list(s.key_result_ids)}"]
            if moved:
                parts.append(f"SELECT kr.id FROM {KR} kr JOIN moved ON kr.objective_id = moved.id")
            return [*moved, f"scope_key_result(id) AS ({' UNION '.join(parts)})"]
        # Objectives: the chains above every objective the change reaches, and below the
        # moved ones (their own subtree rules did not change, but it costs little and
        # keeps a freshly created subtree right).
        parts = [f"SELECT id FROM {OBJECTIVES} WHERE id IN {_id_list(s.objective_ids)}"]
        if moved:
            parts.append("SELECT id FROM moved")
        if s.practice_ids:
            parts.append(f"SELECT objective_id FROM {PO} WHERE practice_id IN {_id_list(s.practice_ids)}")
        if s.means_ids:
            parts.append(f"SELECT objective_id FROM {MO} WHERE means_id IN {_id_list(s.means_ids)}")
        return [
            *moved,
            f"objective_seed(id) AS ({' UNION '.join(parts)})",
            f"scope_objective(id, parent_id, status) AS ("
            f"SELECT o.id, o.parent_id, o.status FROM {OBJECTIVES} o JOIN objective_seed s ON s.id = o.id"
            f" UNION SELECT o.id, o.parent_id, o.status FROM {OBJECTIVES} o"
            f" JOIN scope_objective so ON o.id = so.parent_id)",
        ]

    def in_scope(self, subject: str, column: str) -> str:
        if self.full:
            return ""
        return f" AND {column} IN (SELECT id FROM scope_{subject})"


# --- The seven rules ---------------------------------------------------------------------


def _orphan_practice(q: _Sql) -> tuple[list[str], str]:
    return q.scope_ctes("practice"), (
        f"SELECT p.id FROM {PRACTICES} p"
        f" WHERE p.status = {ACTIVE_PRACTICE}{q.in_scope('practice', 'p.id')}"
        f" AND NOT EXISTS (SELECT 1 FROM {PO} po JOIN {OBJECTIVES} o ON o.id = po.objective_id"
        f" WHERE po.practice_id = p.id AND o.status = {ACTIVE_OBJECTIVE})"
    )


def _rooted(q: _Sql, links: str, subject: str, column: str) -> list[str]:
    """CTE ``rooted(id)``: active objectives whose whole chain up to a strategic root is active.

    A full run walks the forest once; a scoped run only climbs from the objectives the
    scoped subjects (``subject``, linked through ``links.column``) are linked to.
    """
    if q.full:
        # Top-down from the active roots through active objectives only: one pass over
        # the tree gives every objective whose whole chain is active.
        return [
            f"rooted(id) AS (SELECT id FROM {OBJECTIVES} WHERE parent_id IS NULL AND status = {ACTIVE_OBJECTIVE}"
            f" UNION SELECT c.id FROM {OBJECTIVES} c JOIN rooted r ON c.parent_id = r.id"
            f" WHERE c.status = {ACTIVE_OBJECTIVE})"
        ]
    # Bottom-up from the scoped subjects' objectives only: cost is the chains' length.
    return [
        f"up(start_id, id, parent_id) AS ("
        f"SELECT o.id, o.id, o.parent_id FROM {OBJECTIVES} o"
        f" WHERE o.status = {ACTIVE_OBJECTIVE} AND o.id IN"
        f" (SELECT objective_id FROM {links} WHERE {column} IN (SELECT id FROM scope_{subject}))"
        f" UNION SELECT up.start_id, o.id, o.parent_id FROM up JOIN {OBJECTIVES} o ON o.id = up.parent_id"
        f" WHERE o.status = {ACTIVE_OBJECTIVE})",
        "rooted(id) AS (SELECT start_id FROM up WHERE parent_id IS NULL)",
    ]


def _unrooted_practice(q: _Sql) -> tuple[list[str], str]:
    return [*q.scope_ctes("practice"), *_rooted(q, PO, "practice", "practice_id")], (
        f"SELECT p.id FROM {PRACTICES} p"
        f" WHERE p.status = {ACTIVE_PRACTICE}{q.in_scope('practice', 'p.id')}"
        f" AND EXISTS (SELECT 1 FROM {PO} po JOIN {OBJECTIVES} o ON o.id = po.objective_id"
        f" WHERE po.practice_id = p.id AND o.status = {ACTIVE_OBJECTIVE})"
        f" AND NOT EXISTS (SELECT 1 FROM {PO} po JOIN rooted r ON r.id = po.objective_id"
        f" WHERE po.practice_id = p.id)"
    )


def _mismatched_means(q: _Sql) -> tuple[list[str], str]:
    anchor = f"SELECT id, id FROM {OBJECTIVES}"
    if not q.full:
        anchor += f" WHERE id IN (SELECT objective_id FROM {PO} WHERE practice_id IN (SELECT id FROM scope_practice))"
    return [
        *q.scope_ctes("practice"),
        # Every objective with each of its ancestors (itself included).
        f"chain(id, ancestor_id) AS ({anchor}"
        f" UNION SELECT chain.id, o.parent_id FROM chain JOIN {OBJECTIVES} o ON o.id = chain.ancestor_id"
        f" WHERE o.parent_id IS NOT NULL)",
        # The means available to an objective: those serving anything on its chain.
        f"available(objective_id, means_id) AS ("
        f"SELECT chain.id, mo.means_id FROM chain JOIN {MO} mo ON mo.objective_id = chain.ancestor_id)",
        # Each (practice, means) it relies on, for active practices that have objectives.
        f"reliance(practice_id, means_id) AS ("
        f"SELECT pm.practice_id, pm.means_id FROM {PM} pm"
        f" JOIN {PRACTICES} p ON p.id = pm.practice_id JOIN {MEANS} m ON m.id = pm.means_id"
        f" WHERE p.status = {ACTIVE_PRACTICE} AND m.status = {ACTIVE_MEANS}{q.in_scope('practice', 'pm.practice_id')}"
        f" AND EXISTS (SELECT 1 FROM {PO} po WHERE po.practice_id = pm.practice_id))",
        # The pairs where the means meets one of the practice's chains.
        f"met(practice_id, means_id) AS ("
        f"SELECT DISTINCT r.practice_id, r.means_id FROM reliance r"
        f" JOIN {PO} po ON po.practice_id = r.practice_id"
        f" JOIN available a ON a.objective_id = po.objective_id AND a.means_id = r.means_id)",
    ], (
        "SELECT DISTINCT r.practice_id AS id FROM reliance r"
        " WHERE NOT EXISTS (SELECT 1 FROM met WHERE met.practice_id = r.practice_id AND met.means_id = r.means_id)"
    )


def _purposeless_means(q: _Sql) -> tuple[list[str], str]:
    return q.scope_ctes("means"), (
        f"SELECT m.id FROM {MEANS} m"
        f" WHERE m.status = {ACTIVE_MEANS}{q.in_scope('means', 'm.id')}"
        f" AND NOT EXISTS (SELECT 1 FROM {MO} mo JOIN {OBJECTIVES} o ON o.id = mo.objective_id"
        f" WHERE mo.means_id = m.id AND o.status = {ACTIVE_OBJECTIVE})"
    )


def _unrooted_means(q: _Sql) -> tuple[list[str], str]:
    """Active means serving active objectives, none of whose chains reaches an active root.

    The means' counterpart of the unrooted practice: without it, a means whose objectives
    all hang below a draft or archived objective counted against the alignment score
    while no flag said so.
    """
    return [*q.scope_ctes("means"), *_rooted(q, MO, "means", "means_id")], (
        f"SELECT m.id FROM {MEANS} m"
        f" WHERE m.status = {ACTIVE_MEANS}{q.in_scope('means', 'm.id')}"
        f" AND EXISTS (SELECT 1 FROM {MO} mo JOIN {OBJECTIVES} o ON o.id = mo.objective_id"
        f" WHERE mo.means_id = m.id AND o.status = {ACTIVE_OBJECTIVE})"
        f" AND NOT EXISTS (SELECT 1 FROM {MO} mo JOIN rooted r ON r.id = mo.objective_id"
        f" WHERE mo.means_id = m.id)"
    )


def _subtree_rule(q: _Sql, kind: str, *, has_own: str) -> tuple[list[str], str]:
    """Active objectives whose active subtree lacks something ``has_own`` finds on one objective.

    Bottom-up: the objectives that have it propagate "covered" to their parents through
    active objectives; whatever is active and not covered is flagged.
    """
    if q.full:
        anchor = f"o.status = {ACTIVE_OBJECTIVE} AND {has_own}"
        upward = f"SELECT o.id, o.parent_id FROM {OBJECTIVES} o JOIN covered c ON o.id = c.parent_id"
    else:
        # The scope is closed upwards: climbing within it, PostgreSQL never considers
        # hashing the whole objectives table for a walk of a few rows.
        upward = "SELECT o.id, o.parent_id FROM scope_objective o JOIN covered c ON o.id = c.parent_id"
        # A child outside the scope did not change: its open flag (or its absence) is
        # its subtree's answer, so the walk never leaves the touched chains.
        anchor = (
            f"o.status = {ACTIVE_OBJECTIVE} AND o.id IN (SELECT id FROM scope_objective) AND ({has_own}"
            f" OR EXISTS (SELECT 1 FROM {OBJECTIVES} c WHERE c.parent_id = o.id AND c.status = {ACTIVE_OBJECTIVE}"
            f" AND NOT EXISTS (SELECT 1 FROM scope_objective s WHERE s.id = c.id)"
            f" AND NOT EXISTS (SELECT 1 FROM {FLAG} f WHERE f.kind = {_lit(kind)} AND f.objective_id = c.id"
            f" AND f.resolved_at IS NULL)))"
        )
    return [
        *q.scope_ctes("objective"),
        f"covered(id, parent_id) AS (SELECT o.id, o.parent_id FROM {OBJECTIVES} o WHERE {anchor}"
        f" UNION {upward} WHERE o.status = {ACTIVE_OBJECTIVE})",
    ], (
        f"SELECT o.id FROM {OBJECTIVES} o WHERE o.status = {ACTIVE_OBJECTIVE}{q.in_scope('objective', 'o.id')}"
        f" AND (o.activated_at IS NULL OR o.activated_at <= {q.grace_cutoff()})"
        f" AND NOT EXISTS (SELECT 1 FROM covered c WHERE c.id = o.id)"
    )


def _unresourced_objective(q: _Sql) -> tuple[list[str], str]:
    return _subtree_rule(
        q,
        FlagKind.UNRESOURCED_OBJECTIVE,
        has_own=(
            f"EXISTS (SELECT 1 FROM {MO} mo JOIN {MEANS} m ON m.id = mo.means_id"
            f" WHERE mo.objective_id = o.id AND m.status = {ACTIVE_MEANS})"
        ),
    )


def _unpractised_objective(q: _Sql) -> tuple[list[str], str]:
    return _subtree_rule(
        q,
        FlagKind.UNPRACTISED_OBJECTIVE,
        has_own=(
            f"EXISTS (SELECT 1 FROM {PO} po JOIN {PRACTICES} p ON p.id = po.practice_id"
            f" WHERE po.objective_id = o.id AND p.status = {ACTIVE_PRACTICE})"
        ),
    )


def _stalled_key_result(q: _Sql) -> tuple[list[str], str]:
    return q.scope_ctes("key_result"), (
        f"SELECT kr.id FROM {KR} kr JOIN {OBJECTIVES} o ON o.id = kr.objective_id"
        f" WHERE o.status = {ACTIVE_OBJECTIVE}{q.in_scope('key_result', 'kr.id')}"
        f" AND COALESCE(kr.last_check_in_at, kr.created_at) < {q.stall_cutoff()}"
    )


@dataclass(frozen=True)
class Rule:
    kind: FlagKind
    build: Callable[[_Sql], tuple[list[str], str]]

    @property
    def subject(self) -> str:
        return FLAG_SUBJECT[self.kind]

    @property
    def label(self):
        return self.kind.label


#: In the order they run: the practices' rules first, so the flag a person is waiting
#: for after unlinking a practice lands before the subtree rules even start.
RULES: tuple[Rule, ...] = (
    Rule(FlagKind.ORPHAN_PRACTICE, _orphan_practice),
    Rule(FlagKind.UNROOTED_PRACTICE, _unrooted_practice),
    Rule(FlagKind.MISMATCHED_MEANS, _mismatched_means),
    Rule(FlagKind.PURPOSELESS_MEANS, _purposeless_means),
    Rule(FlagKind.UNROOTED_MEANS, _unrooted_means),
    Rule(FlagKind.UNRESOURCED_OBJECTIVE, _unresourced_objective),
    Rule(FlagKind.UNPRACTISED_OBJECTIVE, _unpractised_objective),
    Rule(FlagKind.STALLED_KEY_RESULT, _stalled_key_result),
)


def problem_sql(rule: Rule, scope: Scope | None = None) -> str:
    """The rule as one plain ``SELECT id`` (what the benchmark times and EXPLAIN shows)."""
    ctes, select = rule.build(_Sql(scope))
    return f"WITH RECURSIVE {', '.join(ctes)} {select}" if ctes else select


# --- Reconciliation --------------------------------------------------------------------


@dataclass
class RuleResult:
    kind: FlagKind
    raised: int = 0
    resolved: int = 0
    notified: int = 0
    seconds: float = 0.0


def _db_datetime(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _with(ctes: list[str], *more: str) -> str:
    return "WITH RECURSIVE " + ", ".join([*ctes, *more]) + " "


#: Memory PostgreSQL may give each sort or hash of a full check, for this transaction only.
#: The default (4 MB) sends a million practices' joins to disk; a scoped re-check needs
#: none of it.
FULL_CHECK_WORK_MEM = "64MB"


def tune_for_full_check(cursor) -> None:
    """Settings of a full check's transaction (PostgreSQL; ``set_config(…, true)`` is local).

    JIT compilation is off: it costs 0.3-0.5 s per statement and, measured on the
    benchmark's hash joins, gains less than that back.
    """
    cursor.execute("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [FULL_CHECK_WORK_MEM])


def tune_for_scoped_check(cursor) -> None:
    """Settings of a scoped re-check's transaction (PostgreSQL).

    A scope reaches a handful of rows by construction, so index lookups in nested loops
    are the right plan; but PostgreSQL estimates recursive CTEs coarsely (hundreds of
    rows per step for what is one parent) and then hashes or merges against whole
    tables, and its JIT compiler starts for those imagined costs: 2.9 s instead of
    30 ms measured for one objective's status change at a million practices.
    """
    cursor.execute(
        "SELECT set_config('jit', 'off', true), set_config('enable_hashjoin', 'off', true),"
        " set_config('enable_mergejoin', 'off', true)"
    )


def _serialise_rule(cursor, rule: Rule) -> None:
    """Wait for any other run reconciling this rule to commit (PostgreSQL).

    Each rule is one statement under READ COMMITTED: its snapshot is taken when it
    starts. Two re-checks of the same rule running at once could commit out of order:
    the older one, whose snapshot predates a change, committing after the newer one had
    already reconciled that change, leaving its stale flag (raised or resolved) until the
    next sweep. With this lock the second waits, and its statement, started after the
    first committed, sees both the change and the first one's flags. One lock per rule,
    taken in a statement of its own before the rule's: the rule's snapshot is then taken
    after the wait. Rules always lock in the same order, so runs never deadlock; and a
    full sweep pays one extra statement per rule, not per row.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RULE_LOCK, list(FlagKind).index(rule.kind)])


def _reconcile_postgresql(rule: Rule, q: _Sql, now) -> RuleResult:
    """One statement: the problem set is computed once and feeds the insert, the owners'
    notifications and the resolution (data-modifying CTEs share one snapshot).

    New and gone problems are set differences (``EXCEPT``), which PostgreSQL executes by
    hashing or sorting each side once, never as a nested loop. An anti-join probing the
    flag table instead was planned, on the first sweep (the table empty, its statistics
    saying so), as one sequential scan of the flag table per problem, while this very
    statement grew it: 22 s instead of 4 s for 42,000 new flags at a million practices.
    """
    ctes, select = rule.build(q)
    subj = f"{rule.subject}_id"
    kind = _lit(rule.kind)
    sql = (
        _with(
            ctes,
            f"problem AS MATERIALIZED ({select})",
            f"open AS MATERIALIZED (SELECT {subj} AS id FROM {FLAG} WHERE kind = {kind} AND resolved_at IS NULL"
            f" AND {subj} IS NOT NULL{q.in_scope(rule.subject, subj)})",
            "fresh AS (SELECT id FROM problem EXCEPT SELECT id FROM open)",
            "gone AS (SELECT id FROM open EXCEPT SELECT id FROM problem)",
            f"raised AS (INSERT INTO {FLAG} (kind, {subj}, raised_at, acknowledgement_reason)"
            f" SELECT {kind}, fresh.id, %(now)s, '' FROM fresh"
            # A concurrent run may have raised the same flag since our snapshot: the partial
            # unique index has the last word, and the loser inserts nothing.
            f" ON CONFLICT DO NOTHING RETURNING id, {subj} AS subject_id)",
            f"told AS ({notify.owner_notifications_sql(rule.subject, 'raised')} RETURNING 1)",
            f"resolved AS (UPDATE {FLAG} SET resolved_at = %(now)s"
            f" WHERE kind = {kind} AND resolved_at IS NULL AND {subj} IN (SELECT id FROM gone) RETURNING 1)",
        )
        + "SELECT (SELECT count(*) FROM raised), (SELECT count(*) FROM resolved), (SELECT count(*) FROM told)"
    )
    # atomic: inside a caller's transaction a failed rule rolls back to its savepoint
    # instead of poisoning everything after it.
    with transaction.atomic(), connection.cursor() as cursor:
        _serialise_rule(cursor, rule)
        (tune_for_full_check if q.full else tune_for_scoped_check)(cursor)
        cursor.execute(sql, {"now": now})
        raised, resolved, notified = cursor.fetchone()
        figures.count_flag_changes(cursor, now=now, raised=raised, resolved=resolved)
    return RuleResult(rule.kind, raised, resolved, notified)


def _changes(cursor) -> int:
    # Python's sqlite3 reports no rowcount for a statement that starts with WITH.
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def _reconcile_portable(rule: Rule, q: _Sql, now) -> RuleResult:
    """SQLite has no data-modifying CTEs: the same statements, one after the other, in
    one transaction (the problem set is computed twice; SQLite serves small organisations).

    No rule lock here: SQLite runs one writing transaction at a time, and every
    transaction is opened IMMEDIATE (raison/envsettings.py), so this one holds the write
    lock before its first statement reads anything.
    """
    ctes, select = rule.build(q)
    subj = f"{rule.subject}_id"
    kind = _lit(rule.kind)
    problem = f"problem AS MATERIALIZED ({select})"
    params = {"now": _db_datetime(now)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _with(ctes, problem) + f"UPDATE {FLAG} SET resolved_at = %(now)s"
            f" WHERE kind = {kind} AND resolved_at IS NULL AND {subj} IS NOT NULL{q.in_scope(rule.subject, subj)}"
            f" AND NOT EXISTS (SELECT 1 FROM problem WHERE problem.id = {FLAG}.{subj})",
            params,
        )
        resolved = _changes(cursor)
        cursor.execute(
            _with(ctes, problem) + f"INSERT INTO {FLAG} (kind, {subj}, raised_at, acknowledgement_reason)"
            f" SELECT {kind}, problem.id, %(now)s, '' FROM problem"
            f" WHERE NOT EXISTS (SELECT 1 FROM {FLAG} f WHERE f.kind = {kind} AND f.{subj} = problem.id"
            f" AND f.resolved_at IS NULL)"
            f" ON CONFLICT DO NOTHING",
            params,
        )
        raised = _changes(cursor)
        notified = notify.notify_owners(rule.kind, raised_at=now) if raised else 0
        figures.count_flag_changes(cursor, now=now, raised=raised, resolved=resolved)
    return RuleResult(rule.kind, raised, resolved, notified)


def run(
    scope: Scope | None = None,
    *,
    now: datetime | None = None,
    on_start: Callable[[Rule], None] | None = None,
    on_done: Callable[[RuleResult], None] | None = None,
    rules: Iterable[Rule] = RULES,
) -> list[RuleResult]:
    """Check everything (``scope=None``) or only what ``scope`` can affect.

    Each rule commits on its own: a failure part-way leaves finished rules committed and
    the rest untouched, and the next run picks up from the state it finds.
    """
    now = now or timezone.now()
    q = _Sql(scope, now)
    reconcile = _reconcile_postgresql if connection.vendor == "postgresql" else _reconcile_portable
    results = []
    for rule in rules:
        if on_start:
            on_start(rule)
        started = time.perf_counter()
        result = reconcile(rule, q, now)
        result.seconds = time.perf_counter() - started
        results.append(result)
        if on_done:
            on_done(result)
    _keep_statistics_current(results)
    _refresh_figures(q, now, results)
    if any(r.raised for r in results):
        # Outside every transaction: a slow mail server never holds a lock on the flags.
        notify.send_emails(raised_at=now)
    return results


#: A re-check reaching more units than this recounts every figure at once instead.
FIGURES_SCOPED_UNITS = 25


def _refresh_figures(q: _Sql, now, results: list[RuleResult]) -> None:
    """Bring the dashboard's figures up to date with what this run decided.

    After the rules, in a transaction of its own: the flags a person waits for are never
    held up by the figures, and the figures read flags already committed. A scoped run
    recounts only what it can have changed: the units of the records it was handed
    (statuses, links), of the records whose flags it raised or resolved (per kind), and
    of those that left for another unit or were deleted.
    """
    if q.full:
        figures.refresh_all(now=now, tune=tune_for_full_check)
        return
    s = q.scope
    units = _reached_units(q)
    changed = {r.kind for r in results if r.raised or r.resolved}
    lost = set(s.unit_ids)
    direct = units["direct_practice"] | units["direct_means"]
    reached = figures.Reached(
        unit_ids=direct | lost,
        # A record handed over may have come from another unit: its flags now count here.
        open_units={kind: lost | units[f"direct_{FLAG_SUBJECT[kind]}"] for kind in FlagKind},
        coverage_unit_ids=direct | lost,
        root_ids=units["roots"],
        moved=bool(s.moved_objective_ids),
        trend=bool(lost),
    )
    for kind in changed:
        subject_units = units[FLAG_SUBJECT[kind]]
        reached.open_units[kind] |= subject_units
        if any(kind in kinds for kinds in UNALIGNED_KINDS.values()):
            reached.unit_ids |= subject_units
    if s.moved_objective_ids:
        # Whatever is linked into a moved subtree may now count below another root.
        reached.coverage_unit_ids |= units["practice"] | units["means"]
    touched = reached.unit_ids | reached.coverage_unit_ids | set().union(*reached.open_units.values())
    if len(touched) > FIGURES_SCOPED_UNITS:
        # A change high in the strategy reaches most units: recounting them one by one
        # through indexes would cost more than the sweep's hash joins over everything.
        figures.refresh_all(now=now, tune=tune_for_full_check)
        return
    figures.refresh(reached, now=now, tune=tune_for_scoped_check)


def _reached_units(q: _Sql) -> dict[str, set[int]]:
    """In one query: the units of the records the scope was handed (``direct_…``), of every
    record it re-checked per subject, and the strategic roots on top of every chain it climbed."""
    s = q.scope
    ctes = list(
        dict.fromkeys(
            [
                *q.scope_ctes("practice"),
                *q.scope_ctes("means"),
                *q.scope_ctes("objective"),
                *q.scope_ctes("key_result"),
            ]
        )
    )
    sql = _with(ctes) + (
        f"SELECT 'direct_practice', unit_id FROM {PRACTICES} WHERE id IN {_id_list(s.practice_ids)}"
        f" UNION SELECT 'direct_means', unit_id FROM {MEANS} WHERE id IN {_id_list(s.means_ids)}"
        f" UNION SELECT 'direct_objective', unit_id FROM {OBJECTIVES} WHERE id IN {_id_list(s.moved_objective_ids)}"
        f" UNION SELECT 'practice', unit_id FROM {PRACTICES} WHERE id IN (SELECT id FROM scope_practice)"
        f" UNION SELECT 'means', unit_id FROM {MEANS} WHERE id IN (SELECT id FROM scope_means)"
        f" UNION SELECT 'objective', unit_id FROM {OBJECTIVES} WHERE id IN (SELECT id FROM scope_objective)"
        f" UNION SELECT 'roots', id FROM scope_objective WHERE parent_id IS NULL"
        # A key result's flags count in its objective's unit.
        f" UNION SELECT 'direct_key_result', o.unit_id FROM {KR} kr JOIN {OBJECTIVES} o ON o.id = kr.objective_id"
        f" WHERE kr.id IN {_id_list(s.key_result_ids)}"
        f" UNION SELECT 'key_result', o.unit_id FROM {KR} kr JOIN {OBJECTIVES} o ON o.id = kr.objective_id"
        f" WHERE kr.id IN (SELECT id FROM scope_key_result)"
    )
    keys = (
        "direct_practice",
        "direct_means",
        "direct_objective",
        "direct_key_result",
        "practice",
        "means",
        "objective",
        "key_result",
        "roots",
    )
    found: dict[str, set[int]] = {key: set() for key in keys}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tune_for_scoped_check(cursor)
        cursor.execute(sql)
        for what, pk in cursor.fetchall():
            found[what].add(pk)
    return found


#: After a run that changed this many flags, PostgreSQL's statistics on the flag table are
#: refreshed at once instead of whenever autovacuum next passes.
ANALYZE_AFTER = 1000


def _keep_statistics_current(results: list[RuleResult]) -> None:
    # The flag table is the one table the engine itself rewrites wholesale. Planned with
    # statistics from before a sweep that raised tens of thousands of flags, the next
    # sweep joined them to its problems in a nested loop (measured: 4 minutes instead of
    # 0.3 s at 100,000 practices). Sampling the table costs a fraction of a second, and
    # autovacuum may not pass before the next run.
    if connection.vendor != "postgresql":
        return
    if sum(r.raised + r.resolved for r in results) >= ANALYZE_AFTER:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {FLAG}, {NOTIFICATION}")


def recheck(scope: Scope, *, now: datetime | None = None) -> list[RuleResult]:
    """The live path: re-check what one committed change can affect."""
    if not len(scope):
        return []
    return run(scope, now=now)


@contextmanager
def sweep_lock(wait: float = 0.0):
    """Yield True if this process may sweep now; False if another sweep holds the lock.

    PostgreSQL only: SQLite serialises writers on its own and has one process anyway.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    deadline = time.monotonic() + wait
    with connection.cursor() as cursor:
        # A killed worker's backend would keep the lock while it waits on something;
        # with this it notices its client is gone within a second and lets go.
        cursor.execute("SET client_connection_check_interval = 1000")
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(0.25)
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK])
        except DatabaseError:
            # The connection died with the sweep: so did its session, and the lock with it.
            logger.warning("could not release the sweep lock; the session holding it is gone", exc_info=True)


def sweep(*, wait: float = 0.0, **kwargs) -> list[RuleResult] | None:
    """The full check, unless another sweep is running (then None: it does the same work)."""
    with sweep_lock(wait) as acquired:
        if not acquired:
            logger.info("alignment sweep skipped: another sweep holds the lock")
            return None
        results = run(None, **kwargs)
        # Progress is kept incrementally along each chain; the sweep repairs whatever a
        # bulk load or a race left behind, as it does for flags.
        progress.recompute_all_progress()
        # Memberships move the denominators of adoption without touching a practice.
        adoption.refresh_practised()
        return results


# --- Reading the outcome ---------------------------------------------------------------


@dataclass
class KindSummary:
    kind: FlagKind
    raised: int = 0
    resolved: int = 0
    open: int = 0
    acknowledged: int = 0

    @property
    def label(self):
        return self.kind.label


def summarise(results: Iterable[RuleResult] = ()) -> list[KindSummary]:
    """Per kind: what this run raised and resolved, and what stands now (one query)."""
    rows = {
        row["kind"]: row
        for row in Flag.objects.unresolved()
        .values("kind")
        .annotate(
            open=Count("pk", filter=Q(acknowledged_at__isnull=True)),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        )
    }
    by_kind = {r.kind: r for r in results}
    summary = []
    for rule in RULES:
        row = rows.get(rule.kind, {})
        result = by_kind.get(rule.kind)
        summary.append(
            KindSummary(
                rule.kind,
                raised=result.raised if result else 0,
                resolved=result.resolved if result else 0,
                open=row.get("open", 0),
                acknowledged=row.get("acknowledged", 0),
            )
        )
    return summary


#: Column headings for the sweep's summary table.
SUMMARY_HEADINGS = (_("Flag"), _("Raised"), _("Resolved"), _("Still open"), _("Acknowledged"))

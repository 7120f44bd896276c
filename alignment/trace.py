"""“Why does this exist?”: from a practice or a means up to each strategic root.

A trace costs two queries whatever the size of the organisation or the depth of the
strategy: one for the links (with who made them), one recursive ``chain_of`` query for
every objective those links reach and all their ancestors. The chains are assembled
in Python, and each is told as one plain sentence an employee can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, MeansObjective, Practice, PracticeObjective


@dataclass(frozen=True)
class TracedLink:
    """One link from the subject to an objective, and that objective's chain up to its root."""

    objective: Objective
    rationale: str
    linked_by: object | None
    linked_at: datetime
    #: The linked objective first, then its parent, …, up to the strategic root.
    chain: tuple[Objective, ...]
    sentence: str

    @property
    def root(self) -> Objective | None:
        """The strategic objective at the top, or None if the chain is broken (an ancestor is missing)."""
        top = self.chain[-1]
        return top if top.parent_id is None else None

    @property
    def ancestors(self) -> tuple[Objective, ...]:
        return self.chain[1:]

    @property
    def is_rooted(self) -> bool:
        """Every objective up the chain is active and the chain reaches a strategic root."""
        return self.root is not None and all(o.status == ObjectiveStatus.ACTIVE for o in self.chain)


@dataclass(frozen=True)
class Trace:
    """Everything that explains why one practice or means exists."""

    subject: Practice | Means
    links: tuple[TracedLink, ...] = field(default_factory=tuple)

    @property
    def is_explained(self) -> bool:
        """At least one link climbs, through active objectives only, to an active strategic root."""
        return any(link.is_rooted for link in self.links)

    @property
    def roots(self) -> list[Objective]:
        seen: dict[int, Objective] = {}
        for link in self.links:
            if link.root is not None:
                seen.setdefault(link.root.pk, link.root)
        return list(seen.values())

    @property
    def summary(self) -> str:
        """One honest sentence for the top of the page."""
        if not self.links:
            return _("No objective explains this yet.")
        if not self.is_explained:
            return _(
                "No active strategic objective explains this yet: none of the objectives it is linked to leads, "
                "through active objectives only, up to an active strategic objective."
            )
        others = len(self.links) - 1
        if not others:
            return self.links[0].sentence
        more = ngettext(
            "It is linked to %(count)d other objective too.", "It is linked to %(count)d other objectives too.", others
        ) % {"count": others}
        return f"{self.links[0].sentence} {more}"


def _describe(objective: Objective) -> str:
    """“Title” with what a reader needs to weigh it: strategic, and any status other than active."""
    notes = []
    if objective.parent_id is None:
        notes.append(_("strategic objective"))
    if objective.status != ObjectiveStatus.ACTIVE:
        notes.append(str(objective.get_status_display()).lower())
    title = _("“%(title)s”") % {"title": objective.title}
    if notes:
        return _("%(title)s (%(notes)s)") % {"title": title, "notes": ", ".join(notes)}
    return title


def sentence_for(subject_name: str, chain: Sequence[Objective]) -> str:
    """“The wiki exists because it serves “A”, which contributes to “B” (strategic objective).”"""
    text = _("“%(subject)s” exists because it serves %(objective)s") % {
        "subject": subject_name,
        "objective": _describe(chain[0]),
    }
    for ancestor in chain[1:]:
        text += _(", which contributes to %(objective)s") % {"objective": _describe(ancestor)}
    if chain[-1].parent_id is not None:
        text += _(", whose parent objective could not be found")
    return text + "."


def _chain(objective_id: int, objectives: dict[int, Objective]) -> tuple[Objective, ...]:
    chain: list[Objective] = []
    seen: set[int] = set()
    current = objectives.get(objective_id)
    # The database refuses cycles; the guard keeps a page from looping if bad data ever slipped in.
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = objectives.get(current.parent_id) if current.parent_id is not None else None
    return tuple(chain)


def _assemble(subjects: Iterable[Practice | Means], links, subject_attr: str) -> dict[int, Trace]:
    links = list(links)
    objectives = {o.pk: o for o in Objective.objects.chain_of({link.objective_id for link in links})} if links else {}
    names = {}
    by_subject: dict[int, list[TracedLink]] = {}
    subjects = list(subjects)
    for subject in subjects:
        names[subject.pk] = subject.name
        by_subject[subject.pk] = []
    for link in links:
        subject_id = getattr(link, f"{subject_attr}_id")
        chain = _chain(link.objective_id, objectives)
        if not chain:  # deleted between the two queries
            continue
        by_subject[subject_id].append(
            TracedLink(
                objective=chain[0],
                rationale=link.rationale,
                linked_by=link.created_by,
                linked_at=link.created_at,
                chain=chain,
                sentence=sentence_for(names[subject_id], chain),
            )
        )
    traces = {}
    for subject in subjects:
        # Rooted links first: the reasons that hold come before the broken ones.
        ordered = sorted(by_subject[subject.pk], key=lambda link: (not link.is_rooted, link.objective.title.lower()))
        traces[subject.pk] = Trace(subject=subject, links=tuple(ordered))
    return traces


def practice_traces(practices: Iterable[Practice]) -> dict[int, Trace]:
    """Traces for many practices in two queries, keyed by practice id."""
    practices = list(practices)
    links = PracticeObjective.objects.filter(practice__in=[p.pk for p in practices]).select_related("created_by")
    return _assemble(practices, links if practices else [], "practice")


def means_traces(means_list: Iterable[Means]) -> dict[int, Trace]:
    """Traces for many means in two queries, keyed by means id."""
    means_list = list(means_list)
    links = MeansObjective.objects.filter(means__in=[m.pk for m in means_list]).select_related("created_by")
    return _assemble(means_list, links if means_list else [], "means")


def practice_trace(practice: Practice) -> Trace:
    return practice_traces([practice])[practice.pk]


def means_trace(means: Means) -> Trace:
    return means_traces([means])[means.pk]

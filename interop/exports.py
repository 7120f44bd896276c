"""What an export holds: the strategy of a unit's subtree (or of everything) as a document.

Records keep the identifier they were imported with, so a file exported, imported
elsewhere and exported again comes out the same; records made in Raison get
``raison-<kind>-<id>``. The order is stable (parents first, then by identifier).
A constant number of queries, whatever the size.
"""

from __future__ import annotations

from collections import defaultdict

from interop import formats
from interop.document import (
    MEANS_OBJECTIVE,
    PRACTICE_MEANS,
    PRACTICE_OBJECTIVE,
    LinkRow,
    MeansRow,
    ObjectiveRow,
    PracticeRow,
    StrategyDocument,
)
from interop.models import ImportedRecord, RecordKind
from objectives.models import Objective
from org.models import Unit
from practices.models import Means, MeansObjective, Practice, PracticeMeans, PracticeObjective


def export_document(*, unit_ids=None, name: str = "") -> StrategyDocument:
    """Everything in ``unit_ids`` (all units when None) as a document."""
    if unit_ids is None:
        unit_ids = list(Unit.objects.values_list("pk", flat=True))
    unit_ids = list(unit_ids)
    objectives = list(Objective.objects.filter(unit_id__in=unit_ids).select_related("unit", "owner").order_by("pk"))
    means = list(Means.objects.filter(unit_id__in=unit_ids).select_related("unit", "owner").order_by("pk"))
    practices = list(Practice.objects.filter(unit_id__in=unit_ids).select_related("unit", "owner").order_by("pk"))
    refs = {
        RecordKind.OBJECTIVE: _refs(RecordKind.OBJECTIVE, objectives),
        RecordKind.MEANS: _refs(RecordKind.MEANS, means),
        RecordKind.PRACTICE: _refs(RecordKind.PRACTICE, practices),
    }
    document = StrategyDocument(name=name or "Raison")

    objective_refs = refs[RecordKind.OBJECTIVE]
    children: dict[int | None, list[Objective]] = defaultdict(list)
    for objective in objectives:
        parent = objective.parent_id if objective.parent_id in objective_refs else None
        children[parent].append(objective)
    stack = sorted(children[None], key=lambda o: objective_refs[o.pk], reverse=True)
    while stack:
        objective = stack.pop()
        document.objectives.append(
            ObjectiveRow(
                ref=objective_refs[objective.pk],
                title=objective.title,
                statement=objective.statement,
                parent_ref=objective_refs.get(objective.parent_id),
                unit_code=objective.unit.code,
                owner=_owner(objective.owner),
                starts_on=objective.starts_on,
                ends_on=objective.ends_on,
                status=objective.status,
            )
        )
        stack.extend(sorted(children[objective.pk], key=lambda o: objective_refs[o.pk], reverse=True))
    for record in sorted(means, key=lambda m: refs[RecordKind.MEANS][m.pk]):
        document.means.append(
            MeansRow(
                ref=refs[RecordKind.MEANS][record.pk],
                name=record.name,
                kind=record.kind,
                description=record.description,
                url=record.url,
                unit_code=record.unit.code,
                owner=_owner(record.owner),
                status=record.status,
            )
        )
    for record in sorted(practices, key=lambda p: refs[RecordKind.PRACTICE][p.pk]):
        document.practices.append(
            PracticeRow(
                ref=refs[RecordKind.PRACTICE][record.pk],
                name=record.name,
                description=record.description,
                unit_code=record.unit.code,
                owner=_owner(record.owner),
                status=record.status,
            )
        )
    links = []
    for kind, model, source, target, source_kind, target_kind in (
        (MEANS_OBJECTIVE, MeansObjective, "means_id", "objective_id", RecordKind.MEANS, RecordKind.OBJECTIVE),
        (
            PRACTICE_OBJECTIVE,
            PracticeObjective,
            "practice_id",
            "objective_id",
            RecordKind.PRACTICE,
            RecordKind.OBJECTIVE,
        ),
        (PRACTICE_MEANS, PracticeMeans, "practice_id", "means_id", RecordKind.PRACTICE, RecordKind.MEANS),
    ):
        source_refs, target_refs = refs[source_kind], refs[target_kind]
        for source_id, target_id, rationale in model.objects.filter(
            **{f"{source.removesuffix('_id')}__unit_id__in": unit_ids}
        ).values_list(source, target, "rationale"):
            # A link to a record outside the export would dangle in the file.
            if source_id in source_refs and target_id in target_refs:
                links.append(LinkRow(kind, source_refs[source_id], target_refs[target_id], rationale))
    document.links = sorted(links, key=lambda link: (link.kind, link.source_ref, link.target_ref))
    return document


def _refs(kind: str, records) -> dict[int, str]:
    ids = [record.pk for record in records]
    refs = {pk: f"raison-{kind}-{pk}" for pk in ids}
    known: dict[int, str] = {}
    column = f"{kind}_id"
    # The first identifier a record was imported with is its name in every export.
    for record_id, external_id in (
        ImportedRecord.objects.filter(kind=kind, **{f"{column}__isnull": False})
        .order_by("-pk")
        .values_list(column, "external_id")
    ):
        known[record_id] = external_id
    refs.update({pk: known[pk] for pk in ids if pk in known})
    return refs


def _owner(user) -> str | None:
    if user is None:
        return None
    return user.email or user.get_username()


def export_bytes(*, format: str, unit: Unit | None = None) -> bytes:
    """The export of ``unit``'s subtree (or of everything) in ``format``."""
    unit_ids = None if unit is None else list(Unit.objects.subtree_of([unit.pk]).values_list("pk", flat=True))
    document = export_document(unit_ids=unit_ids, name=unit.name if unit is not None else "")
    return formats.WRITERS[format](document)

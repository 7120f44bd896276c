"""Import an Open Group ArchiMate Model Exchange file into objectives, means and practices.

The parsing and mapping are pure functions over the XML; ``import_archimate`` is the one
service that writes, through the ordinary services so every right and rule still applies.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from objectives.models import Objective, ObjectiveStatus
from objectives.services import objective_create
from org import roles
from practices.models import Means, MeansKind, MeansObjective, Practice, PracticeMeans, PracticeObjective
from practices.services import (
    means_create,
    means_link_objective,
    practice_create,
    practice_link_means,
    practice_link_objective,
)

NAMESPACE = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

OBJECTIVE_TYPES = frozenset({"Goal", "Outcome", "Driver"})
# Requirements and principles are objectives only when they realize a goal; otherwise they
# are rules the organisation gives itself, which is what an organisational means is.
CONDITIONAL_OBJECTIVE_TYPES = frozenset({"Requirement", "Principle"})
TECHNICAL_TYPES = frozenset({"ApplicationComponent", "ApplicationService", "Node", "SystemSoftware"})
ORGANISATIONAL_TYPES = frozenset(
    {"BusinessRole", "BusinessActor", "Capability", "Principle", "Constraint", "Requirement"}
)
PRACTICE_TYPES = frozenset({"BusinessProcess", "BusinessFunction", "BusinessInteraction", "WorkPackage"})

HIERARCHY_RELATIONSHIPS = frozenset({"Influence", "Realization", "Aggregation", "Composition"})
# In ArchiMate the whole is the source of an aggregation or composition, whereas the
# contributor is the source of an influence or realization: the parent sits at opposite ends.
WHOLE_IS_SOURCE = frozenset({"Aggregation", "Composition"})
PURPOSE_RELATIONSHIPS = frozenset({"Realization", "Influence", "Serving"})
USE_RELATIONSHIPS = frozenset({"Serving", "Assignment", "Realization"})

OBJECTIVE = "objective"
MEANS = "means"
PRACTICE = "practice"


class ArchimateImportError(Exception):
    """Anything that stops an import; the message is meant for the person running it."""


@dataclass(frozen=True)
class ArchimateElement:
    identifier: str
    type: str
    name: str
    documentation: str


@dataclass(frozen=True)
class ArchimateRelationship:
    identifier: str
    type: str
    source: str
    target: str


@dataclass(frozen=True)
class ArchimateModel:
    elements: dict[str, ArchimateElement]
    relationships: list[ArchimateRelationship]


@dataclass(frozen=True)
class Mapping:
    """Where each element goes, and the parent each objective element hangs under."""

    record_type: dict[str, str]
    means_kind: dict[str, str]
    parent: dict[str, str | None]
    objective_order: list[str]
    unmapped: Counter


@dataclass
class ImportSummary:
    objectives: int = 0
    means: Counter = field(default_factory=Counter)
    practices: int = 0
    links: Counter = field(default_factory=Counter)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    unmapped: Counter = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def links_created(self) -> int:
        return sum(self.links.values())


# --- Parsing -------------------------------------------------------------------------


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _first(node: ET.Element, name: str) -> str:
    # Names and documentation may repeat once per language; the first is the model's own.
    child = node.find(_tag(name))
    return (child.text or "").strip() if child is not None else ""


def parse_model(path_or_file: str | Path | IO[bytes]) -> ArchimateModel:
    # ElementTree in Python 3.11 does not resolve external entities or fetch DTDs, so a
    # hostile file cannot read local files or reach the network through XXE; defusedxml
    # would add billion-laughs limits, but it is not a dependency of this project.
    try:
        root = ET.parse(path_or_file).getroot()  # noqa: S314 (see above)
    except ET.ParseError as exc:
        raise ArchimateImportError(_("This file is not well-formed XML: %(error)s") % {"error": exc}) from None
    except OSError as exc:
        raise ArchimateImportError(_("Cannot read the file: %(error)s") % {"error": exc}) from None
    if root.tag != _tag("model"):
        raise ArchimateImportError(
            _("This is not an ArchiMate Model Exchange file: expected a <model> in the namespace %(namespace)s.")
            % {"namespace": NAMESPACE}
        )
    elements: dict[str, ArchimateElement] = {}
    for node in root.iterfind(f"{_tag('elements')}/{_tag('element')}"):
        identifier = node.get("identifier", "")
        elements[identifier] = ArchimateElement(
            identifier=identifier,
            type=node.get(XSI_TYPE, ""),
            name=" ".join(_first(node, "name").split()) or identifier,
            documentation=_first(node, "documentation"),
        )
    relationships = [
        ArchimateRelationship(
            identifier=node.get("identifier", ""),
            type=node.get(XSI_TYPE, ""),
            source=node.get("source", ""),
            target=node.get("target", ""),
        )
        for node in root.iterfind(f"{_tag('relationships')}/{_tag('relationship')}")
    ]
    return ArchimateModel(elements=elements, relationships=relationships)


# --- Mapping -------------------------------------------------------------------------


def map_model(model: ArchimateModel) -> Mapping:
    elements = model.elements
    realizes_goal = {
        rel.source
        for rel in model.relationships
        if rel.type == "Realization"
        and rel.source in elements
        and elements[rel.source].type in CONDITIONAL_OBJECTIVE_TYPES
        and elements.get(rel.target, None) is not None
        and elements[rel.target].type == "Goal"
    }
    record_type: dict[str, str] = {}
    means_kind: dict[str, str] = {}
    unmapped: Counter = Counter()
    for element in elements.values():
        if element.type in OBJECTIVE_TYPES or element.identifier in realizes_goal:
            record_type[element.identifier] = OBJECTIVE
        elif element.type in TECHNICAL_TYPES:
            record_type[element.identifier] = MEANS
            means_kind[element.identifier] = MeansKind.TECHNICAL
        elif element.type in ORGANISATIONAL_TYPES:
            record_type[element.identifier] = MEANS
            means_kind[element.identifier] = MeansKind.ORGANISATIONAL
        elif element.type in PRACTICE_TYPES:
            record_type[element.identifier] = PRACTICE
        else:
            unmapped[element.type] += 1
    parent = objective_parents(model, {i for i, kind in record_type.items() if kind == OBJECTIVE})
    return Mapping(
        record_type=record_type,
        means_kind=means_kind,
        parent=parent,
        objective_order=parents_first(parent),
        unmapped=unmapped,
    )


def objective_parents(model: ArchimateModel, objective_ids: set[str]) -> dict[str, str | None]:
    """Each objective element's parent: the first hierarchy relationship in the file wins,
    and one that would close a loop is ignored so the strategy stays a tree."""
    parent: dict[str, str | None] = dict.fromkeys(sorted(objective_ids, key=list(model.elements).index))
    for rel in model.relationships:
        if (
            rel.type not in HIERARCHY_RELATIONSHIPS
            or rel.source not in objective_ids
            or rel.target not in objective_ids
        ):
            continue
        child, above = (rel.target, rel.source) if rel.type in WHOLE_IS_SOURCE else (rel.source, rel.target)
        if child == above or parent[child] is not None or _is_below(above, child, parent):
            continue
        parent[child] = above
    return parent


def _is_below(node: str, ancestor: str, parent: dict[str, str | None]) -> bool:
    current: str | None = node
    while current is not None:
        if current == ancestor:
            return True
        current = parent[current]
    return False


def parents_first(parent: dict[str, str | None]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()

    def place(node: str) -> None:
        if node in placed:
            return
        above = parent[node]
        if above is not None:
            place(above)
        placed.add(node)
        order.append(node)

    for node in parent:
        place(node)
    return order


# --- Writing -------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised inside the transaction so a dry run is rolled back like any failure."""


def _rationale(relationship_type: str) -> str:
    return _("Imported from ArchiMate: %(type)s relationship") % {"type": relationship_type}


def _refused(element: ArchimateElement, exc: Exception) -> ArchimateImportError:
    reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return ArchimateImportError(
        _("“%(name)s” (%(identifier)s) could not be imported: %(reason)s")
        % {"name": element.name, "identifier": element.identifier, "reason": reason}
    )


def import_archimate(*, path_or_file, unit, by, dry_run: bool = False) -> ImportSummary:
    model = parse_model(path_or_file)
    mapping = map_model(model)
    summary = ImportSummary(unmapped=mapping.unmapped, dry_run=dry_run)
    try:
        roles.require_executive(by, unit.pk)
    except PermissionDenied as exc:
        raise ArchimateImportError(str(exc)) from None
    try:
        with transaction.atomic():
            _write(model, mapping, unit=unit, by=by, summary=summary)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _write(model: ArchimateModel, mapping: Mapping, *, unit, by, summary: ImportSummary) -> None:
    elements = model.elements
    records: dict[str, Objective | Means | Practice] = {}

    def run(element: ArchimateElement, create):
        try:
            return create()
        except (PermissionDenied, ValidationError) as exc:
            raise _refused(element, exc) from None

    def skip(element: ArchimateElement, record_type: str) -> None:
        summary.skipped.append((record_type, element.name, element.identifier))

    for identifier in mapping.objective_order:
        element = elements[identifier]
        existing = Objective.objects.filter(unit=unit, title=element.name).first()
        if existing is not None:
            records[identifier] = existing
            skip(element, OBJECTIVE)
            continue
        above = mapping.parent[identifier]
        records[identifier] = run(
            element,
            lambda element=element, above=above: objective_create(
                by=by,
                title=element.name,
                statement=element.documentation or _("Imported from ArchiMate (no documentation)"),
                unit=unit,
                parent=records[above] if above is not None else None,
                status=ObjectiveStatus.ACTIVE,
            ),
        )
        summary.objectives += 1

    for identifier, record_type in mapping.record_type.items():
        element = elements[identifier]
        if record_type == MEANS:
            existing = Means.objects.filter(unit=unit, name=element.name).first()
            if existing is not None:
                records[identifier] = existing
                skip(element, MEANS)
                continue
            kind = mapping.means_kind[identifier]
            records[identifier] = run(
                element,
                lambda element=element, kind=kind: means_create(
                    by=by, name=element.name, kind=kind, unit=unit, description=element.documentation
                ),
            )
            summary.means[kind] += 1
        elif record_type == PRACTICE:
            existing = Practice.objects.filter(unit=unit, name=element.name).first()
            if existing is not None:
                records[identifier] = existing
                skip(element, PRACTICE)
                continue
            records[identifier] = run(
                element,
                lambda element=element: practice_create(
                    by=by, name=element.name, unit=unit, description=element.documentation
                ),
            )
            summary.practices += 1

    for rel in model.relationships:
        source_type = mapping.record_type.get(rel.source)
        target_type = mapping.record_type.get(rel.target)
        if source_type is None or target_type is None:
            continue
        source, target = records[rel.source], records[rel.target]
        if target_type == OBJECTIVE and source_type == MEANS and rel.type in PURPOSE_RELATIONSHIPS:
            link = (MeansObjective, {"means": source, "objective": target}, means_link_objective, "means_objective")
        elif target_type == OBJECTIVE and source_type == PRACTICE and rel.type in PURPOSE_RELATIONSHIPS:
            link = (
                PracticeObjective,
                {"practice": source, "objective": target},
                practice_link_objective,
                "practice_objective",
            )
        elif {source_type, target_type} == {MEANS, PRACTICE} and rel.type in USE_RELATIONSHIPS:
            # The direction varies with the relationship (a role is assigned to a process,
            # a process realizes a service): either way the practice relies on the means.
            practice, means = (source, target) if source_type == PRACTICE else (target, source)
            link = (PracticeMeans, {"practice": practice, "means": means}, practice_link_means, "practice_means")
        else:
            continue
        model_class, ends, service, label = link
        if model_class.objects.filter(**ends).exists():
            continue
        rationale = _rationale(rel.type)
        run(
            elements[rel.source],
            lambda service=service, ends=ends, rationale=rationale: service(by=by, rationale=rationale, **ends),
        )
        summary.links[label] += 1


def format_summary(summary: ImportSummary) -> list[str]:
    lines = []
    if summary.dry_run:
        lines.append(_("Dry run: nothing was saved."))
    lines.append(_("Objectives created: %(count)d") % {"count": summary.objectives})
    for kind in MeansKind:
        lines.append(_("Means created (%(kind)s): %(count)d") % {"kind": kind.label, "count": summary.means[kind]})
    lines.append(_("Practices created: %(count)d") % {"count": summary.practices})
    lines.append(_("Links created: %(count)d") % {"count": summary.links_created})
    labels = {
        "means_objective": _("means → objective"),
        "practice_objective": _("practice → objective"),
        "practice_means": _("practice → means"),
    }
    for label, text in labels.items():
        lines.append("  " + _("%(link)s: %(count)d") % {"link": text, "count": summary.links[label]})
    lines.append(_("Skipped (already there): %(count)d") % {"count": len(summary.skipped)})
    record_labels = {OBJECTIVE: _("objective"), MEANS: _("means"), PRACTICE: _("practice")}
    for record_type, name, identifier in summary.skipped:
        lines.append(f"  {record_labels[record_type]}: {name} ({identifier})")
    lines.append(_("Unmapped element types: %(count)d") % {"count": sum(summary.unmapped.values())})
    for element_type, count in sorted(summary.unmapped.items()):
        lines.append(f"  {element_type}: {count}")
    return lines

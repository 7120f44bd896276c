"""ArchiMate, whatever the file: one model (elements, relationships, properties), one mapping.

The exchange format, Archi's ``.archimate`` and Archi's CSV are read into
:class:`ArchimateModel`; :func:`to_document` maps it as ArchiMate means it:

- Goal → objective; Outcome → child objective of the goal (or outcome) it realizes or
  influences; Driver and Assessment → text in the statement of the objectives they
  motivate (they are the reasons goals are set, not goals).
- Principle, Requirement, Constraint (and BusinessRole) → organisational means;
  application, technology and physical elements → technical means.
- BusinessProcess, BusinessFunction, BusinessInteraction → practices.
- WorkPackage → skipped with a warning (a project, not a way of working).

Links are derived **through chains** of serving, realization, assignment, influence,
composition and aggregation: a component serving a function that realizes a capability
that realizes an outcome is linked to that outcome, with a rationale naming the path.
:func:`from_document` is the way back, for the exports.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from interop.document import (
    MEANS_OBJECTIVE,
    PRACTICE_MEANS,
    PRACTICE_OBJECTIVE,
    RATIONALE_LIMIT,
    LinkRow,
    MeansRow,
    ObjectiveRow,
    PracticeRow,
    StrategyDocument,
    clip,
    one_line,
)

GOAL, OUTCOME = "Goal", "Outcome"
OBJECTIVE_TYPES = frozenset({GOAL, OUTCOME})
MOTIVATING_TYPES = frozenset({"Driver", "Assessment"})
ORGANISATIONAL_TYPES = frozenset({"Principle", "Requirement", "Constraint", "BusinessRole"})
TECHNICAL_TYPES = frozenset(
    {
        # application layer
        "ApplicationComponent",
        "ApplicationCollaboration",
        "ApplicationInterface",
        "ApplicationFunction",
        "ApplicationInteraction",
        "ApplicationProcess",
        "ApplicationService",
        # technology layer
        "Node",
        "Device",
        "SystemSoftware",
        "TechnologyCollaboration",
        "TechnologyInterface",
        "Path",
        "CommunicationNetwork",
        "TechnologyFunction",
        "TechnologyProcess",
        "TechnologyInteraction",
        "TechnologyService",
        "Artifact",
        # physical
        "Equipment",
        "Facility",
        "DistributionNetwork",
        "Material",
    }
)
PRACTICE_TYPES = frozenset({"BusinessProcess", "BusinessFunction", "BusinessInteraction"})
SKIPPED_TYPES = frozenset({"WorkPackage"})

#: Relationships along which a contribution flows, from contributor to what it contributes to.
FORWARD = frozenset({"Serving", "Realization", "Assignment", "Influence"})
#: The whole is the source of these: the part contributes to the whole, against the arrow.
PART_OF = frozenset({"Composition", "Aggregation"})
#: Between objectives, these make the hierarchy (the source is the child, except for PART_OF).
HIERARCHY = frozenset({"Realization", "Influence", "Composition", "Aggregation"})
#: Links so derived never run longer than this many steps (a model can be one big web).
MAX_STEPS = 8

#: Property keys (lower case, letters only) that mean a record field.
PROPERTY_KEYS = {
    "owner": {"owner", "owneremail", "email", "responsible", "accountable"},
    "starts_on": {"start", "startdate", "startson", "begin", "from", "validfrom"},
    "ends_on": {"end", "enddate", "endson", "due", "duedate", "until", "deadline", "validto"},
    "status": {"status", "lifecyclestatus"},
    "unit": {"unit", "raisonunit"},
    "url": {"url", "link"},
}
#: What the exports write, in this order.
EXPORT_KEYS = (
    ("unit", "unit"),
    ("owner", "owner"),
    ("starts_on", "starts on"),
    ("ends_on", "ends on"),
    ("status", "status"),
    ("url", "url"),
)


@dataclass
class Element:
    identifier: str
    type: str
    name: str
    documentation: str = ""
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class Relationship:
    identifier: str
    type: str
    source: str
    target: str
    name: str = ""
    documentation: str = ""


@dataclass
class ArchimateModel:
    name: str = ""
    documentation: str = ""
    elements: dict[str, Element] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    #: What a person can find: "element id-12", "elements.csv line 4".
    where: dict[str, str] = field(default_factory=dict)

    def locate(self, identifier: str) -> str:
        return self.where.get(identifier) or _("element %(id)s") % {"id": identifier}


def normalise_type(raw: str) -> str:
    """'archimate:ServingRelationship', 'ServingRelationship' and 'Serving' are one type."""
    name = raw.rsplit(":", 1)[-1]
    return name.removesuffix("Relationship") if name != "Relationship" else name


def property_field(key: str) -> str | None:
    letters = re.sub(r"[^a-z]", "", key.lower())
    for name, keys in PROPERTY_KEYS.items():
        if letters in keys:
            return name
    return None


# --- Model → document ------------------------------------------------------------------


def to_document(model: ArchimateModel) -> StrategyDocument:
    document = StrategyDocument(name=model.name)
    elements = model.elements
    category: dict[str, str] = {}
    not_imported: dict[str, int] = defaultdict(int)
    for element in elements.values():
        if element.type in OBJECTIVE_TYPES:
            category[element.identifier] = "objective"
        elif element.type in TECHNICAL_TYPES:
            category[element.identifier] = "technical"
        elif element.type in ORGANISATIONAL_TYPES:
            category[element.identifier] = "organisational"
        elif element.type in PRACTICE_TYPES:
            category[element.identifier] = "practice"
        elif element.type in SKIPPED_TYPES:
            document.warn(
                model.locate(element.identifier),
                _("“%(name)s” is a work package (a project, not a way of working): skipped.") % {"name": element.name},
            )
        elif element.type not in MOTIVATING_TYPES:
            not_imported[element.type] += 1
    relationships = [r for r in model.relationships if r.source in elements and r.target in elements]
    for rel in model.relationships:
        if rel.source not in elements or rel.target not in elements:
            document.warn(
                model.locate(rel.identifier),
                _("This relationship points at an element the file does not have: skipped."),
            )

    _same_names(model, category, document)
    parents = _objective_parents(model, relationships, category, document)
    reasons = _motivations(model, relationships, category, document)

    for identifier, kind in category.items():
        element = elements[identifier]
        values = _properties(model, element, document)
        where = model.locate(identifier)
        if kind == "objective":
            statement = element.documentation.strip()
            if reasons.get(identifier):
                statement = "\n\n".join(filter(None, [statement, *reasons[identifier]]))
            document.objectives.append(
                ObjectiveRow(
                    ref=identifier,
                    title=element.name,
                    statement=statement,
                    parent_ref=parents.get(identifier),
                    unit_code=values.get("unit"),
                    owner=values.get("owner"),
                    starts_on=values.get("starts_on"),
                    ends_on=values.get("ends_on"),
                    status=values.get("status"),
                    where=where,
                )
            )
        elif kind == "practice":
            document.practices.append(
                PracticeRow(
                    ref=identifier,
                    name=element.name,
                    description=element.documentation,
                    unit_code=values.get("unit"),
                    owner=values.get("owner"),
                    status=values.get("status"),
                    where=where,
                )
            )
        else:
            document.means.append(
                MeansRow(
                    ref=identifier,
                    name=element.name,
                    kind=kind,
                    description=element.documentation,
                    url=values.get("url", ""),
                    unit_code=values.get("unit"),
                    owner=values.get("owner"),
                    status=values.get("status"),
                    where=where,
                )
            )
    document.links.extend(_links(model, relationships, category))
    document.not_imported = dict(not_imported)
    return document


def _same_names(model: ArchimateModel, category: dict[str, str], document: StrategyDocument) -> None:
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for identifier, kind in category.items():
        named[((kind == "objective" and "objective") or kind, model.elements[identifier].name.casefold())].append(
            identifier
        )
    for ids in named.values():
        if len(ids) > 1:
            document.warn(
                model.locate(ids[0]),
                _("%(count)d elements are called “%(name)s” (%(ids)s): each becomes its own record.")
                % {"count": len(ids), "name": model.elements[ids[0]].name, "ids": ", ".join(ids)},
            )


def _objective_parents(model, relationships, category, document) -> dict[str, str]:
    """Each objective's parent: the first hierarchy relationship in the file wins."""
    parents: dict[str, str] = {}
    for rel in relationships:
        if (
            rel.type not in HIERARCHY
            or category.get(rel.source) != "objective"
            or category.get(rel.target) != "objective"
        ):
            continue
        child, above = (rel.target, rel.source) if rel.type in PART_OF else (rel.source, rel.target)
        if child == above or child in parents:
            continue
        # A goal does not hang under an outcome: outcomes are what goals are broken into.
        if model.elements[child].type == GOAL and model.elements[above].type == OUTCOME:
            continue
        parents[child] = above
    for identifier, kind in category.items():
        element = model.elements[identifier]
        if kind == "objective" and element.type == OUTCOME and identifier not in parents:
            document.warn(
                model.locate(identifier),
                _("The outcome “%(name)s” realizes no goal: it is imported as a strategic objective.")
                % {"name": element.name},
            )
    return parents


def _motivations(model, relationships, category, document) -> dict[str, list[str]]:
    """Texts of the drivers and assessments behind each objective, for its statement."""
    elements = model.elements
    neighbours: dict[str, set[str]] = defaultdict(set)
    for rel in relationships:
        if rel.type in ("Association", "Influence", "Realization", "Aggregation", "Composition"):
            neighbours[rel.source].add(rel.target)
            neighbours[rel.target].add(rel.source)
    reasons: dict[str, list[str]] = defaultdict(list)
    for identifier, element in elements.items():
        if element.type not in MOTIVATING_TYPES:
            continue
        # An assessment motivates through its driver as well as directly.
        reached = {n for n in neighbours[identifier] if category.get(n) == "objective"}
        if element.type == "Assessment":
            for driver in neighbours[identifier]:
                if elements[driver].type == "Driver":
                    reached |= {n for n in neighbours[driver] if category.get(n) == "objective"}
        label = _("Driver") if element.type == "Driver" else _("Assessment")
        text = f"{label}: {element.name}" + (
            f" — {element.documentation.strip()}" if element.documentation.strip() else ""
        )
        for objective in sorted(reached):
            reasons[objective].append(text)
        if not reached:
            document.warn(
                model.locate(identifier),
                _("The %(type)s “%(name)s” motivates no goal or outcome: its text is not kept.")
                % {"type": element.type.lower(), "name": element.name},
            )
    return reasons


def _properties(model: ArchimateModel, element: Element, document: StrategyDocument) -> dict:
    values: dict = {}
    for key, raw in element.properties.items():
        name = property_field(key)
        value = (raw or "").strip()
        if name is None or not value:
            continue
        if name in ("starts_on", "ends_on"):
            parsed = parse_date(value)
            if parsed is None:
                document.warn(
                    model.locate(element.identifier),
                    _("The property “%(key)s” is not a date (YYYY-MM-DD): “%(value)s” is ignored.")
                    % {"key": key, "value": clip(value, 40)},
                )
                continue
            value = parsed
        values[name] = value
    return values


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _verbs() -> dict[str, str]:
    """Translated once per import: a large model asks for them tens of thousands of times."""
    return {
        "Serving": _("serves"),
        "Realization": _("realizes"),
        "Assignment": _("is assigned to"),
        "Influence": _("influences"),
        "Composition": _("is part of"),
        "Aggregation": _("is part of"),
    }


def _links(model: ArchimateModel, relationships, category) -> list[LinkRow]:
    """Every means → objective, practice → objective and practice → means link, through chains."""
    forward: dict[str, list[tuple[str, Relationship]]] = defaultdict(list)
    links: list[LinkRow] = []
    for rel in relationships:
        if rel.type in FORWARD:
            forward[rel.source].append((rel.target, rel))
        elif rel.type in PART_OF:
            forward[rel.target].append((rel.source, rel))
        elif rel.type == "Association":
            # An association between a means and a practice is how a file says "relies on"
            # without a stronger relationship (it is what the exports write).
            kinds = {category.get(rel.source), category.get(rel.target)}
            if "practice" in kinds and kinds & {"technical", "organisational"}:
                practice, means = (
                    (rel.source, rel.target) if category.get(rel.source) == "practice" else (rel.target, rel.source)
                )
                links.append(
                    LinkRow(
                        PRACTICE_MEANS,
                        practice,
                        means,
                        rel.name or _("ArchiMate association"),
                        model.locate(rel.identifier),
                    )
                )
    verbs, template = _verbs(), _("ArchiMate: %(path)s")
    for source, kind in category.items():
        if kind == "objective":
            continue
        for target, path in _reach(source, forward, category):
            target_kind = category[target]
            if kind == "practice" and target_kind == "objective":
                link_kind, ends = PRACTICE_OBJECTIVE, (source, target)
            elif kind != "practice" and target_kind == "objective":
                link_kind, ends = MEANS_OBJECTIVE, (source, target)
            elif kind != "practice" and target_kind == "practice":
                link_kind, ends = PRACTICE_MEANS, (target, source)
            else:
                continue
            where = model.locate(path[0].identifier) if len(path) == 1 else model.locate(source)
            links.append(LinkRow(link_kind, *ends, _rationale(model, source, path, verbs, template), where))
    return links


def _reach(source: str, forward, category) -> list[tuple[str, list[Relationship]]]:
    """Objectives (and, from a means, practices) reachable from ``source``, each by its shortest path.

    The walk stops at objectives: the one reached is linked, and the strategy tree above
    it already says what it serves further up.
    """
    found: list[tuple[str, list[Relationship]]] = []
    previous: dict[str, tuple[str, Relationship] | None] = {source: None}
    queue = deque([(source, 0)])
    while queue:
        node, steps = queue.popleft()
        if steps >= MAX_STEPS:
            continue
        for target, rel in forward.get(node, ()):
            if target in previous:
                continue
            previous[target] = (node, rel)
            if category.get(target) in ("objective", "practice"):
                path = []
                at = target
                while previous[at] is not None:
                    at_before, via = previous[at]
                    path.append(via)
                    at = at_before
                found.append((target, path[::-1]))
            if category.get(target) != "objective":
                queue.append((target, steps + 1))
    return found


def _rationale(model: ArchimateModel, source: str, path: list[Relationship], verbs, template: str) -> str:
    if len(path) == 1 and one_line(path[0].name):
        return clip(one_line(path[0].name), RATIONALE_LIMIT)
    elements = model.elements

    def text(limit: int) -> str:
        parts = [f"“{clip(elements[source].name, limit)}”"]
        node = source
        for rel in path:
            node = rel.source if rel.type in PART_OF and rel.target == node else rel.target
            parts.append(f"{verbs[rel.type]} “{clip(elements[node].name, limit)}”")
        return template % {"path": " ".join(parts)}

    for limit in (200, 60, 30, 15):
        rationale = text(limit)
        if len(rationale) <= RATIONALE_LIMIT:
            return rationale
    return clip(rationale, RATIONALE_LIMIT)


# --- Document → model (exports) --------------------------------------------------------


def xml_id(ref: str) -> str:
    """An identifier valid as xs:ID (an NCName): Archi's numeric ids get a prefix."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "-", ref)
    if not re.match(r"[A-Za-z_]", cleaned):
        cleaned = f"id-{cleaned}"
    return cleaned


def from_document(document: StrategyDocument) -> ArchimateModel:
    """Roots become goals, sub-objectives outcomes realizing their parent; means and
    practices keep their kind; every link is one relationship named by its rationale."""
    model = ArchimateModel(name=document.name or "Raison")
    ids: dict[tuple[str, str], str] = {}
    used: set[str] = set()

    def new_id(kind: str, ref: str) -> str:
        candidate = xml_id(ref)
        while candidate in used:
            candidate = f"{candidate}-{kind}"
        used.add(candidate)
        ids[(kind, ref)] = candidate
        return candidate

    def props(**values) -> dict[str, str]:
        out = {}
        for name, key in EXPORT_KEYS:
            value = values.get(name)
            if value:
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    for row in document.objectives:
        identifier = new_id("objective", row.ref)
        model.elements[identifier] = Element(
            identifier,
            OUTCOME if row.parent_ref else GOAL,
            row.title,
            row.statement,
            props(unit=row.unit_code, owner=row.owner, starts_on=row.starts_on, ends_on=row.ends_on, status=row.status),
        )
    for row in document.means:
        identifier = new_id("means", row.ref)
        model.elements[identifier] = Element(
            identifier,
            "ApplicationComponent" if row.kind == "technical" else "Principle",
            row.name,
            row.description,
            props(unit=row.unit_code, owner=row.owner, status=row.status, url=row.url),
        )
    for row in document.practices:
        identifier = new_id("practice", row.ref)
        model.elements[identifier] = Element(
            identifier,
            "BusinessProcess",
            row.name,
            row.description,
            props(unit=row.unit_code, owner=row.owner, status=row.status),
        )
    counter = 0

    def relate(rel_type: str, source: str, target: str, name: str = "") -> None:
        nonlocal counter
        counter += 1
        model.relationships.append(Relationship(f"rel-{counter}", rel_type, source, target, name))

    for row in document.objectives:
        if row.parent_ref and ("objective", row.parent_ref) in ids:
            relate("Realization", ids[("objective", row.ref)], ids[("objective", row.parent_ref)])
    ends = {
        MEANS_OBJECTIVE: ("means", "objective", "Influence"),
        PRACTICE_OBJECTIVE: ("practice", "objective", "Influence"),
        PRACTICE_MEANS: ("practice", "means", "Association"),
    }
    for link in document.links:
        source_kind, target_kind, rel_type = ends[link.kind]
        source, target = ids.get((source_kind, link.source_ref)), ids.get((target_kind, link.target_ref))
        if source and target:
            relate(rel_type, source, target, link.rationale)
    return model

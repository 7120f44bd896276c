"""StratML (ISO 17469): Part 1 strategic plans and Part 2 performance plans and reports.

Goals become strategic objectives and their objectives children; descriptions become
statements. Performance indicators have nowhere to go until Raison has key results:
each one is reported as a warning. StratML has two levels only: the export keeps a
deeper objective under its goal and names its real parent in ``OtherInformation``,
which the import reads back, so an export round-trips.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.utils.translation import gettext as _

from interop.document import ImportFileError, ObjectiveRow, StrategyDocument, clip, one_line
from interop.formats.archimate import xml_id
from interop.formats.safe import parse_xml

PART1 = "urn:ISO:std:iso:17469:tech:xsd:stratml_core"
PART2 = "urn:ISO:std:iso:17469:tech:xsd:PerformancePlanOrReport"
PARENT_NOTE = re.compile(r"^Raison parent: (\S+)$")


def read(data: bytes, filename: str) -> StrategyDocument:
    root = parse_xml(data)
    namespace, _sep, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if local not in ("StrategicPlan", "PerformancePlanOrReport"):
        raise ImportFileError(
            _("This is not a StratML file: expected a <StrategicPlan> or a <PerformancePlanOrReport>.")
        )

    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    def text(node, name: str) -> str:
        child = node.find(tag(name))
        return (child.text or "").strip() if child is not None else ""

    document = StrategyDocument(name=one_line(text(root, "Name")))
    core = root.find(tag("StrategicPlanCore"))
    if core is None:
        raise ImportFileError(_("This StratML file has no <StrategicPlanCore>: there is nothing to import."))
    for g, goal in enumerate(core.iterfind(tag("Goal")), start=1):
        goal_ref = text(goal, "Identifier") or f"goal-{g}"
        goal_where = _("goal %(number)d (%(name)s)") % {"number": g, "name": clip(one_line(text(goal, "Name")), 60)}
        document.objectives.append(_row(goal_ref, goal, text, None, goal_where))
        for o, objective in enumerate(goal.iterfind(tag("Objective")), start=1):
            ref = text(objective, "Identifier") or f"{goal_ref}-objective-{o}"
            where = _("goal %(goal)d, objective %(number)d") % {"goal": g, "number": o}
            match = PARENT_NOTE.match(text(objective, "OtherInformation"))
            document.objectives.append(_row(ref, objective, text, match.group(1) if match else goal_ref, where))
            for indicator in objective.iterfind(tag("PerformanceIndicator")):
                measure = text(indicator, "MeasurementDimension") or text(indicator, "UnitOfMeasurement")
                document.warn(
                    where,
                    _("Performance indicator “%(name)s” not imported: Raison has no key results yet.")
                    % {"name": clip(measure or _("(unnamed)"), 80)},
                )
    if not document.objectives:
        document.warn(_("the plan"), _("This plan has no goals: nothing to import."))
    return document


def _row(ref: str, node, text, parent_ref: str | None, where: str) -> ObjectiveRow:
    name = one_line(text(node, "Name"))
    description = text(node, "Description")
    return ObjectiveRow(
        ref=ref,
        title=name or clip(one_line(description), 80),
        statement=description or name,
        parent_ref=parent_ref,
        where=where,
    )


def write(document: StrategyDocument) -> bytes:
    """Part 1: a strategic plan."""
    return _write(document, PART1, "StrategicPlan", {})


def write_part2(document: StrategyDocument) -> bytes:
    """Part 2: a performance plan (the same goals and objectives; no indicators until key results exist)."""
    return _write(document, PART2, "PerformancePlanOrReport", {"Type": "Performance_Plan"})


def _write(document: StrategyDocument, namespace: str, root_name: str, attributes: dict[str, str]) -> bytes:
    ET.register_namespace("", namespace)

    def sub(parent, name: str, value: str | None = None):
        node = ET.SubElement(parent, f"{{{namespace}}}{name}")
        if value is not None:
            node.text = value
        return node

    root = ET.Element(f"{{{namespace}}}{root_name}", attributes)
    sub(root, "Name", document.name or "Raison")
    core = sub(root, "StrategicPlanCore")
    organisation = sub(core, "Organization")
    sub(organisation, "Name", document.name or "Raison")
    sub(organisation, "Description", "")
    children: dict[str | None, list[ObjectiveRow]] = {}
    for row in document.objectives:
        children.setdefault(row.parent_ref, []).append(row)
    refs = {row.ref for row in document.objectives}
    roots = [row for row in document.objectives if row.parent_ref is None or row.parent_ref not in refs]
    for number, goal in enumerate(roots, start=1):
        node = sub(core, "Goal")
        sub(node, "Name", goal.title)
        sub(node, "Description", goal.statement)
        sub(node, "Identifier", xml_id(goal.ref))
        sub(node, "SequenceIndicator", str(number))
        # Every objective below the goal, at any depth, sits under it; the deeper ones say
        # which objective they really hang from.
        stack = list(reversed(children.get(goal.ref, [])))
        index = 0
        while stack:
            row = stack.pop()
            index += 1
            objective = sub(node, "Objective")
            sub(objective, "Name", row.title)
            sub(objective, "Description", row.statement)
            sub(objective, "Identifier", xml_id(row.ref))
            sub(objective, "SequenceIndicator", f"{number}.{index}")
            if row.parent_ref != goal.ref:
                sub(objective, "OtherInformation", f"Raison parent: {xml_id(row.parent_ref)}")
            stack.extend(reversed(children.get(row.ref, [])))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

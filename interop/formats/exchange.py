"""The Open Group ArchiMate Model Exchange format (namespace .../xsd/archimate/3.0/), both ways."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.utils.translation import gettext as _

from interop.document import ImportFileError, StrategyDocument
from interop.formats import archimate
from interop.formats.archimate import ArchimateModel, Element, Relationship
from interop.formats.safe import parse_xml

NAMESPACE = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _text(node: ET.Element, name: str) -> str:
    # Names and documentation may repeat once per language; the first is the model's own.
    child = node.find(_tag(name))
    return (child.text or "") if child is not None else ""


def parse(data: bytes) -> ArchimateModel:
    root = parse_xml(data)
    if root.tag != _tag("model"):
        hint = ""
        if root.tag.endswith("}model") and "archimatetool" in root.tag:
            hint = " " + _("This is an Archi model file: choose the format “Archi (.archimate)”, or “auto”.")
        raise ImportFileError(
            _("This is not an ArchiMate Model Exchange file: expected a <model> in the namespace %(namespace)s.")
            % {"namespace": NAMESPACE}
            + hint
        )
    definitions = {
        node.get("identifier", ""): " ".join(_text(node, "name").split())
        for node in root.iterfind(f"{_tag('propertyDefinitions')}/{_tag('propertyDefinition')}")
    }

    def properties(node: ET.Element) -> dict[str, str]:
        found = {}
        for prop in node.iterfind(f"{_tag('properties')}/{_tag('property')}"):
            key = definitions.get(prop.get("propertyDefinitionRef", ""), "")
            if key:
                found[key] = _text(prop, "value")
        return found

    model = ArchimateModel(name=" ".join(_text(root, "name").split()), documentation=_text(root, "documentation"))
    for node in root.iterfind(f"{_tag('elements')}/{_tag('element')}"):
        identifier = node.get("identifier", "")
        model.elements[identifier] = Element(
            identifier=identifier,
            type=archimate.normalise_type(node.get(XSI_TYPE, "")),
            name=" ".join(_text(node, "name").split()) or identifier,
            documentation=_text(node, "documentation"),
            properties=properties(node),
        )
    for node in root.iterfind(f"{_tag('relationships')}/{_tag('relationship')}"):
        model.relationships.append(
            Relationship(
                identifier=node.get("identifier", ""),
                type=archimate.normalise_type(node.get(XSI_TYPE, "")),
                source=node.get("source", ""),
                target=node.get("target", ""),
                name=" ".join(_text(node, "name").split()),
                documentation=_text(node, "documentation"),
            )
        )
    return model


def read(data: bytes, filename: str) -> StrategyDocument:
    return archimate.to_document(parse(data))


def write(document: StrategyDocument) -> bytes:
    return serialise(archimate.from_document(document))


def serialise(model: ArchimateModel) -> bytes:
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(_tag("model"), {"identifier": "raison-model"})
    _named(root, "name", model.name or "Raison")
    if model.documentation:
        _named(root, "documentation", model.documentation)
    keys = sorted({key for element in model.elements.values() for key in element.properties})
    key_ids = {key: f"propid-{index}" for index, key in enumerate(keys, start=1)}
    if model.elements:
        elements = ET.SubElement(root, _tag("elements"))
        for element in model.elements.values():
            node = ET.SubElement(elements, _tag("element"), {"identifier": element.identifier, XSI_TYPE: element.type})
            _named(node, "name", element.name)
            if element.documentation:
                _named(node, "documentation", element.documentation)
            if element.properties:
                props = ET.SubElement(node, _tag("properties"))
                for key, value in element.properties.items():
                    prop = ET.SubElement(props, _tag("property"), {"propertyDefinitionRef": key_ids[key]})
                    _named(prop, "value", value)
    if model.relationships:
        relationships = ET.SubElement(root, _tag("relationships"))
        for rel in model.relationships:
            node = ET.SubElement(
                relationships,
                _tag("relationship"),
                {"identifier": rel.identifier, "source": rel.source, "target": rel.target, XSI_TYPE: rel.type},
            )
            if rel.name:
                _named(node, "name", rel.name)
    if keys:
        definitions = ET.SubElement(root, _tag("propertyDefinitions"))
        for key in keys:
            node = ET.SubElement(
                definitions, _tag("propertyDefinition"), {"identifier": key_ids[key], "type": "string"}
            )
            _named(node, "name", key, lang=False)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _named(parent: ET.Element, name: str, text: str, *, lang: bool = True) -> None:
    node = ET.SubElement(parent, _tag(name), {XML_LANG: "en"} if lang else {})
    node.text = text

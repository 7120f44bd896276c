"""Archi's own ``.archimate`` file, plain XML or zipped (Archi zips a model with images)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from interop.document import ImportFileError, StrategyDocument
from interop.formats import archimate
from interop.formats.archimate import ArchimateModel, Element, Relationship
from interop.formats.safe import is_zip, parse_xml, unzip

NAMESPACE = "http://www.archimatetool.com/archimate"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
#: Views and their parts are also <element>s in Archi's file; they are pictures, not the model.
DIAGRAM_TYPES = frozenset({"ArchimateDiagramModel", "SketchModel", "CanvasModel", "DiagramModelReference"})


def parse(data: bytes) -> ArchimateModel:
    if is_zip(data):
        files = unzip(data)
        model_files = [name for name in files if name.endswith(("model.xml", ".archimate"))]
        if not model_files:
            raise ImportFileError(_("This zip archive holds no Archi model (model.xml)."))
        data = files[model_files[0]]
    root = parse_xml(data)
    if root.tag != f"{{{NAMESPACE}}}model":
        raise ImportFileError(
            _("This is not an Archi model: expected an <archimate:model> in the namespace %(namespace)s.")
            % {"namespace": NAMESPACE}
        )
    model = ArchimateModel(name=" ".join((root.get("name") or "").split()), documentation=_documentation(root))
    for node in root.iter("element"):
        raw_type = archimate.normalise_type(node.get(XSI_TYPE, ""))
        if raw_type in DIAGRAM_TYPES or raw_type.endswith("DiagramModel"):
            continue
        identifier = node.get("id", "")
        if node.get(XSI_TYPE, "").endswith("Relationship"):
            model.relationships.append(
                Relationship(
                    identifier=identifier,
                    type=raw_type,
                    source=node.get("source", ""),
                    target=node.get("target", ""),
                    name=" ".join((node.get("name") or "").split()),
                    documentation=_documentation(node),
                )
            )
        else:
            model.elements[identifier] = Element(
                identifier=identifier,
                type=raw_type,
                name=" ".join((node.get("name") or "").split()) or identifier,
                documentation=_documentation(node),
                properties={
                    prop.get("key", ""): prop.get("value", "") for prop in node.findall("property") if prop.get("key")
                },
            )
    return model


def _documentation(node) -> str:
    # Archi 4+ writes a <documentation> child; older files an attribute.
    child = node.find("documentation")
    if child is not None:
        return child.text or ""
    return node.get("documentation", "")


def read(data: bytes, filename: str) -> StrategyDocument:
    return archimate.to_document(parse(data))

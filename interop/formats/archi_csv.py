"""Archi's CSV layout: ``elements.csv``, ``relations.csv`` and ``properties.csv``.

Read as three files (any common prefix, e.g. ``test1-elements.csv``) in a zip, or an
``elements.csv`` alone; comma, semicolon or tab separated; UTF-8 with or without a
byte-order mark. Written as a zip of the three files, as Archi writes them.
"""

from __future__ import annotations

import csv
import io
import zipfile

from django.utils.translation import gettext as _

from interop.document import ImportFileError, StrategyDocument
from interop.formats import archimate
from interop.formats.archimate import ArchimateModel, Element, Relationship
from interop.formats.safe import decode_text, is_zip, unzip

ELEMENT_COLUMNS = ["ID", "Type", "Name", "Documentation", "Specialization"]
RELATION_COLUMNS = ["ID", "Type", "Name", "Documentation", "Source", "Target", "Specialization"]
PROPERTY_COLUMNS = ["ID", "Key", "Value"]


def _rows(data: bytes, label: str, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the line is where the record starts (fields may span lines)."""
    text = decode_text(data, label)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFileError(
            _("%(file)s lacks the column(s) %(columns)s: is it an Archi CSV export?")
            % {"file": label, "columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    rows = []
    line = reader.line_num + 1
    try:
        for row in reader:
            rows.append((line, {k: (v or "") for k, v in row.items() if k is not None}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(
            _("%(file)s line %(line)d cannot be read: %(error)s") % {"file": label, "line": line, "error": exc}
        ) from None
    return rows


def _files(data: bytes, filename: str) -> dict[str, tuple[str, bytes]]:
    members = unzip(data) if is_zip(data) else {filename or "elements.csv": data}
    found = {}
    for name, content in members.items():
        base = name.rsplit("/", 1)[-1].lower()
        for part in ("elements", "relations", "properties"):
            if base.endswith(f"{part}.csv") and part not in found:
                found[part] = (name.rsplit("/", 1)[-1], content)
    if "elements" not in found:
        if not is_zip(data):
            found["elements"] = (filename or "elements.csv", data)
        else:
            raise ImportFileError(_("This archive holds no elements.csv."))
    return found


def parse(data: bytes, filename: str = "elements.csv") -> ArchimateModel:
    files = _files(data, filename)
    model = ArchimateModel()
    label, content = files["elements"]
    for line, row in _rows(content, label, ["ID", "Type", "Name"]):
        identifier = row["ID"].strip()
        kind = archimate.normalise_type(row["Type"].strip())
        if kind == "ArchimateModel":
            model.name = " ".join(row["Name"].split())
            model.documentation = row.get("Documentation", "")
            continue
        model.elements[identifier] = Element(
            identifier, kind, " ".join(row["Name"].split()) or identifier, row.get("Documentation", "")
        )
        model.where[identifier] = _("%(file)s line %(line)d") % {"file": label, "line": line}
    if "relations" in files:
        label, content = files["relations"]
        for line, row in _rows(content, label, ["ID", "Type", "Source", "Target"]):
            identifier = row["ID"].strip()
            model.relationships.append(
                Relationship(
                    identifier,
                    archimate.normalise_type(row["Type"].strip()),
                    row["Source"].strip(),
                    row["Target"].strip(),
                    " ".join(row.get("Name", "").split()),
                    row.get("Documentation", ""),
                )
            )
            model.where[identifier] = _("%(file)s line %(line)d") % {"file": label, "line": line}
    if "properties" in files:
        label, content = files["properties"]
        for _line, row in _rows(content, label, PROPERTY_COLUMNS):
            element = model.elements.get(row["ID"].strip())
            if element is not None and row["Key"].strip():
                element.properties[row["Key"].strip()] = row["Value"]
    return model


def read(data: bytes, filename: str) -> StrategyDocument:
    return archimate.to_document(parse(data, filename))


def write(document: StrategyDocument) -> bytes:
    model = archimate.from_document(document)
    return serialise(model)


def serialise(model: ArchimateModel) -> bytes:
    def table(columns: list[str], rows: list[list[str]]) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    elements = [["raison-model", "ArchimateModel", model.name or "Raison", model.documentation, ""]]
    elements += [[e.identifier, e.type, e.name, e.documentation, ""] for e in model.elements.values()]
    relations = [
        [r.identifier, f"{r.type}Relationship", r.name, r.documentation, r.source, r.target, ""]
        for r in model.relationships
    ]
    properties = [[e.identifier, k, v] for e in model.elements.values() for k, v in e.properties.items()]
    buffer = io.BytesIO()
    # A fixed date keeps two exports of the same content byte for byte identical.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            ("elements.csv", table(ELEMENT_COLUMNS, elements)),
            ("relations.csv", table(RELATION_COLUMNS, relations)),
            ("properties.csv", table(PROPERTY_COLUMNS, properties)),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()

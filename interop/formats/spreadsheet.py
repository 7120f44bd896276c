"""The Raison spreadsheet: one table, one row per objective, means, practice or link.

CSV (comma, semicolon or tab; UTF-8 with or without a byte-order mark) or XLSX (the
first sheet). Columns are described one by one in docs/spreadsheet.md; their order
does not matter and their names are matched without regard to case.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django.utils.translation import gettext as _

from interop.document import (
    LINK_KINDS,
    MEANS_OBJECTIVE,
    PRACTICE_MEANS,
    PRACTICE_OBJECTIVE,
    ImportFileError,
    LinkRow,
    MeansRow,
    ObjectiveRow,
    PracticeRow,
    StrategyDocument,
)
from interop.formats.safe import decode_text, unzip

COLUMNS = [
    "type",
    "id",
    "name",
    "description",
    "parent",
    "unit",
    "owner",
    "starts_on",
    "ends_on",
    "status",
    "kind",
    "url",
    "source",
    "target",
    "rationale",
]
LINK_TYPES = {
    "means-objective": MEANS_OBJECTIVE,
    "practice-objective": PRACTICE_OBJECTIVE,
    "practice-means": PRACTICE_MEANS,
}
LINK_NAMES = {kind: name for name, kind in LINK_TYPES.items()}
assert set(LINK_NAMES) == set(LINK_KINDS)


def read_csv(data: bytes, filename: str) -> StrategyDocument:
    text = decode_text(data, filename or "CSV")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    line = 1
    try:
        for values in reader:
            rows.append((line, values))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(_("Line %(line)d cannot be read: %(error)s") % {"line": line, "error": exc}) from None
    return _document(rows)


def read_xlsx(data: bytes, filename: str) -> StrategyDocument:
    unzip(data)  # refuses a zip bomb or a damaged archive before openpyxl inflates it
    from openpyxl import load_workbook  # imported here: only spreadsheets need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(_("This is not an Excel workbook (.xlsx): %(error)s") % {"error": exc}) from None
    sheet = workbook.worksheets[0]
    rows = [
        (number, ["" if value is None else value for value in values])
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
    ]
    workbook.close()
    return _document(rows)


def _document(rows: list[tuple[int, list]]) -> StrategyDocument:
    document = StrategyDocument()
    if not rows:
        raise ImportFileError(_("The spreadsheet is empty."))
    _header_line, header = rows[0]
    names = [str(value).strip().lower().replace(" ", "_") for value in header]
    for required in ("type", "id", "name"):
        if required not in names:
            raise ImportFileError(
                _("The first row must name the columns; “%(column)s” is missing (see docs/spreadsheet.md).")
                % {"column": required}
            )
    for line, values in rows[1:]:
        row = {name: values[i] if i < len(values) else "" for i, name in enumerate(names)}
        if not any(str(v).strip() for v in row.values()):
            continue
        where = _("line %(line)d") % {"line": line}
        kind = _text(row.get("type")).lower()
        ref = _text(row.get("id"))
        if kind in LINK_TYPES:
            document.links.append(
                LinkRow(
                    LINK_TYPES[kind],
                    _text(row.get("source")),
                    _text(row.get("target")),
                    _text(row.get("rationale")),
                    where,
                )
            )
            continue
        if not ref:
            document.error(where, _("Each objective, means and practice needs an id (any text unique in the file)."))
            continue
        common = {
            "ref": ref,
            "unit_code": _text(row.get("unit")) or None,
            "owner": _text(row.get("owner")) or None,
            "status": _text(row.get("status")) or None,
            "where": where,
        }
        if kind == "objective":
            starts_on = _date(row.get("starts_on"), "starts_on", where, document)
            ends_on = _date(row.get("ends_on"), "ends_on", where, document)
            document.objectives.append(
                ObjectiveRow(
                    title=_text(row.get("name")),
                    statement=_text(row.get("description")),
                    parent_ref=_text(row.get("parent")) or None,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    **common,
                )
            )
        elif kind == "means":
            document.means.append(
                MeansRow(
                    name=_text(row.get("name")),
                    kind=_text(row.get("kind")).lower() or "technical",
                    description=_text(row.get("description")),
                    url=_text(row.get("url")),
                    **common,
                )
            )
        elif kind == "practice":
            document.practices.append(
                PracticeRow(name=_text(row.get("name")), description=_text(row.get("description")), **common)
            )
        else:
            document.error(
                where,
                _(
                    "Unknown type “%(type)s”: objective, means, practice, "
                    "means-objective, practice-objective or practice-means."
                )
                % {"type": kind},
            )
    return document


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value, column: str, where: str, document: StrategyDocument) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        document.warn(
            where,
            _("“%(value)s” in %(column)s is not a date (YYYY-MM-DD): left empty.") % {"value": text, "column": column},
        )
        return None


def table(document: StrategyDocument) -> list[list[str]]:
    """The document as rows under COLUMNS, in a stable order."""

    def line(**values) -> list[str]:
        return [values.get(column) or "" for column in COLUMNS]

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    rows = [COLUMNS]
    for o in document.objectives:
        rows.append(
            line(
                type="objective",
                id=o.ref,
                name=o.title,
                description=o.statement,
                parent=o.parent_ref,
                unit=o.unit_code,
                owner=o.owner,
                starts_on=day(o.starts_on),
                ends_on=day(o.ends_on),
                status=o.status,
            )
        )
    for m in document.means:
        rows.append(
            line(
                type="means",
                id=m.ref,
                name=m.name,
                description=m.description,
                unit=m.unit_code,
                owner=m.owner,
                status=m.status,
                kind=m.kind,
                url=m.url,
            )
        )
    for p in document.practices:
        rows.append(
            line(
                type="practice",
                id=p.ref,
                name=p.name,
                description=p.description,
                unit=p.unit_code,
                owner=p.owner,
                status=p.status,
            )
        )
    for link in document.links:
        rows.append(
            line(type=LINK_NAMES[link.kind], source=link.source_ref, target=link.target_ref, rationale=link.rationale)
        )
    return rows


def write_csv(document: StrategyDocument) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(table(document))
    # With a byte-order mark, Excel opens the accents right; the import accepts both.
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(document: StrategyDocument) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Raison"
    for row in table(document):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The formats Raison reads and writes, one module each; this module names them and guesses which.

A reader is ``read(data: bytes, filename: str) -> StrategyDocument`` and raises
``ImportFileError`` for a file it cannot read; a writer is
``write(document: StrategyDocument) -> bytes``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from interop.document import ImportFileError
from interop.formats import archi, archi_csv, exchange, spreadsheet, stratml
from interop.formats.safe import is_zip, unzip

FORMATS = ("archimate", "archi", "archi-csv", "stratml", "csv", "xlsx")
EXPORT_FORMATS = ("archimate", "archi-csv", "stratml", "stratml-2", "csv", "xlsx")

LABELS = {
    "auto": gettext_lazy("Recognise it from the file"),
    "archimate": gettext_lazy("ArchiMate Model Exchange (.xml)"),
    "archi": gettext_lazy("Archi model (.archimate, plain or zipped)"),
    "archi-csv": gettext_lazy("Archi CSV (elements, relations, properties; or a zip of them)"),
    "stratml": gettext_lazy("StratML Part 1 or Part 2 (.xml)"),
    "stratml-2": gettext_lazy("StratML Part 2, performance plan (.xml)"),
    "csv": gettext_lazy("Raison spreadsheet (.csv)"),
    "xlsx": gettext_lazy("Raison spreadsheet (.xlsx)"),
}

READERS = {
    "archimate": exchange.read,
    "archi": archi.read,
    "archi-csv": archi_csv.read,
    "stratml": stratml.read,
    "csv": spreadsheet.read_csv,
    "xlsx": spreadsheet.read_xlsx,
}

WRITERS = {
    "archimate": exchange.write,
    "archi-csv": archi_csv.write,
    "stratml": stratml.write,
    "stratml-2": stratml.write_part2,
    "csv": spreadsheet.write_csv,
    "xlsx": spreadsheet.write_xlsx,
}

#: File name and content type of each export.
EXPORT_FILES = {
    "archimate": ("raison-archimate.xml", "application/xml"),
    "archi-csv": ("raison-archi-csv.zip", "application/zip"),
    "stratml": ("raison-stratml.xml", "application/xml"),
    "stratml-2": ("raison-stratml-part2.xml", "application/xml"),
    "csv": ("raison.csv", "text/csv"),
    "xlsx": ("raison.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def detect(data: bytes, filename: str) -> str:
    """The format of an uploaded file, from its content first and its name second."""
    name = filename.lower()
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if is_zip(data):
        if name.endswith(".xlsx"):
            return "xlsx"
        names = list(unzip(data))
        if any(n.endswith("[Content_Types].xml") for n in names):
            return "xlsx"
        if any(n.endswith("elements.csv") for n in names):
            return "archi-csv"
        if any(n.endswith(("model.xml", ".archimate")) for n in names):
            return "archi"
        raise ImportFileError(_("This zip archive holds neither an Archi model nor Archi CSV files."))
    if head.startswith(b"<"):
        if b"http://www.archimatetool.com/archimate" in head:
            return "archi"
        if b"http://www.opengroup.org/xsd/archimate" in head:
            return "archimate"
        if b"stratml" in head.lower() or b"PerformancePlanOrReport" in head or b"StrategicPlan" in head:
            return "stratml"
        if name.endswith(".archimate"):
            return "archi"
        return "archimate"
    if name.endswith(".xlsx"):
        return "xlsx"
    first_line = head.split(b"\n", 1)[0].lower()
    if b"type" in first_line and b"name" in first_line and b"documentation" in first_line:
        return "archi-csv"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    raise ImportFileError(_("Raison cannot tell this file's format: choose it in the list."))

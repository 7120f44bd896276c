"""Reading files people upload, without trusting them: XML and zip archives.

XML goes through defusedxml, which refuses entity declarations (billion laughs,
quadratic blow-up) and external entities or DTDs (reading local files, reaching the
network) instead of expanding them. Zip archives are opened with limits on the number
of members and on what they expand to, so a zip bomb is refused before it is inflated.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from interop.document import ImportFileError

#: The most an archive may expand to, in bytes, and how much more than its own size.
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 1000


def parse_xml(data: bytes) -> Element:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImportFileError(
            _(
                "This file declares entities or a DTD (a way to make XML explode or read files on the server): "
                "it is refused."
            )
        ) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        if "no element found" in str(exc) or "unclosed token" in str(exc):
            message = _("The file ends too early (line %(line)s): it looks truncated.") % {"line": line}
        else:
            message = _("This file is not well-formed XML (line %(line)s): %(error)s") % {"line": line, "error": exc}
        raise ImportFileError(message) from None


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def unzip(data: bytes) -> dict[str, bytes]:
    """The archive's files by name (folders dropped), refusing bombs and broken archives."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError):
        raise ImportFileError(_("This zip archive is damaged or truncated.")) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise ImportFileError(_("This archive holds too many files (%(count)d).") % {"count": len(members)})
        declared = sum(info.file_size for info in members)
        limit = min(MAX_UNZIPPED, max(len(data), 1) * MAX_RATIO)
        if declared > limit:
            raise ImportFileError(_("This archive expands to far more than it weighs (a zip bomb?): it is refused."))
        files: dict[str, bytes] = {}
        total = 0
        for info in members:
            # The sizes in the directory can lie: read in chunks and stop at the limit.
            chunks = []
            try:
                with archive.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        total += len(chunk)
                        if total > limit:
                            raise ImportFileError(
                                _("This archive expands to far more than it weighs (a zip bomb?): it is refused.")
                            )
                        chunks.append(chunk)
            except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError):
                raise ImportFileError(_("This zip archive is damaged or truncated.")) from None
            files[info.filename] = b"".join(chunks)
        return files


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with the file named."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("%(file)s is not UTF-8 text (byte %(position)d): save it as UTF-8 and try again.")
            % {"file": where, "position": exc.start}
        ) from None


def zip_files(files: dict[str, bytes]) -> bytes:
    """Several files as one archive (Archi's three CSV files, given one by one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()

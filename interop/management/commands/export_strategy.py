"""``manage.py export_strategy --format FORMAT [--unit UNIT] OUT``: write the strategy to a file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from interop import formats
from interop.exports import export_bytes
from org.models import Unit


class Command(BaseCommand):
    help = _("Export objectives, means, practices and links as ArchiMate, Archi CSV, StratML or a spreadsheet.")

    def add_arguments(self, parser):
        parser.add_argument("out", help=_("The file to write ('-' for the standard output)."))
        parser.add_argument("--format", required=True, choices=formats.EXPORT_FORMATS)
        parser.add_argument("--unit", help=_("Code of a unit: only its subtree is exported (default: everything)."))

    def handle(self, *args, out: str, format: str, unit: str | None, **options):
        target = None
        if unit:
            try:
                target = Unit.objects.get(code=unit)
            except Unit.DoesNotExist:
                raise CommandError(_("No unit has the code “%(code)s”.") % {"code": unit}) from None
        data = export_bytes(format=format, unit=target)
        if out == "-":
            self.stdout.buffer.write(data) if hasattr(self.stdout, "buffer") else self.stdout.write(
                data.decode("utf-8", "replace")
            )
            return
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": out, "error": exc.strerror}) from None
        self.stderr.write(_("Wrote %(size)d bytes to %(file)s.") % {"size": len(data), "file": out})

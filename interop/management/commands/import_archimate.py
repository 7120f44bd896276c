"""``manage.py import_archimate``: kept for scripts; the same as ``import_strategy --format auto``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from interop.management.commands import import_strategy


class Command(import_strategy.Command):
    help = _("Import an ArchiMate file (exchange format or Archi's own): an alias of import_strategy.")

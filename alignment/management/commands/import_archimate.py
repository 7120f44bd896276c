"""``manage.py import_archimate``: bring an ArchiMate Model Exchange file into a unit."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from alignment.archimate import ArchimateImportError, format_summary, import_archimate
from org.models import Unit


class Command(BaseCommand):
    help = _("Import goals, means and practices from an Open Group ArchiMate Model Exchange file.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The ArchiMate Model Exchange (XML) file."))
        parser.add_argument("--unit", required=True, help=_("Code of the unit that will own what is imported."))
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help=_("Username of the person importing: an executive of the unit."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Run the whole import, report it, then save nothing.")
        )

    def handle(self, *args, file: str, unit: str, username: str, dry_run: bool, **options):
        try:
            target = Unit.objects.get(code=unit)
        except Unit.DoesNotExist:
            raise CommandError(_("No unit has the code “%(code)s”.") % {"code": unit}) from None
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(_("No user is called “%(username)s”.") % {"username": username}) from None
        try:
            summary = import_archimate(path_or_file=file, unit=target, by=user, dry_run=dry_run)
        except ArchimateImportError as exc:
            raise CommandError(str(exc)) from None
        for line in format_summary(summary):
            self.stdout.write(line)

"""``manage.py import_strategy FILE``: bring a strategy file into a unit, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from interop import formats
from interop.formats.safe import zip_files
from interop.services import ImportFileError, ImportRefused, preview_import, run_import
from org.models import Unit


class Command(BaseCommand):
    help = _(
        "Import objectives, means, practices and links from ArchiMate, Archi, Archi CSV, StratML or a spreadsheet."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help=_("The file; for Archi CSV, elements.csv (with relations.csv and properties.csv), a zip or a folder."),
        )
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", *formats.FORMATS],
            help=_("The file's format (default: recognised from the file)."),
        )
        parser.add_argument("--unit", required=True, help=_("Code of the unit that will own what is imported."))
        parser.add_argument(
            "--as",
            dest="username",
            help=_("Username of the person importing (an executive of the unit); without it, the operator imports."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Show what the import would do, then save nothing.")
        )

    def handle(self, *args, file: str, format: str, unit: str, username: str | None, dry_run: bool, **options):
        try:
            target = Unit.objects.get(code=unit)
        except Unit.DoesNotExist:
            raise CommandError(_("No unit has the code “%(code)s”.") % {"code": unit}) from None
        user = None
        if username:
            user_model = get_user_model()
            try:
                user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
            except user_model.DoesNotExist:
                raise CommandError(_("No user is called “%(username)s”.") % {"username": username}) from None
        data, name = read_input(Path(file))
        try:
            if dry_run:
                preview = preview_import(data, filename=name, format=format, unit=target, by=user)
                self.stdout.write(_("Dry run: nothing was saved."))
            else:
                preview = run_import(data, filename=name, format=format, unit=target, by=user)
        except ImportRefused as exc:
            for line in exc.preview.lines():
                self.stdout.write(line)
            raise CommandError(str(exc)) from None
        except (ImportFileError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        for line in preview.lines():
            self.stdout.write(line)
        if not preview.ok:
            raise CommandError(_("The file has errors: nothing was imported."))


def read_input(path: Path) -> tuple[bytes, str]:
    """The file's bytes; Archi CSV given as a folder or as elements.csv comes with its siblings, zipped."""
    if path.is_dir():
        members = sorted(path.glob("*.csv"))
    elif path.name.lower().endswith("elements.csv"):
        prefix = path.name[: -len("elements.csv")]
        members = [path.with_name(f"{prefix}{part}.csv") for part in ("elements", "relations", "properties")]
        members = [member for member in members if member.exists()]
    else:
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}) from None
    if not members:
        raise CommandError(_("No CSV file in %(folder)s.") % {"folder": path})
    return zip_files({member.name: member.read_bytes() for member in members}), path.name

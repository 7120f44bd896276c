"""Print a new API token for a person: ``python manage.py create_api_token USERNAME``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from api.services import token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What will use the token, e.g. “HR sync”.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(_("No person with the user name “%(username)s”.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("“%(username)s” is deactivated: a token would not work.") % {"username": username})
        _token, raw = token_create(user=user, name=name or "manage.py create_api_token")
        # Only the token on stdout, so scripts can capture it; the advice goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(_("Keep it secret: it is shown only once. Revoke it in the admin (API tokens)."))

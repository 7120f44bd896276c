import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alignment.demo import demo_exists, demo_logins, load_demo


def _wanted_language() -> str:
    """LANGUAGE_CODE when set on purpose; otherwise the language of the person's system
    (LC_ALL, LANG: "fr_FR.UTF-8" gives a French demo), so a French speaker who just runs
    `make run` gets the demo in French."""
    if os.environ.get("LANGUAGE_CODE"):
        return settings.LANGUAGE_CODE
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value[:2].lower()
    return settings.LANGUAGE_CODE


class Command(BaseCommand):
    help = "Load the demo organisation (once) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--language",
            choices=["en", "fr"],
            default=None,
            help="Language of the demo content (default: LANGUAGE_CODE if set, else the system's LANG).",
        )
        parser.add_argument(
            "--url",
            default=None,
            help="Address to print for signing in (make run passes its own host and port).",
        )
        parser.add_argument(
            "--force-production",
            action="store_true",
            help="Load the demo even with RAISON_ENV=production (it creates accounts with a known password).",
        )

    def handle(self, *args, language, url, force_production, **options):
        if settings.PRODUCTION and not force_production:
            raise CommandError(
                "Refusing to load demo accounts with a known password in production; "
                "pass --force-production for a staging copy."
            )
        lang = (language or _wanted_language()).split("-")[0]
        if lang not in ("en", "fr"):
            lang = "en"
        if load_demo(lang):
            self.stdout.write(self.style.SUCCESS(f"Demo organisation loaded ({lang})."))
        elif demo_exists():
            self.stdout.write("Demo organisation already present: nothing changed.")
        self.stdout.write("")
        if url:
            self.stdout.write(f"Demo logins (sign in at {url}):")
        else:
            self.stdout.write("Demo logins:")
        for login in demo_logins():
            self.stdout.write(f"  {login.role:<14} {login.username:<8} password: {login.password}")
        self.stdout.write("")

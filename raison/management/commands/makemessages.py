from django.core.management.commands import makemessages


class Command(makemessages.Command):
    # A fuzzy guess borrowed from a different sentence reads as a wrong translation in
    # the interface; new strings stay empty until someone translates them.
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

"""The French interface is complete: every string in the catalogue is translated, none is a guess."""

import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "msgid " in block]


def test_french_catalogue_has_no_fuzzy_entry():
    fuzzy = [block for block in _entries(CATALOGUE.read_text()) if re.search(r"^#,.*\bfuzzy\b", block, re.M)]
    assert fuzzy == []


def test_every_french_message_is_translated():
    untranslated = []
    for block in _entries(CATALOGUE.read_text())[1:]:  # the first entry is the header
        if block.lstrip().startswith("#~"):
            continue
        for _match in re.finditer(r'^msgstr(?:\[\d\])? ""\n(?!")', block + "\n", re.M):
            untranslated.append(block.split("msgid ", 1)[1].splitlines()[0])
            break
    assert untranslated == []


def test_the_interface_speaks_french(client, db):
    from django.utils import translation

    with translation.override("fr"):
        assert translation.gettext("Orphan practice") == "Pratique orpheline"
        assert translation.gettext("Dashboard") == "Tableau de bord"

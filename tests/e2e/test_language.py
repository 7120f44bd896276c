"""English and French: the language form switches the whole interface."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from objectives.models import Objective
from practices.models import Means, Practice
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAV_FR = [
    "Tableau de bord",
    "Objectifs",
    "Moyens",
    "Pratiques",
    "Propositions",
    "Alertes",
    "Questions",
    "Carte stratégique",
]
NAV_EN = ["Dashboard", "Objectives", "Means", "Practices", "Proposals", "Flags", "Questions", "Strategy map"]

# The interface's own words on a page: headings, navigation, controls and their labels.
INTERFACE_TEXT = """() => Array.from(document.querySelectorAll(
    'h1, h2, h3, h4, nav a, button, label, legend, th, .badge, .skip-link, .empty strong'
  )).map(e => e.innerText.replace(/\\s+/g, ' ').trim()).filter(Boolean)"""


@pytest.fixture
def demo_fr(transactional_db):
    from alignment.demo import load_demo

    load_demo("fr")


def _english_words() -> set[str]:
    """Every interface string that has a French translation different from the English."""
    catalog = translation.trans_real.translation("fr")._catalog
    english = {msgid for msgid, msgstr in catalog.items() if isinstance(msgid, str) and msgstr and msgstr != msgid}
    # A word that is also French for something ("Active": a practice's status) is not a leftover.
    french = {msgstr for _msgid, msgstr in catalog.items() if isinstance(msgstr, str)}
    return english - french


def test_switch_to_french_and_back(page, demo):
    sign_in(page, "marc")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(NAV_EN)

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    nav = page.get_by_role("navigation", name="Principale")
    expect(nav.get_by_role("link")).to_have_text(NAV_FR)
    expect(nav.get_by_role("link", name="Tableau de bord")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Score d’alignement")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_label("Langue")).to_have_value("fr")
    screenshot(page, "fr-dashboard")

    # It sticks from page to page.
    nav.get_by_role("link", name="Objectifs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arbre des objectifs")

    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Objective tree")


def test_french_is_complete_on_the_main_pages(new_page, demo_fr):
    """Signed out and in (as a manager, who sees every form), no English interface text is left."""
    page = new_page(locale="fr-FR")  # the browser asks for French: Django follows Accept-Language
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter à Raison")
    english = _english_words()
    leftovers: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found = [text for text in page.evaluate(INTERFACE_TEXT) if text in english]
        if found:
            leftovers[name] = found

    check("login")
    sign_in(page, "marc")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    wiki = Means.objects.get(name="Wiki")
    practice = Practice.objects.get(name__startswith="Les équipes publient")
    objective = Objective.objects.get(title="Partager les retours d'expérience après chaque projet")
    pages = {
        "dashboard": "/",
        "objective tree": "/objectives/",
        "objective list": "/objectives/list/",
        "objective page": f"/objectives/{objective.pk}/",
        "objective form": f"/objectives/{objective.pk}/edit/",
        "means list": "/practices/means/",
        "means page": f"/practices/means/{wiki.pk}/",
        "practice list": "/practices/",
        "practice page": f"/practices/{practice.pk}/",
        "proposals": "/practices/proposals/",
        "flags inbox": "/flags/",
        "strategy map": "/map/",
    }
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        check(name)
    screenshot(page, "fr-strategy-map")
    page.goto(f"/practices/means/{wiki.pk}/")
    expect(page.get_by_role("heading", level=2, name="Pourquoi cela existe-t-il ?")).to_be_visible()
    screenshot(page, "fr-means-page")
    assert not leftovers, f"English left on French pages: {leftovers}"

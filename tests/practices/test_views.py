"""Means and practice pages: who may open and post what, the lists, the forms, the “why”.

The organisation comes from tests/conftest.py: a company with a north division (and its
team) and a south division. Records here belong to the north unless they say otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.models import Flag, FlagKind
from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, MeansKind, MeansStatus, Practice, PracticeStatus, Practitioner
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UserFactory,
)
from tests.test_rights_matrix import ROWS, matches, may_act, verdicts

pytestmark = pytest.mark.django_db

PERSONAS = ["executive", "manager", "other_manager", "employee", "outsider", "anonymous"]
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class World:
    root: Objective
    north_objective: Objective
    south_objective: Objective
    archived: Objective
    wiki: Means
    chat: Means
    spare: Means
    north_practice: Practice
    south_practice: Practice
    orphan: Practice
    proposal: Practice


def build_world(org, employee) -> World:
    root = ObjectiveFactory(title="Capitalise and reuse best practices across teams", unit=org.company)
    north_objective = ObjectiveFactory(title="Share lessons learned", unit=org.north, parent=root)
    south_objective = ObjectiveFactory(title="Serve customers faster", unit=org.south, parent=root)
    archived = ObjectiveFactory(title="Old intranet", unit=org.north, status=ObjectiveStatus.ARCHIVED, parent=root)
    wiki = MeansFactory(name="Wiki", unit=org.north)
    MeansObjectiveFactory(means=wiki, objective=north_objective, rationale="The wiki keeps lessons findable.")
    chat = MeansFactory(name="Chat", unit=org.south)
    spare = MeansFactory(name="Forum", unit=org.north, description="A forum nobody asked for.")
    north_practice = PracticeFactory(name="Lessons learned in the wiki", unit=org.north)
    PracticeObjectiveFactory(practice=north_practice, objective=north_objective, rationale="Lessons reach others.")
    PracticeMeansFactory(practice=north_practice, means=wiki, rationale="Lessons are written in the wiki.")
    south_practice = PracticeFactory(name="Daily customer huddle", unit=org.south)
    orphan = PracticeFactory(name="Friday demos", unit=org.north_team)
    proposal = PracticeFactory(
        name="Pair on support tickets", unit=org.north_team, status=PracticeStatus.PROPOSED, proposed_by=employee
    )
    return World(
        root, north_objective, south_objective, archived, wiki, chat, spare, north_practice, south_practice, orphan,
        proposal,
    )  # fmt: skip


@pytest.fixture
def world(org, employee) -> World:
    return build_world(org, employee)


def sign_in(client, request, persona: str):
    if persona == "anonymous":
        return None
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


# --- The rights matrix: every route of this app, every persona ----------------------


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    args: object  # world -> list of url args
    data: object  # world -> POST data
    ok: int  # status for an allowed plain request
    ok_htmx: int  # status for an allowed htmx request
    #: Personas refused with a message rather than a 403, and the status they get.
    told: tuple = ()

    def url(self, w: World) -> str:
        return reverse(f"practices:{self.name}", args=self.args(w))

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _none(w):
    return []


def _no_data(w):
    return {}


ROUTES = [
    Route("practice_list", "GET", _none, _no_data, 200, 200),
    Route("means_list", "GET", _none, _no_data, 200, 200),
    Route("proposals", "GET", _none, _no_data, 200, 200),
    Route("propose", "GET", _none, _no_data, 200, 200),
    Route("means_search", "GET", _none, lambda w: {"means_q": "wi"}, 200, 200),
    Route("practice_detail", "GET", lambda w: [w.north_practice.pk], _no_data, 200, 200),
    Route("means_detail", "GET", lambda w: [w.wiki.pk], _no_data, 200, 200),
    Route("means_create", "GET", _none, _no_data, 200, 200),
    Route("practice_create", "GET", _none, _no_data, 200, 200),
    Route("means_edit", "GET", lambda w: [w.wiki.pk], _no_data, 200, 200),
    Route("practice_edit", "GET", lambda w: [w.north_practice.pk], _no_data, 200, 200),
    Route(
        "means_create",
        "POST",
        _none,
        lambda w: {"name": "Intranet", "kind": MeansKind.TECHNICAL, "unit": w.north_practice.unit_id},
        302,
        302,
        # other_manager may open the form, but the north is not among the units it offers.
        told=(("other_manager", 422, "Select a valid choice"),),
    ),
    Route(
        "practice_create",
        "POST",
        _none,
        lambda w: {"name": "Weekly review", "unit": w.north_practice.unit_id},
        302,
        302,
        told=(("other_manager", 422, "Select a valid choice"),),
    ),
    Route(
        "means_edit",
        "POST",
        lambda w: [w.wiki.pk],
        lambda w: {"name": "Wiki 2", "kind": MeansKind.TECHNICAL, "version": w.wiki.version},
        302,
        302,
    ),
    Route(
        "practice_edit",
        "POST",
        lambda w: [w.north_practice.pk],
        lambda w: {"name": "Lessons, again", "version": w.north_practice.version},
        302,
        302,
    ),
    Route(
        "means_status",
        "POST",
        lambda w: [w.wiki.pk],
        lambda w: {"status": MeansStatus.RETIRED, "version": w.wiki.version},
        302,
        302,
    ),
    Route(
        "practice_status",
        "POST",
        lambda w: [w.north_practice.pk],
        lambda w: {"status": PracticeStatus.RETIRED, "version": w.north_practice.version},
        302,
        302,
    ),
    Route("practice_retire", "POST", lambda w: [w.north_practice.pk], _no_data, 302, 204),
    Route("practice_audience", "POST", lambda w: [w.north_practice.pk], _no_data, 302, 200),
    Route("means_audience", "POST", lambda w: [w.wiki.pk], _no_data, 302, 200),
    Route(
        "practise",
        "POST",
        lambda w: [w.north_practice.pk],
        lambda w: {"practising": "on"},
        302,
        200,
    ),
    Route(
        "practice_link_objective",
        "POST",
        lambda w: [w.orphan.pk],
        lambda w: {"objective": w.north_objective.pk, "rationale": "Demos share what we learned."},
        302,
        200,
    ),
    Route(
        "practice_unlink_objective",
        "POST",
        lambda w: [w.north_practice.pk, w.north_objective.pk],
        _no_data,
        302,
        200,
    ),
    Route(
        "practice_undo_unlink_objective",
        "POST",
        lambda w: [w.orphan.pk],
        lambda w: {"objective": w.north_objective.pk, "rationale": "Demos share what we learned."},
        302,
        200,
    ),
    Route(
        "practice_link_means",
        "POST",
        lambda w: [w.north_practice.pk],
        lambda w: {"means": w.spare.pk, "rationale": "Questions go to the forum."},
        302,
        200,
    ),
    Route(
        "practice_unlink_means",
        "POST",
        lambda w: [w.north_practice.pk, w.wiki.pk],
        _no_data,
        302,
        200,
    ),
    Route(
        "practice_undo_unlink_means",
        "POST",
        lambda w: [w.north_practice.pk],
        lambda w: {"means": w.spare.pk, "rationale": "Questions go to the forum."},
        302,
        200,
    ),
    Route(
        "means_link_objective",
        "POST",
        lambda w: [w.spare.pk],
        lambda w: {"objective": w.north_objective.pk, "rationale": "People ask each other for lessons."},
        302,
        200,
    ),
    Route(
        "means_unlink_objective",
        "POST",
        lambda w: [w.wiki.pk, w.north_objective.pk],
        _no_data,
        302,
        200,
    ),
    Route(
        "means_undo_unlink_objective",
        "POST",
        lambda w: [w.spare.pk],
        lambda w: {"objective": w.north_objective.pk, "rationale": "People ask each other for lessons."},
        302,
        200,
    ),
    Route(
        "propose",
        "POST",
        _none,
        lambda w: {"name": "Lunch and learn", "description": "We teach each other at lunch."},
        302,
        302,
        told=(("outsider", 422, "not a member of any unit"),),
    ),
    Route(
        "adopt",
        "POST",
        lambda w: [w.proposal.pk],
        lambda w: {"objective": w.north_objective.pk, "rationale": "Pairing spreads support knowledge."},
        302,
        200,
    ),
    Route(
        "decline",
        "POST",
        lambda w: [w.proposal.pk],
        lambda w: {"reason": "Support already pairs on Tuesdays."},
        302,
        200,
    ),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_rights_matrix(client, request, world, route, persona, htmx):
    sign_in(client, request, persona)
    url = route.url(world)
    headers = HTMX if htmx else {}
    if route.method == "GET":
        response = client.get(url, route.data(world), **headers)
    else:
        response = client.post(url, route.data(world), **headers)

    told = {who: (status, text) for who, status, text in route.told}
    # Who may act comes from the one rights matrix; this test adds what valid data gets.
    verdict = verdicts(f"practices:{route.name}", route.method)[persona]
    if verdict == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif persona in told:
        assert may_act(verdict), f"docs/rights.csv does not let {persona} reach {route}"
        assert response.status_code == told[persona][0]
        assert told[persona][1] in response.content.decode()
    elif may_act(verdict):
        assert response.status_code == (route.ok_htmx if htmx else route.ok), response.content[:500]
    else:
        refusal = {403: "refused", 404: "hidden"}.get(response.status_code, str(response.status_code))
        assert matches(verdict, refusal), f"{persona}: {response.status_code} is not {verdict}"


def test_every_route_of_the_app_is_in_the_matrix():
    from practices.urls import urlpatterns

    names = {pattern.name for pattern in urlpatterns}
    assert names == {route.name for route in ROUTES}
    # …with valid data for every method docs/rights.csv lists.
    listed = {(row.route.removeprefix("practices:"), row.method) for row in ROWS if row.route.startswith("practices:")}
    assert listed == {(route.name, route.method) for route in ROUTES}


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("practice_detail", [999999]),
        ("means_detail", [999999]),
        ("practice_edit", [999999]),
        ("means_edit", [999999]),
    ],
)
def test_unknown_records_are_404(client, manager, name, args):
    client.force_login(manager)
    assert client.get(reverse(f"practices:{name}", args=args)).status_code == 404


# --- Object level: a manager of another unit, by id -----------------------------------


def test_other_manager_cannot_edit_a_north_practice_by_id(client, other_manager, world):
    client.force_login(other_manager)
    url = reverse("practices:practice_edit", args=[world.north_practice.pk])
    response = client.post(url, {"name": "Hijacked", "version": world.north_practice.version})
    assert response.status_code == 403
    world.north_practice.refresh_from_db()
    assert world.north_practice.name == "Lessons learned in the wiki"


def test_other_manager_cannot_unlink_a_north_tool_even_with_htmx(client, other_manager, world):
    client.force_login(other_manager)
    url = reverse("practices:means_unlink_objective", args=[world.wiki.pk, world.north_objective.pk])
    assert client.post(url, **HTMX).status_code == 403
    assert world.wiki.objective_links.count() == 1


def test_employee_cannot_unlink_a_tool(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:means_unlink_objective", args=[world.wiki.pk, world.north_objective.pk])
    assert client.post(url).status_code == 403
    assert world.wiki.objective_links.count() == 1


def test_other_manager_manages_their_own_practice(client, other_manager, world):
    client.force_login(other_manager)
    response = client.get(reverse("practices:practice_detail", args=[world.south_practice.pk]))
    assert response.status_code == 200
    assert response.context["page"].can_manage
    response = client.get(reverse("practices:practice_detail", args=[world.north_practice.pk]))
    assert not response.context["page"].can_manage
    assert "Link to an objective" not in response.content.decode()


def test_other_manager_cannot_create_in_a_unit_they_do_not_manage(client, other_manager, org):
    client.force_login(other_manager)
    response = client.post(reverse("practices:means_create"), {"name": "X", "kind": "technical", "unit": org.north.pk})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Means.objects.filter(name="X").exists()


def test_create_form_offers_only_managed_units(client, other_manager, org):
    client.force_login(other_manager)
    response = client.get(reverse("practices:practice_create"))
    assert list(response.context["form"].fields["unit"].queryset) == [org.south]


# --- The practice page: “why” first ---------------------------------------------------


def test_employee_reads_why_a_practice_exists_in_plain_words(client, employee, world):
    client.force_login(employee)
    response = client.get(reverse("practices:practice_detail", args=[world.north_practice.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Why does this exist?" in html
    assert (
        "“Lessons learned in the wiki” exists because it serves “Share lessons learned”, which contributes to "
        "“Capitalise and reuse best practices across teams” (strategic objective)."
    ) in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "Lessons reach others." in html
    assert html.index("Why does this exist?") < html.index("Means it relies on")
    assert "Unlink" not in html
    assert "Wiki" in html


def test_an_orphan_says_honestly_that_nothing_explains_it_and_lists_its_flags(client, employee, world):
    Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=world.orphan, raised_at=timezone.now())
    client.force_login(employee)
    response = client.get(reverse("practices:practice_detail", args=[world.orphan.pk]))
    html = response.content.decode()
    assert "No objective explains this yet." in html
    assert "Orphan practice" in html
    assert "No active objective explains this practice." in html
    assert "badge--flag" in html


def test_acknowledged_flags_show_as_accepted_exceptions(client, manager, world):
    Flag.objects.create(
        kind=FlagKind.ORPHAN_PRACTICE,
        practice=world.orphan,
        raised_at=timezone.now(),
        acknowledged_at=timezone.now(),
        acknowledged_by=manager,
        acknowledgement_reason="A pilot until June.",
    )
    client.force_login(manager)
    response = client.get(reverse("practices:practice_detail", args=[world.orphan.pk]))
    html = response.content.decode()
    assert "Accepted exception" in html
    assert "A pilot until June." in html
    assert response.context["page"].open_flag_count == 0


def test_resolved_flags_are_not_shown(client, manager, world):
    Flag.objects.create(
        kind=FlagKind.ORPHAN_PRACTICE, practice=world.orphan, raised_at=timezone.now(), resolved_at=timezone.now()
    )
    client.force_login(manager)
    response = client.get(reverse("practices:practice_detail", args=[world.orphan.pk]))
    assert "Orphan practice" not in response.content.decode()


def test_flags_region_refreshes_on_the_alignment_event(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:practice_detail", args=[world.orphan.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="alignmentChanged from:body"' in page
    Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=world.orphan, raised_at=timezone.now())
    response = client.get(url, {"region": "flags"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="flags"')
    assert "Orphan practice" in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:practice_detail", args=[world.orphan.pk])
    response = client.get(url, {"region": "flags"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_an_unknown_region_gets_the_whole_page(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:practice_detail", args=[world.orphan.pk])
    response = client.get(url, {"region": "base"}, **HTMX)
    assert "<html" in response.content.decode()


def test_practice_page_shows_how_many_people_practise_it(client, employee, world):
    for n in range(3):
        Practitioner.objects.create(practice=world.north_practice, user=UserFactory(username=f"p{n}"))
    client.force_login(employee)
    response = client.get(reverse("practices:practice_detail", args=[world.north_practice.pk]))
    html = response.content.decode()
    assert '<p class="stat">3</p>' in html
    assert "I practise this" in html


def test_means_page_answers_why_and_lists_practices_using_it(client, employee, world):
    Practitioner.objects.create(practice=world.north_practice, user=employee)
    client.force_login(employee)
    response = client.get(reverse("practices:means_detail", args=[world.wiki.pk]))
    html = response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "“Wiki” exists because it serves “Share lessons learned”" in html
    assert "The wiki keeps lessons findable." in html
    assert "Lessons learned in the wiki" in html
    assert "1 person practises it" in html


def test_means_page_lists_the_first_practices_and_counts_the_rest(client, employee, org, monkeypatch):
    from practices import selectors

    monkeypatch.setattr(selectors, "LINKS_SHOWN", 2)
    monkeypatch.setattr(selectors.means_practice_links, "__kwdefaults__", {"limit": 2})
    board = MeansFactory(name="Board", unit=org.north)
    # The longest-standing links are listed, by name; the others are counted.
    for name in ("Zulu retro", "Alpha drill", "Mike review", "Echo standup"):
        PracticeMeansFactory(practice=PracticeFactory(name=name, unit=org.north), means=board)
    client.force_login(employee)
    html = client.get(reverse("practices:means_detail", args=[board.pk])).content.decode()
    assert "Zulu retro" in html and "Alpha drill" in html
    assert html.index("Alpha drill") < html.index("Zulu retro")
    assert "Mike review" not in html and "Echo standup" not in html
    assert "…and 2 more practices." in html


def test_a_purposeless_means_says_so(client, employee, world):
    Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=world.spare, raised_at=timezone.now())
    client.force_login(employee)
    html = client.get(reverse("practices:means_detail", args=[world.spare.pk])).content.decode()
    assert "No objective explains this yet." in html
    assert "nobody can say why it exists" in html
    assert "No practice uses it yet" in html


def test_manager_sees_link_forms_with_search_as_you_type(client, manager, world):
    client.force_login(manager)
    html = client.get(reverse("practices:practice_detail", args=[world.orphan.pk])).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert f'hx-get="{reverse("objectives:search")}?name=objective"' in html
    assert f'action="{reverse("practices:practice_detail", args=[world.orphan.pk])}#link-objective"' in html
    assert f'action="{reverse("practices:practice_link_objective", args=[world.orphan.pk])}"' in html
    assert 'name="rationale"' in html


def test_without_javascript_the_search_reloads_the_page_with_candidates(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_detail", args=[world.orphan.pk])
    html = client.get(url, {"q": "lessons", "means_q": "foru"}).content.decode()
    assert f'name="objective" value="{world.north_objective.pk}"' in html
    assert f'name="objective" value="{world.root.pk}"' not in html
    assert f'name="means" value="{world.spare.pk}"' in html
    assert f'name="means" value="{world.wiki.pk}"' not in html


# --- Search as you type for means -----------------------------------------------------


def test_means_search_returns_a_fragment_of_radio_buttons(client, employee, world):
    client.force_login(employee)
    url = reverse("practices:means_search")
    response = client.get(url, {"means_q": "for", "name": "means", "practice": world.north_practice.pk}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert f'<input type="radio" name="means" value="{world.spare.pk}" checked>' in html
    assert "HX-Request" in response["Vary"]


def test_means_search_leaves_out_retired_and_already_linked_means(client, employee, world, org):
    MeansFactory(name="Wiki archive", unit=org.north, status=MeansStatus.RETIRED)
    client.force_login(employee)
    html = client.get(
        reverse("practices:means_search"), {"means_q": "wiki", "practice": world.north_practice.pk}, **HTMX
    ).content.decode()
    assert "Wiki archive" not in html
    assert ">Wiki<" not in html
    assert "No means in use matches" in html


def test_means_search_without_javascript_is_a_page(client, employee, world):
    client.force_login(employee)
    html = client.get(reverse("practices:means_search"), {"means_q": "wiki"}).content.decode()
    assert "<html" in html
    assert f'href="{reverse("practices:means_detail", args=[world.wiki.pk])}"' in html


def test_means_search_ignores_a_bad_field_name(client, employee, world):
    client.force_login(employee)
    html = client.get(
        reverse("practices:means_search"), {"means_q": "wiki", "name": '"><script>'}, **HTMX
    ).content.decode()
    assert "<script>" not in html
    assert 'type="radio"' not in html
    # Not an empty fragment: the match is there, as links.
    assert f'href="{reverse("practices:means_detail", args=[world.wiki.pk])}"' in html


# --- Lists ---------------------------------------------------------------------------


def test_practice_list_filters_by_unit_subtree_status_and_flags(client, employee, world, org):
    Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=world.orphan, raised_at=timezone.now())
    client.force_login(employee)
    url = reverse("practices:practice_list")

    def names(**params):
        return {p.name for p in client.get(url, params).context["page_obj"].object_list}

    assert names() == {
        "Lessons learned in the wiki",
        "Daily customer huddle",
        "Friday demos",
        "Pair on support tickets",
    }
    assert names(unit=org.north.pk) == {"Lessons learned in the wiki", "Friday demos", "Pair on support tickets"}
    assert names(status="proposed") == {"Pair on support tickets"}
    assert names(flagged="yes") == {"Friday demos"}
    assert "Friday demos" not in names(flagged="no")
    assert names(q="huddle") == {"Daily customer huddle"}
    assert names(unit="not-a-number") == names()


def test_means_list_filters_by_kind_and_search(client, employee, world, org):
    MeansFactory(name="Retrospective", kind=MeansKind.ORGANISATIONAL, unit=org.north)
    client.force_login(employee)
    url = reverse("practices:means_list")
    response = client.get(url, {"kind": "organisational"})
    assert [m.name for m in response.context["page_obj"].object_list] == ["Retrospective"]
    response = client.get(url, {"q": "nobody asked"})
    assert [m.name for m in response.context["page_obj"].object_list] == ["Forum"]


def test_list_htmx_request_gets_only_the_results(client, employee, world):
    client.force_login(employee)
    response = client.get(reverse("practices:means_list"), {"q": "wiki"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="means-results">')
    assert "HX-Request" in response["Vary"]


def test_boosted_navigation_gets_the_whole_list(client, employee, world):
    client.force_login(employee)
    response = client.get(reverse("practices:means_list"), HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert "<html" in response.content.decode()


def test_lists_paginate_and_keep_filters(client, employee, org):
    for n in range(30):
        PracticeFactory(name=f"Ritual {n:02d}", unit=org.north)
    client.force_login(employee)
    response = client.get(reverse("practices:practice_list"), {"q": "Ritual"})
    html = response.content.decode()
    assert len(response.context["page_obj"].object_list) == 25
    assert 'href="?q=Ritual&amp;page=2"' in html
    response = client.get(reverse("practices:practice_list"), {"q": "Ritual", "page": 2})
    assert len(response.context["page_obj"].object_list) == 5


def test_empty_lists_say_what_to_do(client, employee, org):
    client.force_login(employee)
    assert "No practice yet." in client.get(reverse("practices:practice_list")).content.decode()
    assert "No means yet." in client.get(reverse("practices:means_list")).content.decode()
    html = client.get(reverse("practices:means_list"), {"q": "zzz"}).content.decode()
    assert "No means matches these filters." in html


# --- Create, edit, status: errors next to the field, conflicts kept -------------------


def test_manager_creates_a_means_and_is_sent_to_say_why(client, manager, org):
    client.force_login(manager)
    response = client.post(
        reverse("practices:means_create"),
        {"name": "Enterprise social network", "kind": "technical", "unit": org.north_team.pk, "url": "esn.example.org"},
    )
    means = Means.objects.get(name="Enterprise social network")
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:means_detail", args=[means.pk])
    assert means.url == "https://esn.example.org"
    assert means.owner == manager


def test_create_with_errors_keeps_input_and_says_what_is_wrong(client, manager, org):
    client.force_login(manager)
    response = client.post(reverse("practices:means_create"), {"name": "", "kind": "nonsense", "url": "not a url"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "This field is required." in html
    assert 'value="not a url"' in html
    assert 'aria-invalid="true"' in html
    assert not Means.objects.exists()


def test_edit_conflict_is_refused_and_keeps_the_input(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_edit", args=[world.north_practice.pk])
    stale_version = world.north_practice.version
    # Someone else saved first.
    client.post(url, {"name": "Their name", "description": "", "version": stale_version})
    response = client.post(url, {"name": "My name", "description": "Mine", "version": stale_version})
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else since you opened it" in html
    assert 'value="My name"' in html
    assert "Their name" in html  # the current version is shown
    world.north_practice.refresh_from_db()
    assert world.north_practice.name == "Their name"
    # Saving again, knowingly, wins.
    response = client.post(url, {"name": "My name", "description": "Mine", "version": world.north_practice.version})
    assert response.status_code == 302
    world.north_practice.refresh_from_db()
    assert world.north_practice.name == "My name"


def test_means_edit_conflict(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:means_edit", args=[world.wiki.pk])
    data = {"name": "Wiki", "kind": "technical", "version": world.wiki.version}
    assert client.post(url, {**data, "name": "Team wiki"}).status_code == 302
    response = client.post(url, {**data, "name": "Company wiki"})
    assert response.status_code == 409
    assert 'value="Company wiki"' in response.content.decode()


def test_edit_form_carries_the_version(client, manager, world):
    client.force_login(manager)
    html = client.get(reverse("practices:means_edit", args=[world.wiki.pk])).content.decode()
    assert f'name="version" value="{world.wiki.version}"' in html


def test_status_change_with_a_stale_version_is_a_conflict(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_status", args=[world.north_practice.pk])
    version = world.north_practice.version
    assert client.post(url, {"status": "retired", "version": version}).status_code == 302
    response = client.post(url, {"status": "active", "version": version})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else since you opened it" in html
    world.north_practice.refresh_from_db()
    assert world.north_practice.status == PracticeStatus.RETIRED
    # The form now carries the current version, so choosing again knowingly wins.
    assert f'name="version" value="{world.north_practice.version}"' in html
    assert client.post(url, {"status": "active", "version": world.north_practice.version}).status_code == 302


def test_a_proposal_is_not_activated_through_the_status_form(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_status", args=[world.proposal.pk])
    response = client.post(url, {"status": "active", "version": world.proposal.version})
    assert response.status_code == 422
    assert "adopted or declined on the proposals page" in response.content.decode()
    world.proposal.refresh_from_db()
    assert world.proposal.status == PracticeStatus.PROPOSED


def test_means_status_retires_and_announces_the_change(client, manager, world):
    client.force_login(manager)
    response = client.post(
        reverse("practices:means_status", args=[world.wiki.pk]), {"status": "retired", "version": world.wiki.version}
    )
    assert response.status_code == 302
    world.wiki.refresh_from_db()
    assert world.wiki.status == MeansStatus.RETIRED


def test_retire_redirects_only_to_a_local_next(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_retire", args=[world.north_practice.pk])
    response = client.post(url, {"next": "https://evil.example.org/"})
    assert response["Location"] == reverse("practices:practice_detail", args=[world.north_practice.pk])
    response = client.post(reverse("practices:practice_retire", args=[world.orphan.pk]), {"next": "/flags/"})
    assert response["Location"] == "/flags/"


def test_retire_with_htmx_tells_other_regions(client, manager, world):
    client.force_login(manager)
    response = client.post(reverse("practices:practice_retire", args=[world.north_practice.pk]), **HTMX)
    assert response.status_code == 204
    assert "alignmentChanged" in response["HX-Trigger"]


# --- Free text stays inert -----------------------------------------------------------

XSS = '<script>alert(1)</script><img src=x onerror=alert(2) hx-get="/admin/" hx-trigger="load">'


def test_free_text_is_escaped_everywhere(client, employee, org):
    root = ObjectiveFactory(title=XSS, unit=org.company)
    means = MeansFactory(name=XSS, description=XSS, unit=org.north)
    practice = PracticeFactory(name=XSS, description=XSS, unit=org.north)
    MeansObjectiveFactory(means=means, objective=root, rationale=XSS)
    PracticeObjectiveFactory(practice=practice, objective=root, rationale=XSS)
    PracticeMeansFactory(practice=practice, means=means, rationale=XSS)
    client.force_login(employee)
    for url in (
        reverse("practices:practice_detail", args=[practice.pk]),
        reverse("practices:means_detail", args=[means.pk]),
        reverse("practices:practice_list"),
        reverse("practices:means_list"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert 'hx-get="/admin/"' not in html
        assert "&lt;script&gt;" in html


# --- Query counts do not grow with the organisation -----------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow_practice(practice: Practice, org, n: int) -> None:
    parent = None
    for _depth in range(n):
        parent = ObjectiveFactory(unit=org.north, parent=parent)
    for i in range(n):
        PracticeObjectiveFactory(practice=practice, objective=ObjectiveFactory(unit=org.north, parent=parent))
        PracticeMeansFactory(practice=practice, means=MeansFactory(unit=org.north), created_by=UserFactory())
        Practitioner.objects.create(practice=practice, user=UserFactory(username=f"fan-{practice.pk}-{i}"))
    Flag.objects.create(kind=FlagKind.MISMATCHED_MEANS, practice=practice, raised_at=timezone.now())


@pytest.mark.parametrize("persona", ["manager", "employee"])
def test_practice_page_query_count_is_constant(client, request, org, persona):
    small = PracticeFactory(unit=org.north)
    large = PracticeFactory(unit=org.north)
    _grow_practice(small, org, 1)
    _grow_practice(large, org, 20)
    sign_in(client, request, persona)
    _count(client, reverse("practices:practice_detail", args=[small.pk]))  # warm the session
    assert _count(client, reverse("practices:practice_detail", args=[small.pk])) == _count(
        client, reverse("practices:practice_detail", args=[large.pk])
    )


def test_means_page_query_count_is_constant(client, manager, org):
    def means_with(n: int) -> Means:
        means = MeansFactory(unit=org.north)
        for _ in range(n):
            MeansObjectiveFactory(means=means, objective=ObjectiveFactory(unit=org.north), created_by=UserFactory())
            practice = PracticeFactory(unit=org.north)
            PracticeMeansFactory(practice=practice, means=means)
            Practitioner.objects.create(practice=practice, user=UserFactory())
        return means

    small, large = means_with(1), means_with(20)
    client.force_login(manager)
    _count(client, reverse("practices:means_detail", args=[small.pk]))
    assert _count(client, reverse("practices:means_detail", args=[small.pk])) == _count(
        client, reverse("practices:means_detail", args=[large.pk])
    )


def test_list_query_counts_are_constant(client, employee, org):
    client.force_login(employee)
    PracticeFactory(unit=org.north)
    MeansFactory(unit=org.north)
    client.get(reverse("practices:practice_list"))
    one = (_count(client, reverse("practices:practice_list")), _count(client, reverse("practices:means_list")))
    for _ in range(40):
        practice = PracticeFactory(unit=org.south)
        means = MeansFactory(unit=org.south)
        Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, raised_at=timezone.now())
        Practitioner.objects.create(practice=practice, user=UserFactory())
        PracticeMeansFactory(practice=practice, means=means)
    many = (_count(client, reverse("practices:practice_list")), _count(client, reverse("practices:means_list")))
    assert one == many


def test_search_query_count_is_constant(client, employee, org):
    client.force_login(employee)
    MeansFactory(name="Tool", unit=org.north)
    url = reverse("practices:means_search") + "?means_q=tool"
    client.get(url, **HTMX)
    one = _count(client, url)
    for _ in range(30):
        MeansFactory(unit=org.south)
    assert _count(client, url) == one


@pytest.mark.parametrize("kind", ["practice", "means"])
def test_flags_region_also_refreshes_the_header_badge(client, employee, world, kind):
    """After an in-place link resolves the flag, the header's "Flagged" badge goes too."""
    client.force_login(employee)
    if kind == "practice":
        subject, url_name = world.orphan, "practices:practice_detail"
        flag = {"kind": FlagKind.ORPHAN_PRACTICE, "practice": world.orphan}
    else:
        subject = MeansFactory(name="Shadow chat", unit=world.orphan.unit)
        url_name = "practices:means_detail"
        flag = {"kind": FlagKind.PURPOSELESS_MEANS, "means": subject}
    url = reverse(url_name, args=[subject.pk])
    flag = Flag.objects.create(raised_at=timezone.now(), **flag)
    page = client.get(url).content.decode()
    assert '<span id="subject-flag-badge"><span class="badge badge--flag">Flagged</span></span>' in page
    assert "hx-swap-oob" not in page
    region = client.get(url, {"region": "flags"}, **HTMX).content.decode()
    assert '<span id="subject-flag-badge" hx-swap-oob="true"><span class="badge badge--flag">Flagged' in region
    Flag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now())
    region = client.get(url, {"region": "flags"}, **HTMX).content.decode()
    assert '<span id="subject-flag-badge" hx-swap-oob="true"></span>' in region


def test_a_mismatched_means_flag_names_the_means(client, employee, org):
    goal = ObjectiveFactory(title="Ship faster", unit=org.north)
    other = ObjectiveFactory(title="Hire well", unit=org.north)
    practice = PracticeFactory(name="Daily deploys", unit=org.north)
    PracticeObjectiveFactory(practice=practice, objective=goal)
    fitting = MeansFactory(name="CI server", unit=org.north)
    MeansObjectiveFactory(means=fitting, objective=goal)
    stray = MeansFactory(name="Applicant tracker", unit=org.north)
    MeansObjectiveFactory(means=stray, objective=other)
    PracticeMeansFactory(practice=practice, means=fitting)
    PracticeMeansFactory(practice=practice, means=stray)
    flag = Flag.objects.get_or_create(
        kind=FlagKind.MISMATCHED_MEANS, practice=practice, resolved_at=None, defaults={"raised_at": timezone.now()}
    )[0]
    client.force_login(employee)
    page = client.get(reverse("practices:practice_detail", args=[practice.pk])).content.decode()
    assert "It relies on “Applicant tracker”, which serves none of its objectives." in page
    assert "“CI server”, which" not in page
    flag_page = client.get(reverse("flag_detail", args=[flag.pk])).content.decode()
    assert "The means in question:" in flag_page
    assert "<strong>Applicant tracker</strong>" in flag_page
    assert "<strong>CI server</strong>" not in flag_page

"""Objective pages: who may see and change what, forms, htmx partials, conflicts and cycles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.models import Flag, FlagKind
from objectives.models import Objective, ObjectiveStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeObjectiveFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["executive", "manager", "other_manager", "employee", "outsider"]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def root(org):
    return ObjectiveFactory(title="Reuse best practices", unit=org.company, parent=None)


@pytest.fixture
def north_goal(org, root):
    return ObjectiveFactory(title="North shares lessons learned", unit=org.north, parent=root)


@pytest.fixture
def as_persona(client, request):
    def login(name: str | None):
        if name is None:
            client.logout()
            return None
        user = request.getfixturevalue(name)
        client.force_login(user)
        return user

    return login


def count_queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


# --- Reading: everyone signed in, nobody else ------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ["tree", "list", "search", "detail"])
def test_everyone_signed_in_reads_every_objective_page(as_persona, client, north_goal, persona, route):
    as_persona(persona)
    url = reverse(f"objectives:{route}", args=[north_goal.pk] if route == "detail" else [])
    response = client.get(url)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "route", ["tree", "list", "search", "detail", "create", "edit", "status", "reparent", "children"]
)
@pytest.mark.parametrize("htmx", [False, True])
def test_anonymous_is_sent_to_sign_in(client, north_goal, route, htmx):
    needs_pk = route in ("detail", "edit", "status", "reparent", "children")
    url = reverse(f"objectives:{route}", args=[north_goal.pk] if needs_pk else [])
    response = client.get(url, **(HTMX if htmx else {}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_missing_objective_is_404(as_persona, client, db):
    as_persona("employee")
    assert client.get(reverse("objectives:detail", args=[999999])).status_code == 404


def test_tree_shows_useful_empty_states(as_persona, client, org):
    as_persona("employee")
    assert "executives can create the first one" in client.get(reverse("objectives:tree")).content.decode()
    as_persona("executive")
    assert "create the first one" in client.get(reverse("objectives:tree")).content.decode()


def test_tree_lists_roots_and_expands_children_in_place(as_persona, client, root, north_goal):
    as_persona("employee")
    page = client.get(reverse("objectives:tree")).content.decode()
    assert "Reuse best practices" in page
    assert "North shares lessons learned" not in page
    # The expand link works with and without JavaScript.
    children_url = reverse("objectives:children", args=[root.pk])
    assert f'hx-get="{children_url}"' in page
    assert f'href="{reverse("objectives:detail", args=[root.pk])}"' in page

    response = client.get(children_url, **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "North shares lessons learned" in fragment
    assert f'id="node-{root.pk}"' in fragment
    assert "HX-Request" in response["Vary"]

    collapsed = client.get(children_url + "?collapse=1", **HTMX).content.decode()
    assert "North shares lessons learned" not in collapsed


def test_children_without_javascript_goes_to_the_objective_page(as_persona, client, root):
    as_persona("employee")
    response = client.get(reverse("objectives:children", args=[root.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("objectives:detail", args=[root.pk])


def test_history_restore_gets_the_whole_page(as_persona, client, root):
    as_persona("employee")
    response = client.get(reverse("objectives:list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_list_filters_and_returns_a_fragment_for_htmx(as_persona, client, org, root, north_goal):
    draft = ObjectiveFactory(title="Draft idea", unit=org.south, parent=root, status=ObjectiveStatus.DRAFT)
    Flag.objects.create(kind=FlagKind.UNPRACTISED_OBJECTIVE, objective=north_goal, raised_at=timezone.now())
    as_persona("employee")
    url = reverse("objectives:list")

    page = client.get(url, {"q": "lessons"}).content.decode()
    assert "North shares lessons learned" in page
    assert "Draft idea" not in page

    fragment = client.get(url, {"status": "draft"}, **HTMX).content.decode()
    assert "<html" not in fragment
    assert draft.title in fragment
    assert north_goal.title not in fragment

    flagged = client.get(url, {"flagged": "on"}, **HTMX).content.decode()
    assert north_goal.title in flagged
    assert ">1 objective<" in flagged

    by_unit = client.get(url, {"unit": org.north.pk}, **HTMX).content.decode()
    assert north_goal.title in by_unit
    assert draft.title not in by_unit

    empty = client.get(url, {"q": "nothing like this"}).content.decode()
    assert "No objective matches these filters" in empty


def test_list_paginates(as_persona, client, org):
    ObjectiveFactory.create_batch(30, unit=org.company)
    as_persona("employee")
    first = client.get(reverse("objectives:list")).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(reverse("objectives:list"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


def test_search_fragment_contract(as_persona, client, org, root, north_goal):
    ObjectiveFactory(title="Archived lessons", unit=org.north, parent=root, status=ObjectiveStatus.ARCHIVED)
    ObjectiveFactory(title="Draft lessons", unit=org.north, parent=root, status=ObjectiveStatus.DRAFT)
    as_persona("manager")
    url = reverse("objectives:search")

    fragment = client.get(url, {"q": "lessons", "name": "objective"}, **HTMX).content.decode()
    assert "<html" not in fragment
    assert f'type="radio" name="objective" value="{north_goal.pk}"' in fragment
    assert "Draft lessons" in fragment
    assert "Archived lessons" not in fragment

    active_only = client.get(url, {"q": "lessons", "name": "objective", "status": "active"}, **HTMX).content.decode()
    assert "Draft lessons" not in active_only
    assert north_goal.title in active_only

    links = client.get(url, {"q": "lessons"}, **HTMX).content.decode()
    assert 'type="radio"' not in links
    assert reverse("objectives:detail", args=[north_goal.pk]) in links

    nothing = client.get(url, {"q": "zzz"}, **HTMX).content.decode()
    assert "No active or draft objective matches" in nothing

    # A hostile field name never reaches the markup.
    hostile = client.get(url, {"q": "lessons", "name": '"><script>'}, **HTMX).content.decode()
    assert "<script>" not in hostile
    assert 'name="objective"' in hostile


def test_detail_shows_chain_children_means_practices_flags_and_history(as_persona, client, org, root, north_goal):
    team_goal = ObjectiveFactory(title="Team writes it down", unit=org.north_team, parent=north_goal)
    MeansObjectiveFactory(
        means=MeansFactory(name="The wiki", unit=org.north), objective=north_goal, rationale="Lessons need a home"
    )
    PracticeObjectiveFactory(
        practice=PracticeFactory(name="Lessons learned", unit=org.north),
        objective=north_goal,
        rationale="This is how we share",
    )
    Flag.objects.create(kind=FlagKind.UNRESOURCED_OBJECTIVE, objective=north_goal, raised_at=timezone.now())
    as_persona("employee")
    page = client.get(reverse("objectives:detail", args=[north_goal.pk])).content.decode()
    assert root.title in page  # breadcrumbs
    assert team_goal.title in page
    assert "The wiki" in page
    assert "Lessons need a home" in page
    assert "Lessons learned" in page
    assert "This is how we share" in page
    assert "Unresourced objective" in page
    assert "History of changes" in page
    # Employees get no edit controls.
    assert reverse("objectives:edit", args=[north_goal.pk]) not in page


def test_detail_empty_states(as_persona, client, root):
    as_persona("employee")
    page = client.get(reverse("objectives:detail", args=[root.pk])).content.decode()
    assert "No sub-objective yet" in page
    assert "No means serves this objective yet" in page
    assert "No practice lives this objective yet" in page


def test_detail_of_a_record_without_history_says_so(as_persona, client, org):
    # Bulk loads and imports write no history row: the page must still answer.
    Objective.objects.bulk_create([Objective(title="Loaded in bulk", unit=org.company, status=ObjectiveStatus.ACTIVE)])
    loaded = Objective.objects.get(title="Loaded in bulk")
    assert not loaded.history.exists()
    as_persona("employee")
    response = client.get(reverse("objectives:detail", args=[loaded.pk]))
    assert response.status_code == 200
    assert "No recorded change." in response.content.decode()


def test_free_text_is_escaped(as_persona, client, org):
    payload = '<script>alert(1)</script><b hx-get="/admin/" hx-trigger="load">x</b>'
    objective = ObjectiveFactory(title=payload, statement=payload, unit=org.company)
    as_persona("employee")
    for url in (
        reverse("objectives:detail", args=[objective.pk]),
        reverse("objectives:tree"),
        reverse("objectives:list"),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert 'hx-trigger="load"' not in page
        assert "&lt;script&gt;" in page


# --- Creating ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("executive", 200), ("manager", 200), ("other_manager", 200), ("employee", 403), ("outsider", 403)],
)
def test_create_form_is_for_executives_and_managers(as_persona, client, org, persona, status):
    as_persona(persona)
    assert client.get(reverse("objectives:create")).status_code == status
    assert client.get(reverse("objectives:create"), **HTMX).status_code == status


def test_executive_creates_a_strategic_objective(as_persona, client, org):
    as_persona("executive")
    response = client.post(
        reverse("objectives:create"),
        {"title": "Serve customers better", "statement": "They pay us.", "unit": org.company.pk, "status": "active"},
    )
    objective = Objective.objects.get(title="Serve customers better")
    assert response.status_code == 302
    assert response["Location"] == reverse("objectives:detail", args=[objective.pk])
    assert objective.parent is None
    assert objective.status == ObjectiveStatus.ACTIVE


def test_manager_cannot_create_a_strategic_objective(as_persona, client, org):
    as_persona("manager")
    response = client.post(
        reverse("objectives:create"),
        {"title": "My own strategy", "statement": "Why not.", "unit": org.north.pk, "status": "draft"},
    )
    assert response.status_code == 422
    assert not Objective.objects.filter(title="My own strategy").exists()
    assert response.context["form"].errors["parent"]
    assert 'value="My own strategy"' in response.content.decode()  # input kept


def test_manager_creates_a_sub_objective_in_their_subtree(as_persona, client, org, north_goal):
    as_persona("manager")
    form = client.get(reverse("objectives:create"), {"parent": north_goal.pk})
    assert form.context["form"].initial == {"parent": north_goal.pk, "unit": org.north.pk}
    response = client.post(
        reverse("objectives:create"),
        {
            "parent": north_goal.pk,
            "title": "Team retros",
            "statement": "Learn each sprint.",
            "unit": org.north_team.pk,
            "status": "active",
        },
    )
    assert response.status_code == 302
    assert Objective.objects.get(title="Team retros").parent == north_goal


def test_manager_hangs_a_sub_objective_under_the_executives_root(as_persona, client, org, root):
    as_persona("manager")
    response = client.post(
        reverse("objectives:create"),
        {"parent": root.pk, "title": "North goal", "statement": "Ours.", "unit": org.north.pk, "status": "active"},
    )
    assert response.status_code == 302
    assert Objective.objects.get(title="North goal").parent == root


def test_other_manager_cannot_create_an_objective_in_another_unit(as_persona, client, org, north_goal):
    as_persona("other_manager")
    response = client.post(
        reverse("objectives:create"),
        {"parent": north_goal.pk, "title": "Meddling", "statement": "x", "unit": org.north.pk, "status": "draft"},
    )
    assert response.status_code == 422
    assert "unit" in response.context["form"].errors
    assert not Objective.objects.filter(title="Meddling").exists()


def test_sub_objective_needs_an_active_parent(as_persona, client, org, root):
    draft = ObjectiveFactory(title="Draft parent", unit=org.north, parent=root, status=ObjectiveStatus.DRAFT)
    as_persona("manager")
    response = client.post(
        reverse("objectives:create"),
        {"parent": draft.pk, "title": "Under a draft", "statement": "x", "unit": org.north.pk, "status": "draft"},
    )
    assert response.status_code == 422
    assert "parent" in response.context["form"].errors


def test_create_form_errors_are_shown_next_to_the_fields(as_persona, client, org):
    as_persona("executive")
    response = client.post(
        reverse("objectives:create"),
        {
            "title": "",
            "statement": "",
            "unit": org.company.pk,
            "status": "draft",
            "starts_on": "2026-05-01",
            "ends_on": "2026-01-01",
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert {"title", "statement", "ends_on"} <= set(errors)
    assert 'aria-invalid="true"' in response.content.decode()


def test_employee_cannot_post_a_new_objective(as_persona, client, org, north_goal):
    as_persona("employee")
    response = client.post(
        reverse("objectives:create"),
        {"parent": north_goal.pk, "title": "Sneaky", "statement": "x", "unit": org.north_team.pk, "status": "draft"},
    )
    assert response.status_code == 403
    assert not Objective.objects.filter(title="Sneaky").exists()


# --- Editing, status, re-parenting: object-level rights ---------------------------------


EDIT_ROUTES = ["edit", "status", "reparent"]


@pytest.mark.parametrize("route", EDIT_ROUTES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("executive", 200), ("manager", 200), ("other_manager", 403), ("employee", 403), ("outsider", 403)],
)
def test_sub_objective_forms_are_for_managers_of_its_unit(as_persona, client, north_goal, route, persona, status):
    as_persona(persona)
    url = reverse(f"objectives:{route}", args=[north_goal.pk])
    assert client.get(url).status_code == status
    assert client.get(url, **HTMX).status_code == status


@pytest.mark.parametrize("route", EDIT_ROUTES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("executive", 200), ("manager", 403), ("other_manager", 403), ("employee", 403), ("outsider", 403)],
)
def test_strategic_objective_forms_are_for_executives(as_persona, client, root, route, persona, status):
    as_persona(persona)
    assert client.get(reverse(f"objectives:{route}", args=[root.pk])).status_code == status


@pytest.mark.parametrize("persona", ["other_manager", "employee", "outsider"])
def test_refused_people_change_nothing_by_posting(as_persona, client, north_goal, persona):
    as_persona(persona)
    version = north_goal.version
    for route, data in (
        ("edit", {"title": "Hacked", "statement": "x", "version": version}),
        ("status", {"status": "archived", "version": version}),
        ("reparent", {"parent": "", "version": version}),
    ):
        assert client.post(reverse(f"objectives:{route}", args=[north_goal.pk]), data).status_code == 403
    north_goal.refresh_from_db()
    assert (north_goal.title, north_goal.status, north_goal.version) == (
        "North shares lessons learned",
        "active",
        version,
    )


def test_manager_edits_a_sub_objective(as_persona, client, north_goal):
    as_persona("manager")
    url = reverse("objectives:edit", args=[north_goal.pk])
    assert client.get(url).context["form"].initial["version"] == north_goal.version
    response = client.post(
        url,
        {"title": "North shares lessons", "statement": "So we stop repeating mistakes.", "version": north_goal.version},
    )
    assert response.status_code == 302
    north_goal.refresh_from_db()
    assert north_goal.title == "North shares lessons"
    assert north_goal.version == 2
    history = client.get(reverse("objectives:detail", args=[north_goal.pk])).content.decode()
    # The person's name, not their user name.
    manager = north_goal.history.latest().history_user
    assert manager.get_full_name()
    assert f"{manager.get_full_name()}: changed title, statement" in " ".join(history.split())


def test_edit_form_errors_keep_the_input(as_persona, client, north_goal):
    as_persona("manager")
    response = client.post(
        reverse("objectives:edit", args=[north_goal.pk]),
        {"title": "", "statement": "Kept statement", "version": north_goal.version},
    )
    assert response.status_code == 422
    assert "title" in response.context["form"].errors
    assert "Kept statement" in response.content.decode()


def test_second_editor_is_told_it_changed_and_keeps_what_they_typed(as_persona, client, north_goal):
    as_persona("manager")
    url = reverse("objectives:edit", args=[north_goal.pk])
    opened_version = north_goal.version
    # Someone else saves first.
    Objective.objects.filter(pk=north_goal.pk).update(title="Changed by the executive", version=opened_version + 1)

    response = client.post(
        url, {"title": "My careful title", "statement": "My careful statement", "version": opened_version}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by someone else since you opened it" in page
    assert "My careful title" in page
    assert "My careful statement" in page
    assert "Changed by the executive" in page  # the current version shown
    assert response.context["form"]["version"].value() == str(opened_version + 1)
    north_goal.refresh_from_db()
    assert north_goal.title == "Changed by the executive"

    # The conflict answer is also swapped in by htmx (responseHandling lets 409 through).
    htmx_response = client.post(url, {"title": "Again", "statement": "x", "version": opened_version}, **HTMX)
    assert htmx_response.status_code == 409
    assert "<html" not in htmx_response.content.decode()

    # Saving again from the refreshed form deliberately wins.
    again = client.post(
        url, {"title": "My careful title", "statement": "My careful statement", "version": opened_version + 1}
    )
    assert again.status_code == 302
    north_goal.refresh_from_db()
    assert north_goal.title == "My careful title"


def test_status_change_and_archive_never_delete(as_persona, client, north_goal):
    as_persona("manager")
    url = reverse("objectives:status", args=[north_goal.pk])
    assert client.get(url, {"status": "archived"}).context["form"].initial["status"] == "archived"
    response = client.post(url, {"status": "archived", "version": north_goal.version})
    assert response.status_code == 302
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ARCHIVED


def test_status_conflict_is_409(as_persona, client, north_goal):
    as_persona("manager")
    Objective.objects.filter(pk=north_goal.pk).update(version=north_goal.version + 1)
    response = client.post(
        reverse("objectives:status", args=[north_goal.pk]), {"status": "achieved", "version": north_goal.version}
    )
    assert response.status_code == 409
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACTIVE


def test_status_rejects_unknown_values(as_persona, client, north_goal):
    as_persona("manager")
    response = client.post(
        reverse("objectives:status", args=[north_goal.pk]), {"status": "deleted", "version": north_goal.version}
    )
    assert response.status_code == 422
    assert "status" in response.context["form"].errors


def test_the_move_form_offers_neither_the_objective_nor_what_hangs_below_it(as_persona, client, org, root, north_goal):
    child = ObjectiveFactory(title="Team writes it down", unit=org.north_team, parent=north_goal)
    grandchild = ObjectiveFactory(title="Each retro is a page", unit=org.north_team, parent=child)
    sibling = ObjectiveFactory(title="South sibling", unit=org.south, parent=root)
    draft = ObjectiveFactory(title="Draft idea", unit=org.north, parent=root, status=ObjectiveStatus.DRAFT)
    as_persona("manager")
    form = client.get(reverse("objectives:reparent", args=[north_goal.pk])).context["form"]
    offered = set(form.fields["parent"].queryset.values_list("pk", flat=True))
    assert offered == {root.pk, sibling.pk}
    assert {north_goal.pk, child.pk, grandchild.pk, draft.pk}.isdisjoint(offered)
    assert "neither this objective nor any below it" in str(form["parent"].help_text)


def test_reparent_under_a_descendant_posted_anyway_is_refused_next_to_the_field(
    as_persona, client, org, root, north_goal
):
    child = ObjectiveFactory(title="Team writes it down", unit=org.north_team, parent=north_goal)
    as_persona("manager")
    response = client.post(
        reverse("objectives:reparent", args=[north_goal.pk]), {"parent": child.pk, "version": north_goal.version}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["parent"]
    north_goal.refresh_from_db()
    assert north_goal.parent == root


def test_archiving_with_active_sub_objectives_is_refused_naming_them(as_persona, client, org, root, north_goal):
    ObjectiveFactory(title="Team writes it down", unit=org.north_team, parent=north_goal)
    as_persona("manager")
    url = reverse("objectives:status", args=[north_goal.pk])
    page = client.get(url)
    assert "Archiving is refused while active objectives hang below this one" in page.content.decode()
    response = client.post(url, {"status": "archived", "version": north_goal.version})
    assert response.status_code == 422
    errors = response.context["form"].errors["status"]
    assert errors == [
        "An active objective still hangs below this one: “Team writes it down”. Move it or archive it first."
    ]
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACTIVE


def test_reparent_under_itself_is_refused(as_persona, client, north_goal):
    as_persona("manager")
    response = client.post(
        reverse("objectives:reparent", args=[north_goal.pk]), {"parent": north_goal.pk, "version": north_goal.version}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["parent"]


def test_manager_cannot_make_a_strategic_root(as_persona, client, north_goal):
    as_persona("manager")
    response = client.post(
        reverse("objectives:reparent", args=[north_goal.pk]), {"parent": "", "version": north_goal.version}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["parent"]
    north_goal.refresh_from_db()
    assert north_goal.parent_id is not None


def test_manager_moves_a_sub_objective(as_persona, client, org, root, north_goal):
    other = ObjectiveFactory(title="North second goal", unit=org.north, parent=root)
    as_persona("manager")
    response = client.post(
        reverse("objectives:reparent", args=[north_goal.pk]), {"parent": other.pk, "version": north_goal.version}
    )
    assert response.status_code == 302
    north_goal.refresh_from_db()
    assert north_goal.parent == other


def test_reparent_conflict_is_409(as_persona, client, org, root, north_goal):
    other = ObjectiveFactory(unit=org.north, parent=root)
    Objective.objects.filter(pk=north_goal.pk).update(version=north_goal.version + 1)
    as_persona("manager")
    response = client.post(
        reverse("objectives:reparent", args=[north_goal.pk]), {"parent": other.pk, "version": north_goal.version}
    )
    assert response.status_code == 409
    north_goal.refresh_from_db()
    assert north_goal.parent == root


# --- Query counts do not grow with the organisation --------------------------------------


def _grow(org, root, n):
    for i in range(n):
        goal = ObjectiveFactory(unit=org.north, parent=root, title=f"Goal {i}")
        Flag.objects.create(kind=FlagKind.UNPRACTISED_OBJECTIVE, objective=goal, raised_at=timezone.now())
        MeansObjectiveFactory(means=MeansFactory(unit=org.north), objective=root)
        PracticeObjectiveFactory(practice=PracticeFactory(unit=org.north), objective=root)
        ObjectiveFactory(unit=org.company, parent=None, title=f"Root {i}")


@pytest.mark.parametrize(
    "url_of",
    [
        lambda root: reverse("objectives:tree"),
        lambda root: reverse("objectives:list"),
        lambda root: reverse("objectives:list") + "?flagged=on&q=o",
        lambda root: reverse("objectives:detail", args=[root.pk]),
        lambda root: reverse("objectives:search") + "?q=o&name=objective",
        lambda root: reverse("objectives:edit", args=[root.pk]),
        lambda root: reverse("objectives:reparent", args=[root.pk]),
    ],
)
def test_query_count_is_constant(as_persona, client, org, root, url_of):
    as_persona("executive")
    _grow(org, root, 1)
    few = count_queries(client, url_of(root))
    _grow(org, root, 15)
    many = count_queries(client, url_of(root))
    assert few == many


def test_children_partial_query_count_is_constant(as_persona, client, org, root):
    as_persona("manager")
    _grow(org, root, 1)
    few = count_queries(client, reverse("objectives:children", args=[root.pk]), **HTMX)
    _grow(org, root, 15)
    many = count_queries(client, reverse("objectives:children", args=[root.pk]), **HTMX)
    assert few == many


def test_refusal_page_explains_why(as_persona, client, north_goal):
    as_persona("employee")
    response = client.get(reverse("objectives:edit", args=[north_goal.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only a manager of this objective" in page
    assert 'id="main"' in page


def test_detail_lists_the_first_links_and_counts_the_rest(as_persona, client, org, root, monkeypatch):
    from objectives import selectors

    monkeypatch.setattr(selectors, "LINKS_SHOWN", 2)
    monkeypatch.setattr(selectors.objective_page, "__kwdefaults__", {"history_limit": 20, "links_shown": 2})
    # The longest-standing links are listed, by name; the others are counted.
    for name in ("Bravo", "Alpha", "Charlie", "Delta", "Echo"):
        PracticeObjectiveFactory(practice=PracticeFactory(name=name, unit=org.north), objective=root)
    for name in ("Wiki", "Chat", "Forum"):
        MeansObjectiveFactory(means=MeansFactory(name=name, unit=org.north), objective=root)
    as_persona("employee")
    page = client.get(reverse("objectives:detail", args=[root.pk])).content.decode()
    assert "Alpha" in page and "Bravo" in page
    assert page.index("Alpha") < page.index("Bravo")
    assert "Charlie" not in page
    assert "…and 3 more practices." in page
    assert "Wiki" in page and "Chat" in page and "Forum" not in page
    assert "…and 1 more means." in page


def test_archived_objectives_are_hidden_from_the_tree_unless_asked_for(as_persona, client, org, root):
    old_root = ObjectiveFactory(title="Old strategy", unit=org.company, status=ObjectiveStatus.ARCHIVED)
    live = ObjectiveFactory(title="Live branch", unit=org.north, parent=root, status=ObjectiveStatus.ACTIVE)
    gone = ObjectiveFactory(title="Dropped branch", unit=org.north, parent=root, status=ObjectiveStatus.ARCHIVED)
    as_persona("employee")
    page = client.get(reverse("objectives:tree")).content.decode()
    assert "Old strategy" not in page
    assert "Show the 2 archived objectives" in page
    assert "1 sub-objective<" in page  # the archived child is not counted either
    fragment = client.get(reverse("objectives:children", args=[root.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert live.title in fragment
    assert gone.title not in fragment

    page = client.get(reverse("objectives:tree"), {"archived": "1"}).content.decode()
    assert old_root.title in page
    assert "Hide archived objectives" in page
    assert f"{reverse('objectives:children', args=[root.pk])}?archived=1" in page
    fragment = client.get(
        reverse("objectives:children", args=[root.pk]), {"archived": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert gone.title in fragment


def test_the_creator_chooses_the_owner_and_it_shows_on_the_pages(as_persona, client, org, north_goal, employee):
    manager = as_persona("manager")
    response = client.post(
        reverse("objectives:create"),
        {
            "parent": north_goal.pk,
            "title": "Weekly lessons digest",
            "statement": "One page a week.",
            "unit": org.north.pk,
            "status": "active",
            "owner": employee.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Objective.objects.get(title="Weekly lessons digest")
    assert created.owner == employee
    name = employee.get_full_name()
    assert f"owned by {name}" in client.get(reverse("objectives:detail", args=[created.pk])).content.decode()
    fragment = client.get(reverse("objectives:children", args=[north_goal.pk]), **HTMX).content.decode()
    assert f"owned by {name}" in fragment

    # Left empty, the owner is the creator; the edit form changes it.
    client.post(
        reverse("objectives:create"),
        {"parent": north_goal.pk, "title": "Mine", "statement": "s", "unit": org.north.pk, "status": "draft"},
    )
    mine = Objective.objects.get(title="Mine")
    assert mine.owner == manager
    edit = reverse("objectives:edit", args=[mine.pk])
    form = client.get(edit).content.decode()
    assert 'name="owner"' in form
    response = client.post(edit, {"title": "Mine", "statement": "s", "owner": employee.pk, "version": mine.version})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.owner == employee


def test_an_owner_outside_the_organisation_is_refused(as_persona, client, org, north_goal, outsider):
    as_persona("manager")
    response = client.post(
        reverse("objectives:create"),
        {
            "parent": north_goal.pk,
            "title": "X",
            "statement": "s",
            "unit": org.north.pk,
            "status": "draft",
            "owner": outsider.pk,
        },
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()

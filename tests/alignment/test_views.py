"""Dashboard, flags inbox (resolve in place), notifications and the strategy map."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import engine, figures, selectors
from alignment.models import Flag, FlagKind, Notification
from objectives.models import ObjectiveStatus
from practices.models import MeansStatus, PracticeObjective, PracticeStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["executive", "manager", "other_manager", "employee", "outsider"]
HTMX = {"HTTP_HX_REQUEST": "true"}


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


@pytest.fixture
def root(org):
    return ObjectiveFactory(title="Reuse best practices", unit=org.company, parent=None)


@pytest.fixture
def north_goal(org, root):
    return ObjectiveFactory(title="North shares lessons learned", unit=org.north, parent=root)


@pytest.fixture
def orphan(org):
    """A north practice with no objective, flagged by the engine."""
    practice = PracticeFactory(name="Friday demos", unit=org.north)
    flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, raised_at=timezone.now())
    return flag


@pytest.fixture
def purposeless(org):
    means = MeansFactory(name="Shadow chat", unit=org.north)
    return Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=means, raised_at=timezone.now())


@pytest.fixture
def south_orphan(org):
    practice = PracticeFactory(name="South stand-up", unit=org.south)
    return Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, raised_at=timezone.now())


def count_queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


# --- Every route refuses anonymous people -------------------------------------------------

GET_ROUTES = [("dashboard", []), ("flags_inbox", []), ("strategy_map", []), ("notifications", [])]


@pytest.mark.parametrize(("name", "args"), GET_ROUTES)
@pytest.mark.parametrize("htmx", [False, True])
def test_anonymous_is_sent_to_sign_in(client, db, name, args, htmx):
    response = client.get(reverse(name, args=args), **(HTMX if htmx else {}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["flag_acknowledge", "flag_link", "flag_retire", "flag_detail"])
def test_anonymous_cannot_touch_a_flag(client, orphan, name):
    method = client.get if name == "flag_detail" else client.post
    response = method(reverse(name, args=[orphan.pk]), {"reason": "x"})
    assert response.status_code == 302
    orphan.refresh_from_db()
    assert orphan.acknowledged_at is None


@pytest.mark.parametrize(("name", "args"), GET_ROUTES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_signed_in_reads_the_pages(as_persona, client, orphan, name, args, persona):
    as_persona(persona)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]


# --- The layout ----------------------------------------------------------------------------


def test_layout_has_landmarks_skip_link_nav_language_and_sign_out(as_persona, client, db):
    as_persona("employee")
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    assert 'href="#main"' in page
    assert 'id="main"' in page
    assert '<nav class="main-nav"' in page
    for name in (
        "dashboard",
        "objectives:tree",
        "practices:means_list",
        "practices:practice_list",
        "practices:proposals",
        "flags_inbox",
        "strategy_map",
    ):
        assert f'href="{reverse(name)}"' in page
    assert f'action="{reverse("set_language")}"' in page
    assert 'value="fr"' in page
    assert f'action="{reverse("logout")}"' in page
    assert 'role="status"' in page
    assert "<style" not in page
    assert " style=" not in page
    assert "<script>" not in page  # only external scripts
    config = page.split('name="htmx-config" content=\'')[1].split("'")[0]
    assert json.loads(config)["allowEval"] is False
    assert json.loads(config)["includeIndicatorStyles"] is False
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "object-src 'none'" in csp


def test_dashboard_link_is_marked_current(as_persona, client, db):
    as_persona("employee")
    page = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("dashboard")}" aria-current="page"' in page


def test_french_interface(as_persona, client, db):
    as_persona("employee")
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("dashboard")})
    assert response.status_code == 302
    page = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="fr">' in page
    assert "Tableau de bord" in page


# --- Dashboard --------------------------------------------------------------------------


def test_dashboard_empty_states(as_persona, client, db):
    as_persona("employee")
    page = client.get(reverse("dashboard")).content.decode()
    assert "executives can create the first one" in page
    assert "No active practice or means yet" in page
    as_persona("executive")
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("objectives:create") in page


def test_alignment_score_counts_only_complete_chains_to_an_active_root(org, root, north_goal):
    rooted = PracticeFactory(unit=org.north)
    PracticeObjectiveFactory(practice=rooted, objective=north_goal)
    draft = ObjectiveFactory(unit=org.north, parent=root, status=ObjectiveStatus.DRAFT)
    below_draft = ObjectiveFactory(unit=org.north, parent=draft)
    broken = PracticeFactory(unit=org.north)
    PracticeObjectiveFactory(practice=broken, objective=below_draft)
    PracticeFactory(unit=org.north)  # orphan
    PracticeFactory(unit=org.north, status=PracticeStatus.RETIRED)  # not counted
    tool = MeansFactory(unit=org.north)
    MeansObjectiveFactory(means=tool, objective=root)
    MeansFactory(unit=org.north)  # purposeless
    MeansFactory(unit=org.north, status=MeansStatus.RETIRED)  # not counted
    below_draft_tool = MeansFactory(unit=org.north)  # serves an active objective, but under a draft
    MeansObjectiveFactory(means=below_draft_tool, objective=below_draft)

    engine.run()  # the sweep keeps the figures the dashboard reads
    score = selectors.alignment_score()
    assert (score.practices_rooted, score.practices_total) == (1, 3)
    assert (score.means_rooted, score.means_total) == (1, 3)
    assert score.percent == 33
    # One definition: whatever the score does not count as aligned carries a flag that says why.
    assert set(Flag.objects.unresolved().filter(means=below_draft_tool).values_list("kind", flat=True)) == {
        FlagKind.UNROOTED_MEANS
    }


def test_dashboard_shows_score_flags_coverage_trend_and_notifications(
    as_persona, client, org, root, north_goal, orphan, manager
):
    tool = MeansFactory(name="The wiki", unit=org.north)
    MeansObjectiveFactory(means=tool, objective=north_goal)
    lived = PracticeFactory(unit=org.north)
    PracticeObjectiveFactory(practice=lived, objective=north_goal)
    Flag.objects.create(
        kind=FlagKind.UNPRACTISED_OBJECTIVE,
        objective=root,
        raised_at=timezone.now() - timedelta(days=3),
        resolved_at=timezone.now() - timedelta(days=1),
    )
    Notification.objects.create(recipient=manager, flag=orphan)
    figures.refresh_all()  # flags made by hand, not by the engine: count them as the sweep would
    as_persona("manager")
    response = client.get(reverse("dashboard"))
    data = response.context["data"]
    assert data.open_total == 1
    assert {row["kind"]: row["count"] for row in data.by_kind}[FlagKind.ORPHAN_PRACTICE] == 1
    assert data.by_unit.rows == [{"unit_pk": org.north.pk, "unit_name": "North division", "count": 1}]
    assert data.by_unit.more == 0
    coverage = {row.objective.pk: (row.means, row.practices) for row in data.coverage}
    assert coverage[root.pk] == (1, 1)
    assert len(data.trend) == 30
    assert data.trend[-1].raised == 1  # the orphan, today
    assert sum(day.raised for day in data.trend) == 2
    assert sum(day.resolved for day in data.trend) == 1
    assert response.context["unread_count"] == 1
    page = response.content.decode()
    assert "Friday demos" in page
    assert "Reuse best practices" in page


def test_coverage_counts_each_means_once_across_the_subtree(org, root, north_goal):
    tool = MeansFactory(unit=org.north)
    MeansObjectiveFactory(means=tool, objective=root)
    MeansObjectiveFactory(means=tool, objective=north_goal)
    other_root = ObjectiveFactory(unit=org.company, parent=None)
    ObjectiveFactory(unit=org.company, parent=None, status=ObjectiveStatus.ARCHIVED)
    figures.refresh_all()
    coverage = {row.objective.pk: (row.means, row.practices) for row in selectors.coverage_per_strategic_objective()}
    assert coverage == {root.pk: (1, 0), other_root.pk: (0, 0)}


def _grow(org, n):
    for _ in range(n):
        goal_root = ObjectiveFactory(unit=org.company, parent=None)
        goal = ObjectiveFactory(unit=org.north, parent=goal_root)
        practice = PracticeFactory(unit=org.north)
        means = MeansFactory(unit=org.south)
        PracticeObjectiveFactory(practice=practice, objective=goal)
        MeansObjectiveFactory(means=means, objective=goal)
        PracticeMeansFactory(practice=practice, means=means)
        flags = [
            Flag.objects.create(
                kind=FlagKind.ORPHAN_PRACTICE, practice=PracticeFactory(unit=org.north), raised_at=timezone.now()
            ),
            Flag.objects.create(
                kind=FlagKind.PURPOSELESS_MEANS,
                means=MeansFactory(unit=org.south),
                raised_at=timezone.now() - timedelta(days=2),
            ),
            Flag.objects.create(
                kind=FlagKind.UNPRACTISED_OBJECTIVE,
                objective=goal_root,
                raised_at=timezone.now() - timedelta(days=5),
                resolved_at=timezone.now(),
            ),
        ]
        for flag in flags:
            Notification.objects.create(recipient=UserFactory(), flag=flag)
    figures.refresh_all()


@pytest.mark.parametrize(
    ("persona", "url", "extra"),
    [
        ("manager", "/", {}),
        ("executive", "/flags/", {}),
        ("manager", "/flags/?scope=all", {}),
        ("executive", "/flags/?state=resolved", HTMX),
        ("employee", "/map/", {}),
        ("manager", "/notifications/", {}),
    ],
)
def test_query_count_is_constant(as_persona, client, org, persona, url, extra):
    user = as_persona(persona)
    _grow(org, 1)
    for flag in Flag.objects.all():
        Notification.objects.get_or_create(recipient=user, flag=flag)
    few = count_queries(client, url, **extra)
    _grow(org, 12)
    for flag in Flag.objects.all():
        Notification.objects.get_or_create(recipient=user, flag=flag)
    many = count_queries(client, url, **extra)
    assert few == many


def test_flag_page_query_count_is_constant(as_persona, client, org, orphan):
    as_persona("manager")
    _grow(org, 1)
    few = count_queries(client, reverse("flag_detail", args=[orphan.pk]) + "?q=o")
    _grow(org, 12)
    many = count_queries(client, reverse("flag_detail", args=[orphan.pk]) + "?q=o")
    assert few == many


# --- Flags inbox ----------------------------------------------------------------------


def test_manager_sees_their_subtree_by_default_and_can_widen(as_persona, client, orphan, south_orphan):
    as_persona("manager")
    page = client.get(reverse("flags_inbox")).content.decode()
    assert "Friday demos" in page
    assert "South stand-up" not in page
    page = client.get(reverse("flags_inbox"), {"scope": "all"}).content.decode()
    assert "Friday demos" in page
    assert "South stand-up" in page


def test_employee_and_executive_see_every_flag(as_persona, client, orphan, south_orphan):
    for persona in ("employee", "executive"):
        as_persona(persona)
        page = client.get(reverse("flags_inbox")).content.decode()
        assert "Friday demos" in page
        assert "South stand-up" in page


def test_resolve_controls_only_for_managers_of_the_unit(as_persona, client, orphan, south_orphan):
    detail = reverse("flag_detail", args=[orphan.pk])
    as_persona("manager")
    page = client.get(reverse("flags_inbox"), {"scope": "all"}).content.decode()
    assert f'hx-get="{detail}"' in page
    assert f'hx-get="{reverse("flag_detail", args=[south_orphan.pk])}"' not in page
    as_persona("employee")
    page = client.get(reverse("flags_inbox")).content.decode()
    assert f'hx-get="{detail}"' not in page


def test_inbox_filters_by_kind_unit_owner_and_state(
    as_persona, client, org, orphan, purposeless, south_orphan, manager
):
    orphan.practice.owner = manager
    orphan.practice.save()
    as_persona("executive")
    url = reverse("flags_inbox")

    def names(**params):
        response = client.get(url, params)
        return {item["flag"].pk for item in response.context["items"]}

    assert names(kind=FlagKind.PURPOSELESS_MEANS) == {purposeless.pk}
    assert names(unit=org.south.pk) == {south_orphan.pk}
    assert names(unit=org.company.pk) == {orphan.pk, purposeless.pk, south_orphan.pk}
    assert names(owner=manager.pk) == {orphan.pk}
    assert names(state="resolved") == set()
    Flag.objects.filter(pk=purposeless.pk).update(resolved_at=timezone.now())
    assert names(state="resolved") == {purposeless.pk}


def test_inbox_fragment_for_htmx_refreshes_on_the_event(as_persona, client, orphan):
    as_persona("manager")
    response = client.get(reverse("flags_inbox"), {"kind": FlagKind.ORPHAN_PRACTICE}, **HTMX)
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'id="flag-list"' in fragment
    assert 'hx-trigger="flags-changed from:body"' in fragment
    assert f"kind={FlagKind.ORPHAN_PRACTICE}" in fragment  # the refresh keeps the filters
    assert 'hx-swap-oob="true"' in fragment  # messages ride along
    full = client.get(reverse("flags_inbox")).content.decode()
    assert "hx-swap-oob" not in full


def test_inbox_empty_state_and_pagination(as_persona, client, org):
    as_persona("manager")
    assert "No open flag in the units you manage" in client.get(reverse("flags_inbox")).content.decode()
    for _ in range(25):
        Flag.objects.create(
            kind=FlagKind.ORPHAN_PRACTICE, practice=PracticeFactory(unit=org.north), raised_at=timezone.now()
        )
    assert "Page 1 of 2" in client.get(reverse("flags_inbox")).content.decode()


def test_flag_page_and_in_place_panel(as_persona, client, orphan):
    as_persona("manager")
    url = reverse("flag_detail", args=[orphan.pk])
    assert "<html" in client.get(url).content.decode()
    fragment = client.get(url, **HTMX).content.decode()
    assert "<html" not in fragment
    assert f'id="resolve-panel-{orphan.pk}"' in fragment
    assert reverse("flag_acknowledge", args=[orphan.pk]) in fragment
    assert reverse("flag_link", args=[orphan.pk]) in fragment
    assert reverse("flag_retire", args=[orphan.pk]) in fragment


def test_flag_page_without_javascript_searches_objectives(as_persona, client, orphan, north_goal):
    as_persona("manager")
    page = client.get(reverse("flag_detail", args=[orphan.pk]), {"q": "lessons"}).content.decode()
    assert f'name="objective" value="{north_goal.pk}"' in page


@pytest.mark.parametrize("persona", ["other_manager", "employee", "outsider"])
@pytest.mark.parametrize("htmx", [False, True])
def test_others_cannot_act_on_a_flag(as_persona, client, orphan, north_goal, persona, htmx):
    as_persona(persona)
    extra = HTMX if htmx else {}
    assert client.post(reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "Fine"}, **extra).status_code == 403
    assert (
        client.post(
            reverse("flag_link", args=[orphan.pk]), {"objective": north_goal.pk, "rationale": "x"}, **extra
        ).status_code
        == 403
    )
    assert client.post(reverse("flag_retire", args=[orphan.pk]), **extra).status_code == 403
    orphan.refresh_from_db()
    orphan.practice.refresh_from_db()
    assert orphan.acknowledged_at is None
    assert orphan.practice.status == PracticeStatus.ACTIVE
    assert not PracticeObjective.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "executive"])
def test_manager_acknowledges_with_a_reason(as_persona, client, orphan, persona):
    user = as_persona(persona)
    response = client.post(
        reverse("flag_acknowledge", args=[orphan.pk]),
        {"reason": "Pilot until June", "next": "/flags/?kind=orphan_practice"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/flags/?kind=orphan_practice"
    orphan.refresh_from_db()
    assert orphan.acknowledged_by == user
    assert orphan.acknowledgement_reason == "Pilot until June"
    assert orphan.resolved_at is None
    assert not orphan.is_open


def test_acknowledge_never_redirects_off_site(as_persona, client, orphan):
    as_persona("manager")
    response = client.post(
        reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "ok", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("flags_inbox")


def test_acknowledge_needs_a_reason(as_persona, client, orphan):
    as_persona("manager")
    response = client.post(reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "  "}, **HTMX)
    assert response.status_code == 422
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert f'id="resolve-panel-{orphan.pk}"' in fragment
    assert 'aria-invalid="true"' in fragment
    assert "This field is required" in fragment
    orphan.refresh_from_db()
    assert orphan.acknowledged_at is None


def test_acknowledge_in_place_answers_204_and_triggers_the_refresh(as_persona, client, orphan):
    as_persona("manager")
    response = client.post(reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "Known"}, **HTMX)
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"flags-changed": {}}
    # The refreshed list shows the acknowledgement message.
    fragment = client.get(reverse("flags_inbox"), {"state": "acknowledged"}, **HTMX).content.decode()
    assert "Flag accepted as an exception." in fragment
    assert "Known" in fragment


def test_acknowledging_twice_is_refused_politely(as_persona, client, orphan):
    as_persona("manager")
    client.post(reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "Once"})
    response = client.post(reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "Twice"})
    assert response.status_code == 422
    orphan.refresh_from_db()
    assert orphan.acknowledgement_reason == "Once"


def test_resolved_flags_cannot_be_acted_on(as_persona, client, orphan):
    Flag.objects.filter(pk=orphan.pk).update(resolved_at=timezone.now())
    as_persona("manager")
    assert client.post(reverse("flag_acknowledge", args=[orphan.pk]), {"reason": "x"}).status_code == 404


def test_manager_links_the_orphan_practice_to_an_objective(as_persona, client, orphan, north_goal):
    user = as_persona("manager")
    response = client.post(
        reverse("flag_link", args=[orphan.pk]),
        {"objective": north_goal.pk, "rationale": "Demos spread lessons"},
        **HTMX,
    )
    assert response.status_code == 204
    assert "flags-changed" in response["HX-Trigger"]
    link = PracticeObjective.objects.get(practice=orphan.practice, objective=north_goal)
    assert (link.rationale, link.created_by) == ("Demos spread lessons", user)


def test_manager_links_the_purposeless_means(as_persona, client, purposeless, north_goal):
    as_persona("manager")
    response = client.post(
        reverse("flag_link", args=[purposeless.pk]), {"objective": north_goal.pk, "rationale": "Quick questions"}
    )
    assert response.status_code == 302
    assert purposeless.means.objective_links.filter(objective=north_goal).exists()


def test_link_errors_are_shown_next_to_the_fields(as_persona, client, orphan, root):
    archived = ObjectiveFactory(unit=orphan.practice.unit, parent=root, status=ObjectiveStatus.ARCHIVED)
    as_persona("manager")
    response = client.post(reverse("flag_link", args=[orphan.pk]), {"objective": "", "rationale": ""})
    assert response.status_code == 422
    errors = response.context["link_form"].errors
    assert "objective" in errors
    assert "rationale" in errors
    response = client.post(
        reverse("flag_link", args=[orphan.pk]), {"objective": archived.pk, "rationale": "Kept rationale"}
    )
    assert response.status_code == 422
    assert "Kept rationale" in response.content.decode()
    assert not PracticeObjective.objects.exists()


def test_link_error_keeps_the_chosen_objective(as_persona, client, orphan, north_goal):
    as_persona("manager")
    response = client.post(
        reverse("flag_link", args=[orphan.pk]), {"objective": north_goal.pk, "rationale": " "}, **HTMX
    )
    assert response.status_code == 422
    fragment = response.content.decode()
    assert f'name="objective" value="{north_goal.pk}" checked' in fragment
    assert "This field is required" in fragment


def test_objective_flags_cannot_be_linked_or_retired(as_persona, client, north_goal):
    flag = Flag.objects.create(kind=FlagKind.UNRESOURCED_OBJECTIVE, objective=north_goal, raised_at=timezone.now())
    as_persona("manager")
    assert (
        client.post(reverse("flag_link", args=[flag.pk]), {"objective": north_goal.pk, "rationale": "x"}).status_code
        == 404
    )
    assert client.post(reverse("flag_retire", args=[flag.pk])).status_code == 404
    north_goal.refresh_from_db()
    assert north_goal.status == ObjectiveStatus.ACTIVE
    page = client.get(reverse("flag_detail", args=[flag.pk])).content.decode()
    assert reverse("flag_acknowledge", args=[flag.pk]) in page
    assert reverse("flag_retire", args=[flag.pk]) not in page


def test_manager_retires_the_flagged_practice_or_means(as_persona, client, orphan, purposeless):
    as_persona("manager")
    assert client.post(reverse("flag_retire", args=[orphan.pk]), **HTMX).status_code == 204
    assert client.post(reverse("flag_retire", args=[purposeless.pk])).status_code == 302
    orphan.practice.refresh_from_db()
    purposeless.means.refresh_from_db()
    assert orphan.practice.status == PracticeStatus.RETIRED
    assert purposeless.means.status == MeansStatus.RETIRED


def test_flag_texts_are_escaped(as_persona, client, org):
    payload = '<img src=x onerror=alert(1)><b hx-get="/admin/" hx-trigger="load">x</b>'
    practice = PracticeFactory(name=payload, unit=org.north)
    flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=practice, raised_at=timezone.now())
    Flag.objects.filter(pk=flag.pk).update(acknowledged_at=timezone.now(), acknowledgement_reason=payload)
    as_persona("manager")
    for url in (
        reverse("flags_inbox") + "?state=acknowledged",
        reverse("flag_detail", args=[flag.pk]),
        reverse("dashboard"),
        reverse("strategy_map"),
    ):
        page = client.get(url).content.decode()
        assert "<img src=x" not in page, url
        assert 'hx-trigger="load"' not in page, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, f"{url} does not show the flagged practice"


# --- Notifications -------------------------------------------------------------------------


def test_notifications_list_and_mark_read(as_persona, client, orphan, manager, employee):
    mine = Notification.objects.create(recipient=manager, flag=orphan)
    theirs = Notification.objects.create(recipient=employee, flag=orphan)
    as_persona("manager")
    page = client.get(reverse("notifications")).content.decode()
    assert "Friday demos" in page
    assert reverse("notification_read", args=[theirs.pk]) not in page

    # Someone else's notification is invisible.
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(reverse("notification_read", args=[mine.pk]), **HTMX)
    assert response.status_code == 200
    assert f'id="notification-{mine.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_all_read_touches_only_mine(as_persona, client, orphan, purposeless, manager, employee):
    Notification.objects.create(recipient=manager, flag=orphan)
    Notification.objects.create(recipient=manager, flag=purposeless)
    theirs = Notification.objects.create(recipient=employee, flag=orphan)
    as_persona("manager")
    response = client.post(reverse("notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_empty_state(as_persona, client, db):
    as_persona("outsider")
    assert "No notification yet" in client.get(reverse("notifications")).content.decode()


@pytest.mark.parametrize("name", ["notification_read", "notifications_read_all"])
def test_notification_writes_need_sign_in_and_post(client, orphan, manager, name):
    notification = Notification.objects.create(recipient=manager, flag=orphan)
    args = [notification.pk] if name == "notification_read" else []
    assert client.post(reverse(name, args=args)).status_code == 302  # to sign in
    client.force_login(manager)
    assert client.get(reverse(name, args=args)).status_code == 405


# --- Strategy map -----------------------------------------------------------------------


def test_strategy_map_shows_three_layers_and_orphans_stand_out(as_persona, client, org, north_goal):
    tool = MeansFactory(name="The wiki", unit=org.north)
    MeansObjectiveFactory(means=tool, objective=north_goal)
    lived = PracticeFactory(name="Lessons learned", unit=org.north)
    PracticeObjectiveFactory(practice=lived, objective=north_goal)
    PracticeMeansFactory(practice=lived, means=tool)
    lonely = PracticeFactory(name="Lonely practice", unit=org.south)
    Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=lonely, raised_at=timezone.now())
    as_persona("executive")
    response = client.get(reverse("strategy_map"))
    page = response.content.decode()
    assert "The wiki" in page
    assert "Lessons learned" in page
    assert "Lonely practice" in page  # flagged records stand out even outside the strategy drawn
    assert "map__node--orphan" in page
    assert "map-node--flagged" in page
    assert "<svg" in page
    drawing = response.context["drawing"]
    assert len(drawing.edges) == 1 + 1 + 2  # objective→parent, means→objective, practice→means and →objective
    orphans = {p.name for p in response.context["map"].practices if p.orphan}
    assert orphans == {"Lonely practice"}

    fragment = client.get(reverse("strategy_map"), {"unit": org.south.pk}, **HTMX).content.decode()
    assert "<html" not in fragment
    assert "Lonely practice" in fragment
    assert "Lessons learned" not in fragment


def test_strategy_map_empty_state(as_persona, client, db):
    as_persona("employee")
    assert "executives can create the first one" in client.get(reverse("strategy_map")).content.decode()


def test_flag_picker_lists_candidates_before_typing_like_the_means_page(as_persona, client, orphan, north_goal):
    as_persona("manager")
    page = client.get(reverse("flag_detail", args=[orphan.pk])).content.decode()
    assert f'name="objective" value="{north_goal.pk}"' in page
    assert "Type above to find the objective it serves." not in page


def test_objective_page_links_its_flags_and_filters_the_inbox(as_persona, client, org, north_goal):
    flag = Flag.objects.create(kind=FlagKind.UNRESOURCED_OBJECTIVE, objective=north_goal, raised_at=timezone.now())
    as_persona("employee")
    page = client.get(reverse("objectives:detail", args=[north_goal.pk])).content.decode()
    assert f'href="{reverse("flag_detail", args=[flag.pk])}"' in page
    assert f'href="{reverse("flags_inbox")}?unit={org.north.pk}&amp;scope=all"' in page
    assert f'href="{reverse("strategy_map")}?objective={north_goal.pk}"' in page


def test_a_draft_objective_says_to_activate_it_first(as_persona, client, org, north_goal):
    draft = ObjectiveFactory(title="Someday", unit=org.north, parent=north_goal, status=ObjectiveStatus.DRAFT)
    as_persona("manager")
    page = client.get(reverse("objectives:detail", args=[draft.pk])).content.decode()
    assert "activate it before adding sub-objectives" in page
    assert f"{reverse('objectives:status', args=[draft.pk])}?status=active" in page
    as_persona("employee")  # cannot change it: no call to action
    assert "activate it before" not in client.get(reverse("objectives:detail", args=[draft.pk])).content.decode()


def test_times_under_a_minute_never_read_zero_minutes(as_persona, client, orphan, manager):
    Notification.objects.create(recipient=manager, flag=orphan)
    as_persona("manager")
    for url in (reverse("dashboard"), reverse("notifications"), reverse("flag_detail", args=[orphan.pk])):
        page = client.get(url).content.decode()
        assert "0 minutes" not in page, url
        assert "less than a minute ago" in page, url


def test_english_percent_has_no_space_and_french_a_narrow_one(as_persona, client, org, north_goal):
    practice = PracticeFactory(unit=org.north)
    PracticeObjectiveFactory(practice=practice, objective=north_goal)
    engine.run()  # the dashboard reads the figures the engine keeps
    as_persona("employee")
    assert "100%</p>" in client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "100\u202f%</p>" in page


# --- Bulk actions in the inbox ---------------------------------------------------------


def test_bulk_acknowledge_with_one_reason(as_persona, client, orphan, purposeless):
    as_persona("manager")
    page = client.get(reverse("flags_inbox")).content.decode()
    assert 'form="bulk-flags"' in page
    response = client.post(
        reverse("flags_bulk"),
        {"action": "acknowledge", "flags": [orphan.pk, purposeless.pk], "reason": "Pilot, reviewed in June"},
        **HTMX,
    )
    assert response.status_code == 204
    assert "flags-changed" in response["HX-Trigger"]
    for flag in (orphan, purposeless):
        flag.refresh_from_db()
        assert flag.acknowledgement_reason == "Pilot, reviewed in June"


def test_bulk_assign_gives_the_records_an_owner(as_persona, client, orphan, purposeless, employee):
    as_persona("manager")
    response = client.post(
        reverse("flags_bulk"), {"action": "assign", "flags": [orphan.pk, purposeless.pk], "owner": employee.pk}
    )
    assert response.status_code == 302
    orphan.practice.refresh_from_db()
    purposeless.means.refresh_from_db()
    assert orphan.practice.owner == employee
    assert purposeless.means.owner == employee
    assert orphan.practice.history.latest().history_user.username == "manager"


def test_bulk_actions_are_all_or_nothing_and_check_rights(as_persona, client, orphan, south_orphan):
    as_persona("manager")  # manages the north only
    response = client.post(
        reverse("flags_bulk"), {"action": "acknowledge", "flags": [orphan.pk, south_orphan.pk], "reason": "x"}
    )
    assert response.status_code == 403
    orphan.refresh_from_db()
    assert orphan.acknowledged_at is None
    # Missing reason: nothing happens, the message says why.
    response = client.post(reverse("flags_bulk"), {"action": "acknowledge", "flags": [orphan.pk]}, follow=True)
    assert "Say why these are accepted exceptions." in response.content.decode()
    orphan.refresh_from_db()
    assert orphan.acknowledged_at is None


def test_employees_get_no_bulk_form(as_persona, client, orphan):
    as_persona("employee")
    assert 'id="bulk-flags"' not in client.get(reverse("flags_inbox"), {"scope": "all"}).content.decode()


# --- First run ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected", "absent"),
    [
        ("executive", "Create the first strategic objective", "Propose a practice"),
        ("manager", "List the tools and organisational means", "Create the first strategic objective"),
        ("employee", "Propose a practice your team already lives", "List the tools"),
        ("outsider", "ask an administrator to add you", "Propose a practice"),
    ],
)
def test_an_empty_organisation_tells_each_persona_what_to_do_first(as_persona, client, org, persona, expected, absent):
    as_persona(persona)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Getting started" in page
    assert expected in page
    assert absent not in page


def test_getting_started_goes_away_once_the_organisation_is_set_up(as_persona, client, org, north_goal):
    tool = MeansFactory(unit=org.north)
    MeansObjectiveFactory(means=tool, objective=north_goal)
    PracticeFactory(unit=org.north)
    as_persona("executive")
    assert "Getting started" not in client.get(reverse("dashboard")).content.decode()


# --- Linking from the objective's side ---------------------------------------------------


def test_a_manager_links_a_means_from_the_objective_page(as_persona, client, org, north_goal):
    wiki = MeansFactory(name="Team wiki", unit=org.north)
    MeansFactory(name="South wiki", unit=org.south)  # not theirs: not offered
    as_persona("manager")
    detail = client.get(reverse("objectives:detail", args=[north_goal.pk])).content.decode()
    url = reverse("objective_link_record", args=[north_goal.pk])
    assert f'href="{url}"' in detail
    page = client.get(url, {"q": "wiki"}).content.decode()
    assert f'value="means:{wiki.pk}"' in page
    assert "South wiki" not in page
    fragment = client.get(url, {"q": "wiki"}, **HTMX).content.decode()
    assert "<html" not in fragment and "Team wiki" in fragment
    response = client.post(url, {"record": f"means:{wiki.pk}", "rationale": "Lessons are written there"})
    assert response.status_code == 302
    assert wiki.objective_links.get(objective=north_goal).rationale == "Lessons are written there"
    # Twice: a clear message, no 500.
    again = client.post(url, {"record": f"means:{wiki.pk}", "rationale": "again", "q": "wiki"})
    assert again.status_code == 422
    assert "already serves" in again.content.decode()


def test_linking_from_the_objective_side_checks_rights_and_input(as_persona, client, org, north_goal):
    south = PracticeFactory(name="South practice", unit=org.south)
    url = reverse("objective_link_record", args=[north_goal.pk])
    as_persona("employee")
    assert client.get(url).status_code == 403
    as_persona("manager")
    assert client.post(url, {"record": f"practice:{south.pk}", "rationale": "x"}).status_code == 403
    assert client.post(url, {"record": "drop table", "rationale": "x"}).status_code == 422
    assert client.post(url, {"record": "practice:999999", "rationale": "x"}).status_code == 422
    assert client.get(url, {"q": "a\x00b"}).status_code == 200

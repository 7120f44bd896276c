"""The page cache: regions kept for every reader, and never one that a write made stale.

These tests commit for real (``transaction=True``): inside a transaction the cache is
neither read nor written, so the rest of the suite never meets it.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from alignment import engine
from objectives import services as objective_services
from objectives.models import ObjectiveStatus
from org import roles
from org.models import Membership, Role
from practices import services
from raison import pagecache
from tests.alignment.conftest import open_flags
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.ALIGNMENT_GRACE_DAYS = 0
    _forget_generations()
    yield
    _forget_generations()


def _forget_generations():
    # Never cache.clear(): on Redis it flushes the whole database, with the sessions of the
    # tests running next door (and, on a shared Redis, queued tasks).
    cache.delete_many(list(pagecache._GENERATION_KEYS.values()))
    pagecache._nearby.entries.clear()


@pytest.fixture
def goal(org, executive):
    return objective_services.objective_create(
        by=executive,
        title="Capitalise knowledge",
        statement="So we stop relearning.",
        unit=org.company,
        status=ObjectiveStatus.ACTIVE,
    )


def _queries(client, url) -> tuple[int, str]:
    """Queries a page ran, and its HTML without the per-request CSRF token."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())
    return len(captured.captured_queries), re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- what counts as a write -------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        'INSERT INTO "practices_practice" ("name") VALUES (%s)',
        'UPDATE "alignment_flag" SET "resolved_at" = %s',
        "  delete from practices_practiceobjective where id = 1",
        "WITH gone AS (SELECT id FROM alignment_flag) UPDATE alignment_flag SET resolved_at = now()",
        "TRUNCATE org_unit CASCADE",
    ],
)
def test_writes_to_the_organisation_s_tables_are_seen(sql):
    assert pagecache.RECORDS in pagecache.generations_written(sql)


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT * FROM "practices_practice"',
        "WITH RECURSIVE up(id) AS (SELECT id FROM objectives_objective) SELECT * FROM up",
        'INSERT INTO "django_session" ("session_key") VALUES (%s)',
        'UPDATE "auth_user" SET "last_login" = %s',
    ],
)
def test_reads_and_other_tables_are_not(sql):
    assert pagecache.RECORDS not in pagecache.generations_written(sql)


def test_notifications_have_a_generation_of_their_own():
    assert pagecache.generations_written('UPDATE "alignment_notification" SET "read_at" = %s') == [
        pagecache.NOTIFICATIONS
    ]


def test_reading_a_notification_keeps_the_dashboard_s_figures_but_not_the_unread_list(
    client, org, employee, manager, goal
):
    from alignment.models import Notification

    services.practice_create(by=manager, name="Friday demos", unit=org.north)
    client.force_login(manager)
    url = reverse("dashboard")
    client.get(url)
    records = pagecache.generation()
    unread = Notification.objects.filter(recipient=manager, read_at__isnull=True)
    assert unread.exists()
    _count, page = _queries(client, url)
    assert "No unread notification." not in page
    unread.update(read_at=timezone.now())
    assert pagecache.generation() == records
    _count, page = _queries(client, url)
    assert "No unread notification." in page


@given(st.text(max_size=200))
def test_no_statement_text_breaks_the_watch(sql):
    assert set(pagecache.generations_written(sql)) <= {pagecache.RECORDS, pagecache.NOTIFICATIONS}


# --- the generation ---------------------------------------------------------------------


def test_a_committed_write_moves_the_generation_on_and_a_read_does_not(org):
    before = pagecache.generation()
    list(Membership.objects.all())
    assert pagecache.generation() == before
    MembershipFactory(unit=org.north, role=Role.EMPLOYEE)
    assert pagecache.generation() != before


def test_a_write_changing_no_row_keeps_the_generation(org):
    before = pagecache.generation()
    Membership.objects.filter(pk=-1).update(role=Role.MANAGER)
    assert pagecache.generation() == before


def test_nothing_is_kept_or_served_inside_a_transaction(org):
    with transaction.atomic():
        assert pagecache.generation() is None
        assert pagecache.kept(None, "t", [], lambda: "inside") == "inside"
    assert pagecache.kept(None, "t", [], lambda: "outside") == "outside"
    assert pagecache.kept(None, "t", [], lambda: "again") == "outside"


def test_a_rolled_back_transaction_leaves_no_region_behind(org):
    assert pagecache.kept(None, "units", [], lambda: "three units") == "three units"

    def write_then_fail():
        with transaction.atomic():
            MembershipFactory(unit=org.north, role=Role.EMPLOYEE)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    # The write inside moved the generation on: the region is rendered again.
    assert pagecache.kept(None, "units", [], lambda: "rendered again") == "rendered again"


def test_the_generation_moves_on_again_when_the_transaction_commits(org):
    """A reader between the write and the commit may keep a region of the old data: the
    commit must leave it behind."""
    with transaction.atomic():
        MembershipFactory(unit=org.north, role=Role.EMPLOYEE)
        during = cache.get(pagecache.GENERATION_KEY)
    assert pagecache.generation() != during


def test_an_evicted_generation_starts_afresh(org):
    pagecache.kept(None, "region", [], lambda: "old")
    cache.delete(pagecache.GENERATION_KEY)
    assert pagecache.kept(None, "region", [], lambda: "new") == "new"


def test_with_the_cache_off_nothing_is_kept(org, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert pagecache.kept(None, "region", [], lambda: "one") == "one"
    assert pagecache.kept(None, "region", [], lambda: "two") == "two"


def test_a_cache_that_is_down_only_costs_the_render(org, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "incr", down)
    assert pagecache.kept(None, "region", [], lambda: "rendered") == "rendered"
    MembershipFactory(unit=org.north, role=Role.EMPLOYEE)  # the watch must not break a save


# --- the template tag -------------------------------------------------------------------


def _render(template, **context):
    from django.middleware.csrf import get_token

    request = RequestFactory().get("/")
    request.user = None
    return template.render(Context({"request": request, "csrf_token": get_token(request), **context})), request


def test_a_kept_form_carries_each_reader_s_own_token(org, monkeypatch):
    from django.middleware.csrf import _unmask_cipher_token

    stored = []
    real_set = cache.set

    def spy(key, value, *args, **kwargs):
        stored.append(value)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)

    template = Template('{% load raison_cache %}{% shared "form" %}<form>{% csrf_token %}</form>{% endshared %}')
    tokens = []
    for _reader in range(2):
        html, request = _render(template)
        value = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert _unmask_cipher_token(value) == request.META["CSRF_COOKIE"]
        tokens.append(request.META["CSRF_COOKIE"])
    assert tokens[0] != tokens[1]
    # Kept once, with the placeholder in place of a token.
    assert [value for value in stored if "<form>" in str(value)] == [
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="~raison-csrf-token~"></form>'
    ]


def test_a_region_holding_someone_s_real_token_is_rendered_but_never_kept(org, caplog):
    template = Template('{% load raison_cache %}{% shared "form" %}{{ body|safe }}{% endshared %}')
    mine = '<input type="hidden" name="csrfmiddlewaretoken" value="mine">'
    assert _render(template, body=mine)[0] == mine
    yours = '<input type="hidden" name="csrfmiddlewaretoken" value="yours">'
    assert _render(template, body=yours)[0] == yours
    assert "holds a CSRF token" in caplog.text


def test_unless_renders_afresh_for_whom_it_holds(org):
    template = Template('{% load raison_cache %}{% shared "greeting" unless manager %}{{ text }}{% endshared %}')

    def render(text, manager):
        return template.render(Context({"request": RequestFactory().get("/"), "text": text, "manager": manager}))

    assert render("first", False) == "first"
    assert render("second", False) == "first"
    assert render("for the manager", True) == "for the manager"


# --- pages: what a reader sees right after a change -------------------------------------


def test_the_dashboard_is_kept_and_shows_a_change_at_once(client, org, employee, manager, goal):
    client.force_login(employee)
    url = reverse("dashboard")
    first, page = _queries(client, url)
    again, same = _queries(client, url)
    assert again < first
    assert same == page
    services.practice_create(by=manager, name="Friday demos", unit=org.north)
    _count, page = _queries(client, url)
    assert "Friday demos" in page  # the newest flags: an orphan practice


def test_the_why_page_follows_a_link_made_by_a_manager(client, org, employee, manager, goal):
    practice = services.practice_create(by=manager, name="Friday demos", unit=org.north)
    client.force_login(employee)
    url = reverse("practices:practice_detail", args=[practice.pk])
    first, page = _queries(client, url)
    assert "No objective explains this yet." in page
    again, _page = _queries(client, url)
    assert again < first
    services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="We show our work.")
    _count, page = _queries(client, url)
    assert "No objective explains this yet." not in page
    assert "We show our work." in page
    assert ("orphan_practice", "Friday demos") not in open_flags()
    assert "No flag: the alignment check found nothing missing here." in page


def test_managers_and_employees_get_each_their_copy(client, org, employee, manager, goal):
    practice = services.practice_create(by=manager, name="Friday demos", unit=org.north)
    services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="We show our work.")
    url = reverse("practices:practice_detail", args=[practice.pk])
    client.force_login(employee)
    assert "Unlink" not in client.get(url).content.decode()
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert "Unlink “Capitalise knowledge”" in page
    client.force_login(employee)
    assert "Unlink" not in client.get(url).content.decode()


def test_the_sweep_s_raw_sql_moves_the_generation_on(client, org, employee, manager, goal):
    practice = services.practice_create(by=manager, name="Friday demos", unit=org.north)
    services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="We show our work.")
    client.force_login(employee)
    url = reverse("practices:practice_detail", args=[practice.pk])
    assert "No flag" in client.get(url).content.decode()
    # Behind the services' back: the archived objective leaves the practice orphan once swept.
    type(goal).objects.filter(pk=goal.pk).update(status=ObjectiveStatus.ARCHIVED)
    engine.sweep()
    assert "Orphan practice" in client.get(url).content.decode()


def test_rights_follow_a_membership_change_at_once(org, employee):
    assert not roles.can_manage_unit(employee, org.north_team.pk)
    roles.forget_rights(employee)
    assert not roles.can_manage_unit(employee, org.north_team.pk)  # now from the cache
    Membership.objects.filter(user=employee).update(role=Role.MANAGER)
    roles.forget_rights(employee)
    assert roles.can_manage_unit(employee, org.north_team.pk)


def test_the_main_navigation_is_kept_per_page_and_language(client, employee):
    from django.utils import translation

    client.force_login(employee)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert re.search(r'<a href="/"\s+aria-current="page">Dashboard</a>', dashboard)
    flags = client.get(reverse("flags_inbox")).content.decode()
    assert 'aria-current="page">Flags</a>' in flags
    assert 'aria-current="page">Dashboard</a>' not in flags
    with translation.override("fr"):
        client.cookies["django_language"] = "fr"
        french = client.get(reverse("dashboard")).content.decode()
    assert "Tableau de bord" in french


def test_saying_i_practise_this_shows_at_once(client, org, employee, manager, goal):
    practice = services.practice_create(by=manager, name="Friday demos", unit=org.north)
    services.practice_link_objective(practice=practice, objective=goal, by=manager, rationale="We show our work.")
    client.force_login(employee)
    url = reverse("practices:practice_detail", args=[practice.pk])
    assert "I practise this" in client.get(url).content.decode()
    assert "I practise this" in client.get(url).content.decode()  # kept
    client.post(reverse("practices:practise", args=[practice.pk]), {"practising": "on"})
    page = client.get(url).content.decode()
    assert "You practise this." in page
    assert re.search(r"<p class=\"stat\">1</p>\s*<p class=\"stat-label\">person says", page)

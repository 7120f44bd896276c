"""Global search: the database's own full-text engine (FTS5 on SQLite, tsvector on PostgreSQL).

Every test here runs on whichever database the run uses; CI runs both.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment import search
from objectives.models import ObjectiveStatus
from tests.factories import MeansFactory, ObjectiveFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def records(org):
    return {
        "objective": ObjectiveFactory(
            title="Share lessons learned", statement="So mistakes are not repeated.", unit=org.north
        ),
        "french": ObjectiveFactory(
            title="Réseau d'experts", statement="Trouver un expert en moins d'une journée.", unit=org.north
        ),
        "means": MeansFactory(name="Lessons wiki", description="Where retrospectives live.", unit=org.north),
        "practice": PracticeFactory(name="Monthly retrospective", description="Teams share lessons.", unit=org.north),
        "person": UserFactory(username="nadia", first_name="Nadia", last_name="Leroy"),
    }


def test_search_finds_every_kind_by_word_prefixes(records):
    results = search.search("lesso")
    assert results.objectives == [records["objective"]]
    assert results.means == [records["means"]]
    assert results.practices == [records["practice"]]  # through its description
    assert search.search("nad").people == [records["person"]]
    assert search.search("share less").objectives == [records["objective"]]  # every word, each a prefix
    assert search.search("share zebra").empty


def test_search_ignores_query_syntax_and_handles_accents(records):
    assert search.search('"lessons*) (').means == [records["means"]]
    assert search.search("'; DROP TABLE x; --").empty
    assert search.search("expert").objectives == [records["french"]]
    if connection.vendor == "sqlite":
        assert search.search("reseau").objectives == [records["french"]]  # remove_diacritics


def test_the_index_follows_edits_and_deletes(records):
    objective = records["objective"]
    objective.title = "Capitalise knowledge"
    objective.save()
    assert search.search("capitalise").objectives == [objective]
    assert search.search("share").objectives == []
    records["means"].delete()
    assert search.search("wiki").means == []


def test_ranking_puts_the_best_match_first(org):
    weak = ObjectiveFactory(title="Onboarding", statement="Mentions feedback once.", unit=org.north)
    strong = ObjectiveFactory(
        title="Customer feedback", statement="Feedback from customers, feedback loops.", unit=org.north
    )
    assert search.search("feedback").objectives == [strong, weak]


def test_suggestions_are_the_closest_active_objectives(org):
    close = ObjectiveFactory(
        title="Publish project retrospectives",
        statement="Lessons from every project.",
        unit=org.north,
        status=ObjectiveStatus.ACTIVE,
    )
    other = ObjectiveFactory(title="Hire well", statement="Recruiting.", unit=org.north, status=ObjectiveStatus.ACTIVE)
    ObjectiveFactory(title="Retrospectives (old)", statement="project", unit=org.north, status=ObjectiveStatus.ARCHIVED)
    found = search.similar_objectives("Friday retrospective of the project, lessons shared")
    assert found[0] == close
    assert other not in found
    assert all(o.status == ObjectiveStatus.ACTIVE for o in found)
    assert len(search.similar_objectives("project retrospectives lessons", limit=1)) == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_a_rebuilt_table_gets_its_triggers_back(records):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {search.FTS_TABLE}_means_ai")
    MeansFactory(name="Forgotten tool", unit=records["means"].unit)
    assert search.search("forgotten").means == []
    assert search.ensure_sqlite_index(connection) is True  # what post_migrate runs
    assert [m.name for m in search.search("forgotten").means] == ["Forgotten tool"]
    assert search.ensure_sqlite_index(connection) is False  # nothing to do the second time


def test_search_page_and_dropdown(client, employee, records):
    client.force_login(employee)
    page = client.get(reverse("search"), {"q": "lessons"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" in html
    assert html.index("Objectives</h2>") < html.index("Means</h2>") < html.index("Practices</h2>")
    assert reverse("objectives:detail", args=[records["objective"].pk]) in html
    fragment = client.get(reverse("search"), {"q": "nadia"}, **HTMX).content.decode()
    assert "<html" not in fragment
    assert "Nadia Leroy" in fragment
    assert f"{reverse('flags_inbox')}?owner={records['person'].pk}" in fragment
    assert "Nothing matches" in client.get(reverse("search"), {"q": "zzzz"}, **HTMX).content.decode()


@pytest.mark.parametrize("q", ["a\x00b", "x" * 500, ""])
def test_bad_queries_are_never_a_500(client, employee, records, q):
    client.force_login(employee)
    assert client.get(reverse("search"), {"q": q}).status_code == 200


def test_search_costs_the_same_queries_whatever_the_size(client, employee, org):
    client.force_login(employee)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("search"), {"q": "lessons"}, **HTMX)
        return len(queries)

    ObjectiveFactory(title="Lessons 0", unit=org.north)
    MeansFactory(name="Lessons means", unit=org.north)
    PracticeFactory(name="Lessons practice", unit=org.north)
    before = count()
    for index in range(30):
        ObjectiveFactory(title=f"Lessons {index + 1}", unit=org.north)
        MeansFactory(name=f"Lessons means {index}", unit=org.north)
        PracticeFactory(name=f"Lessons practice {index}", unit=org.north)
    assert count() == before


def test_search_needs_sign_in(client):
    assert client.get(reverse("search"), {"q": "x"}).status_code == 302


@pytest.fixture
def goals(org):
    return {
        "demos": ObjectiveFactory(
            title="Show work early",
            statement="Friday demos of what teams built.",
            unit=org.north,
            status=ObjectiveStatus.ACTIVE,
        ),
        "hire": ObjectiveFactory(
            title="Hire well", statement="Recruiting.", unit=org.north, status=ObjectiveStatus.ACTIVE
        ),
    }


def test_flag_panel_suggests_the_closest_objectives(client, manager, org, goals):
    from django.utils import timezone

    from alignment.models import Flag, FlagKind

    practice = PracticeFactory(name="Friday demos", description="Teams show what they built", unit=org.north)
    flag = Flag.objects.get_or_create(
        kind=FlagKind.ORPHAN_PRACTICE, practice=practice, resolved_at=None, defaults={"raised_at": timezone.now()}
    )[0]
    client.force_login(manager)
    html = client.get(reverse("flag_detail", args=[flag.pk]), **HTMX).content.decode()
    assert "Suggested: the objectives closest to its name and description" in html
    assert f'name="objective" value="{goals["demos"].pk}"' in html
    assert f'name="objective" value="{goals["hire"].pk}"' not in html
    # One click on the suggestion and a rationale link it.
    response = client.post(
        reverse("flag_link", args=[flag.pk]), {"objective": goals["demos"].pk, "rationale": "Demos show work early"}
    )
    assert response.status_code == 302
    assert practice.objective_links.filter(objective=goals["demos"]).exists()


@pytest.mark.parametrize("kind", ["practice", "means"])
def test_orphan_pages_suggest_objectives_until_linked(client, manager, org, goals, kind):
    from tests.factories import MeansObjectiveFactory, PracticeObjectiveFactory

    if kind == "practice":
        subject = PracticeFactory(name="Friday demos", description="Show what we built", unit=org.north)
        url = reverse("practices:practice_detail", args=[subject.pk])
    else:
        subject = MeansFactory(name="Demo room", description="Where Friday demos happen", unit=org.north)
        url = reverse("practices:means_detail", args=[subject.pk])
    client.force_login(manager)
    html = client.get(url).content.decode()
    assert "Suggested: the objectives closest" in html
    assert f'value="{goals["demos"].pk}"' in html
    if kind == "practice":
        PracticeObjectiveFactory(practice=subject, objective=goals["hire"])
    else:
        MeansObjectiveFactory(means=subject, objective=goals["hire"])
    assert "Suggested: the objectives closest" not in client.get(url).content.decode()

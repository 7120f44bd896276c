"""Linking and unlinking on the means and practice pages: rationale required, undo after unlink, htmx or not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practices.models import MeansObjective, MeansStatus, PracticeMeans, PracticeObjective
from tests.factories import MeansFactory
from tests.practices.test_views import HTMX, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, employee):
    return build_world(org, employee)


def _text(response) -> str:
    return response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”").replace("&#x27;", "'")


# --- Practice → objective -----------------------------------------------------------


def test_manager_links_an_orphan_practice_with_a_rationale(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_objective", args=[world.orphan.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "  Demos   share lessons. "})
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:practice_detail", args=[world.orphan.pk]) + "#why"
    link = PracticeObjective.objects.get(practice=world.orphan)
    assert link.objective == world.north_objective
    assert link.rationale == "Demos share lessons."
    assert link.created_by == manager
    page = client.get(response["Location"])
    assert "Linked to “Share lessons learned”." in _text(page)
    assert "“Friday demos” exists because it serves “Share lessons learned”" in _text(page)


def test_linking_with_htmx_returns_the_why_region_and_announces_the_change(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_objective", args=[world.orphan.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "Demos share lessons."}, **HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="why"')
    assert "<html" not in html
    assert "Linked to “Share lessons learned”." in html
    assert "“Friday demos” exists because it serves “Share lessons learned”" in html
    assert "alignmentChanged" in response["HX-Trigger"]


def test_a_link_without_rationale_is_refused_next_to_the_field_and_keeps_the_choice(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_objective", args=[world.orphan.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "   "}, **HTMX)
    html = _text(response)
    assert response.status_code == 422
    assert "Say in one sentence why this link exists." in html
    assert f'name="objective" value="{world.north_objective.pk}" checked' in html
    assert 'aria-invalid="true"' in html
    assert not PracticeObjective.objects.filter(practice=world.orphan).exists()


def test_a_link_without_objective_says_choose_one(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_objective", args=[world.orphan.pk])
    response = client.post(url, {"rationale": "Because."})
    assert response.status_code == 422
    html = _text(response)
    assert "Choose an objective." in html
    assert 'value="Because."' in html
    assert "<html" in html  # without JavaScript the whole page comes back


def test_an_archived_objective_cannot_be_linked(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_objective", args=[world.orphan.pk])
    response = client.post(url, {"objective": world.archived.pk, "rationale": "Nostalgia."}, **HTMX)
    assert response.status_code == 422
    assert "This objective is archived" in _text(response)


def test_a_duplicate_link_is_refused_with_a_message(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_objective", args=[world.north_practice.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "Again."}, **HTMX)
    assert response.status_code == 422
    assert "already lives this objective" in _text(response)
    assert PracticeObjective.objects.filter(practice=world.north_practice).count() == 1


def test_unlink_with_htmx_offers_undo_with_the_same_rationale(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, world.north_objective.pk])
    response = client.post(url, **HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert not PracticeObjective.objects.filter(practice=world.north_practice).exists()
    assert "Unlinked “Share lessons learned”." in html
    undo_url = reverse("practices:practice_undo_unlink_objective", args=[world.north_practice.pk])
    assert f'action="{undo_url}"' in html
    assert f'name="objective" value="{world.north_objective.pk}"' in html
    assert 'name="rationale" value="Lessons reach others."' in html
    assert "No objective explains this yet." in html
    assert "alignmentChanged" in response["HX-Trigger"]

    response = client.post(
        undo_url, {"objective": world.north_objective.pk, "rationale": "Lessons reach others."}, **HTMX
    )
    assert response.status_code == 200
    assert "Link restored." in _text(response)
    link = PracticeObjective.objects.get(practice=world.north_practice)
    assert link.rationale == "Lessons reach others."
    assert link.objective == world.north_objective


def test_unlink_and_undo_work_without_javascript(client, manager, world):
    client.force_login(manager)
    detail = reverse("practices:practice_detail", args=[world.north_practice.pk])
    url = reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, world.north_objective.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == detail + "#why"
    html = _text(client.get(detail))
    assert "Unlinked “Share lessons learned”." in html
    assert 'name="rationale" value="Lessons reach others."' in html
    # The undo is offered once, right after the unlink.
    assert "Unlinked “Share lessons learned”." not in _text(client.get(detail))

    undo_url = reverse("practices:practice_undo_unlink_objective", args=[world.north_practice.pk])
    response = client.post(undo_url, {"objective": world.north_objective.pk, "rationale": "Lessons reach others."})
    assert response.status_code == 302
    assert PracticeObjective.objects.filter(practice=world.north_practice, rationale="Lessons reach others.").exists()


def test_the_undo_offer_stays_on_its_own_page(client, manager, world):
    client.force_login(manager)
    client.post(
        reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, world.north_objective.pk])
    )
    html = _text(client.get(reverse("practices:practice_detail", args=[world.orphan.pk])))
    assert "Unlinked" not in html
    html = _text(client.get(reverse("practices:practice_detail", args=[world.north_practice.pk])))
    assert "Unlinked “Share lessons learned”." in html


def test_unlinking_twice_shows_the_same_page_without_error_or_second_undo(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, world.north_objective.pk])
    first = client.post(url, **HTMX)
    assert "Undo" in _text(first)
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    assert "“Share lessons learned” is already unlinked." in _text(response)
    assert "Undo" not in _text(response)
    assert PracticeObjective.history.filter(history_type="-").count() == 1


def test_unlinking_twice_without_javascript_redirects_to_the_page_with_a_notice(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, world.north_objective.pk])
    client.post(url)
    client.get(reverse("practices:practice_detail", args=[world.north_practice.pk]))  # uses up the undo offer
    response = client.post(url)
    assert response.status_code == 302
    page = _text(client.get(response["Location"]))
    assert "“Share lessons learned” is already unlinked." in page
    assert "Undo" not in page


def test_undo_by_someone_who_may_not_link_is_refused(client, employee, world):
    client.force_login(employee)
    undo_url = reverse("practices:practice_undo_unlink_objective", args=[world.orphan.pk])
    response = client.post(undo_url, {"objective": world.north_objective.pk, "rationale": "Sneaky."})
    assert response.status_code == 403
    assert not PracticeObjective.objects.filter(practice=world.orphan).exists()


def test_unlink_of_an_unknown_objective_is_404(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, 999999])
    assert client.post(url).status_code == 404


# --- Practice → means ---------------------------------------------------------------


def test_manager_links_a_means_to_a_practice(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_link_means", args=[world.north_practice.pk])
    response = client.post(url, {"means": world.spare.pk, "rationale": "Questions go to the forum."}, **HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="means"')
    assert "Linked to “Forum”." in html
    assert PracticeMeans.objects.filter(practice=world.north_practice, means=world.spare).exists()
    assert "alignmentChanged" in response["HX-Trigger"]


def test_a_retired_means_cannot_be_relied_on(client, manager, world, org):
    retired = MeansFactory(name="Old forum", unit=org.north, status=MeansStatus.RETIRED)
    client.force_login(manager)
    url = reverse("practices:practice_link_means", args=[world.north_practice.pk])
    response = client.post(url, {"means": retired.pk, "rationale": "Habit."}, **HTMX)
    html = _text(response)
    assert response.status_code == 422
    assert "This means is retired" in html
    assert f'name="means" value="{retired.pk}" checked' in html  # the choice is kept


def test_unlink_a_means_and_undo(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:practice_unlink_means", args=[world.north_practice.pk, world.wiki.pk])
    response = client.post(url, **HTMX)
    html = _text(response)
    assert "Unlinked “Wiki”." in html
    assert 'name="rationale" value="Lessons are written in the wiki."' in html
    assert "It relies on no means yet" in html
    undo_url = reverse("practices:practice_undo_unlink_means", args=[world.north_practice.pk])
    response = client.post(undo_url, {"means": world.wiki.pk, "rationale": "Lessons are written in the wiki."}, **HTMX)
    assert response.status_code == 200
    assert PracticeMeans.objects.get(practice=world.north_practice).rationale == "Lessons are written in the wiki."


# --- Means → objective --------------------------------------------------------------


def test_manager_says_why_a_tool_exists(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:means_link_objective", args=[world.spare.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "People ask for lessons."})
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:means_detail", args=[world.spare.pk]) + "#why"
    html = _text(client.get(response["Location"]))
    assert "“Forum” exists because it serves “Share lessons learned”, which contributes to" in html
    assert "People ask for lessons." in html


def test_unlink_a_tool_with_htmx_and_undo(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:means_unlink_objective", args=[world.wiki.pk, world.north_objective.pk])
    response = client.post(url, **HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="why"')
    assert "Unlinked “Share lessons learned”." in html
    assert "No objective explains this yet." in html
    undo_url = reverse("practices:means_undo_unlink_objective", args=[world.wiki.pk])
    response = client.post(
        undo_url, {"objective": world.north_objective.pk, "rationale": "The wiki keeps lessons findable."}, **HTMX
    )
    assert response.status_code == 200
    assert MeansObjective.objects.get(means=world.wiki).rationale == "The wiki keeps lessons findable."


def test_means_link_error_comes_back_in_the_region(client, manager, world):
    client.force_login(manager)
    url = reverse("practices:means_link_objective", args=[world.spare.pk])
    response = client.post(url, {"objective": world.north_objective.pk, "rationale": "x" * 301}, **HTMX)
    assert response.status_code == 422
    html = _text(response)
    assert html.lstrip().startswith('<section class="card" id="why"')
    assert "at most 300 characters" in html


def test_link_form_does_not_offer_objectives_the_means_already_serves(client, org, manager):
    from tests.factories import MeansFactory, MeansObjectiveFactory, ObjectiveFactory

    served = ObjectiveFactory(title="Already served goal", unit=org.north)
    other = ObjectiveFactory(title="Another goal", unit=org.north)
    means = MeansFactory(unit=org.north)
    MeansObjectiveFactory(means=means, objective=served)
    client.force_login(manager)
    html = client.get(reverse("practices:means_detail", args=[means.pk])).content.decode()
    assert f'name="objective" value="{other.pk}"' in html
    assert f'name="objective" value="{served.pk}"' not in html

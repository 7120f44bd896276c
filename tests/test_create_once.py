"""A create form creates once, however often it is sent (issue 9, item 8).

Each create form carries a one-time token issued when it is rendered; the create
consumes it in its own transaction. A resend or a double click brings the same token:
nothing more is created, and the answer leads to what the first one created.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from objectives.models import Objective
from practices.models import Means, Practice, PracticeStatus
from raison.models import FormToken
from tests.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


def _token(client: Client, url: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', client.get(url).content.decode())
    assert match, f"{url} renders no form token"
    return match.group(1)


@pytest.fixture
def parent(org):
    return ObjectiveFactory(unit=org.north, title="Reuse lessons learned")


def _forms(org, parent) -> dict[str, tuple[str, dict, type, str]]:
    """What each create form posts, the model it creates and where the answer leads."""
    return {
        "objective": (
            reverse("objectives:create"),
            {
                "parent": parent.pk,
                "title": "Share what we learn",
                "statement": "So nobody repeats a mistake.",
                "unit": org.north.pk,
                "status": "draft",
            },
            Objective,
            "objectives:detail",
        ),
        "means": (
            reverse("practices:means_create"),
            {"name": "Team wiki", "kind": "technical", "unit": org.north.pk, "description": "", "url": ""},
            Means,
            "practices:means_detail",
        ),
        "practice": (
            reverse("practices:practice_create"),
            {"name": "Lessons learned after each project", "unit": org.north.pk, "description": ""},
            Practice,
            "practices:practice_detail",
        ),
    }


@pytest.mark.parametrize("kind", ["objective", "means", "practice"])
def test_sending_a_create_form_twice_creates_one_record_and_both_answers_lead_to_it(client, org, manager, parent, kind):
    client.force_login(manager)
    url, data, model, detail = _forms(org, parent)[kind]
    before = model.objects.count()
    data = {**data, "form_token": _token(client, url)}

    first = client.post(url, data)
    second = client.post(url, data)

    assert model.objects.count() == before + 1
    created = model.objects.latest("pk")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse(detail, args=[created.pk])
    assert "already been sent" in str(list(client.get(second["Location"]).context["messages"])[-1])


def test_proposing_twice_creates_one_proposal_and_leads_back_to_the_proposals(client, employee):
    client.force_login(employee)
    url = reverse("practices:propose")
    data = {
        "name": "Demo day every Friday",
        "description": "",
        "form_token": _token(client, reverse("practices:proposals")),
    }

    first = client.post(url, data)
    second = client.post(url, data)

    assert Practice.objects.filter(name="Demo day every Friday", status=PracticeStatus.PROPOSED).count() == 1
    assert first["Location"] == second["Location"] == reverse("practices:proposals")


def test_each_rendering_issues_a_new_token(client, manager):
    client.force_login(manager)
    url = reverse("practices:means_create")
    assert _token(client, url) != _token(client, url)


def test_a_refused_form_keeps_its_token_unused_so_the_corrected_one_creates(client, org, manager):
    client.force_login(manager)
    url = reverse("practices:practice_create")
    token = _token(client, url)
    refused = client.post(url, {"name": "", "unit": org.north.pk, "form_token": token})
    assert refused.status_code == 422
    assert f'name="form_token" value="{token}"' in refused.content.decode()
    assert not FormToken.objects.filter(token=token).exists()

    created = client.post(url, {"name": "Pair on hard problems", "unit": org.north.pk, "form_token": token})
    assert created.status_code == 302
    assert Practice.objects.filter(name="Pair on hard problems").count() == 1


def test_a_form_without_a_token_still_creates(client, org, manager):
    # A page opened before tokens existed (or a script) keeps working, unprotected.
    client.force_login(manager)
    url = reverse("practices:means_create")
    data = {"name": "Chat", "kind": "technical", "unit": org.north.pk}
    assert client.post(url, data).status_code == 302
    assert Means.objects.filter(name="Chat").count() == 1


def test_someone_elses_token_creates_nothing_and_says_so(client, org, manager, executive):
    client.force_login(manager)
    url = reverse("practices:means_create")
    token = _token(client, url)
    client.post(url, {"name": "Wiki", "kind": "technical", "unit": org.north.pk, "form_token": token})

    client.force_login(executive)
    response = client.post(url, {"name": "Other wiki", "kind": "technical", "unit": org.north.pk, "form_token": token})
    assert response.status_code == 409
    assert "already sent" in response.content.decode()
    assert not Means.objects.filter(name="Other wiki").exists()


def test_a_malformed_token_is_a_message_not_an_error(client, org, manager):
    client.force_login(manager)
    url = reverse("practices:means_create")
    response = client.post(url, {"name": "Wiki", "kind": "technical", "unit": org.north.pk, "form_token": "a\x00b"})
    assert response.status_code == 422
    assert not Means.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sends need PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["objective", "means", "practice"])
def test_concurrent_identical_sends_create_one_record(org, manager, parent, kind):
    url, data, model, detail = _forms(org, parent)[kind]
    setup = Client()
    setup.force_login(manager)
    data = {**data, "form_token": _token(setup, url)}
    before = model.objects.count()
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def send() -> None:
        try:
            client = Client()
            client.force_login(manager)
            start.wait(10)
            response = client.post(url, data)
            answers.append((response.status_code, response.get("Location", "")))
        except BaseException as error:  # reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors
    assert model.objects.count() == before + 1
    created = model.objects.latest("pk")
    assert answers == [(302, reverse(detail, args=[created.pk]))] * 8

"""Twenty identical unlinks at once (issue 9, item 7): one deletion, one history row, one undo.

Each request runs in a thread of its own, so on a database connection of its own, on
PostgreSQL (the SQLite test database serialises everything and cannot race).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from alignment import live
from practices.models import MeansObjective, PracticeObjective
from tests.practices.test_views import HTMX, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 20


def race(clients: list[Client], url: str, **extra) -> list:
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def post(i: int) -> None:
        try:
            barrier.wait(10)
            responses[i] = clients[i].post(url, **extra)
        except BaseException as error:  # reported below, not lost in the thread
            responses[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return responses


@pytest.fixture
def world(org, employee, monkeypatch):
    # The re-checks the unlinks enqueue are not under test; keep them out of the race.
    monkeypatch.setattr(live, "enqueue", lambda scope: None)
    return build_world(org, employee)


@pytest.fixture
def clients(manager):
    signed_in = []
    for _ in range(RACERS):
        client = Client()
        client.force_login(manager)
        signed_in.append(client)
    return signed_in


def test_racing_unlinks_delete_once_write_one_history_row_and_offer_one_undo(world, clients):
    url = reverse("practices:practice_unlink_objective", args=[world.north_practice.pk, world.north_objective.pk])
    responses = race(clients, url, **HTMX)

    assert [r for r in responses if isinstance(r, BaseException)] == []
    assert sorted({r.status_code for r in responses}) == [200]
    pages = [r.content.decode() for r in responses]
    assert sum('name="rationale"' in page and ">Undo<" in page for page in pages) == 1
    assert sum("is already unlinked." in page for page in pages) == RACERS - 1
    assert not PracticeObjective.objects.filter(practice=world.north_practice, objective=world.north_objective).exists()
    deleted = PracticeObjective.history.filter(
        history_type="-", practice_id=world.north_practice.pk, objective_id=world.north_objective.pk
    )
    assert deleted.count() == 1


def test_racing_unlinks_without_javascript_leave_one_undo_offer_in_one_session(world, clients):
    served = MeansObjective.objects.get(means=world.wiki, objective=world.north_objective)
    url = reverse("practices:means_unlink_objective", args=[served.means_id, served.objective_id])
    responses = race(clients, url)

    assert [r for r in responses if isinstance(r, BaseException)] == []
    assert {r.status_code for r in responses} == {302}
    assert MeansObjective.history.filter(history_type="-", means_id=served.means_id).count() == 1
    pages = [c.get(responses[0]["Location"]).content.decode() for c in clients]
    assert sum(">Undo<" in page for page in pages) == 1

"""The API's personas each hold a bearer token, and a small organisation to act on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from alignment.models import Flag, FlagKind
from api.services import token_create
from objectives.models import ObjectiveStatus
from practices.models import PracticeStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
)


@dataclass
class World:
    root: object
    north_objective: object
    south_objective: object
    north_practice: object
    north_means: object
    proposal: object
    orphan: object
    flag: object


@pytest.fixture
def world(org, executive, manager, other_manager, employee, outsider) -> World:
    root = ObjectiveFactory(title="Grow sustainably", unit=org.company, status=ObjectiveStatus.ACTIVE)
    north_objective = ObjectiveFactory(title="Share what we learn", unit=org.north, parent=root)
    south_objective = ObjectiveFactory(title="Serve the south", unit=org.south, parent=root)
    north_practice = PracticeFactory(name="Lessons learned in the wiki", unit=org.north, owner=manager)
    north_means = MeansFactory(name="Wiki", unit=org.north, owner=manager)
    PracticeObjectiveFactory(practice=north_practice, objective=north_objective, rationale="The wiki keeps lessons.")
    PracticeMeansFactory(practice=north_practice, means=north_means)
    MeansObjectiveFactory(means=north_means, objective=north_objective)
    proposal = PracticeFactory(unit=org.north_team, status=PracticeStatus.PROPOSED, proposed_by=employee)
    orphan = PracticeFactory(name="Orphan practice", unit=org.north, owner=manager)
    flag = Flag.objects.filter(kind=FlagKind.ORPHAN_PRACTICE, practice=orphan, resolved_at=None).first()
    if flag is None:
        flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=orphan, raised_at=timezone.now())
    return World(root, north_objective, south_objective, north_practice, north_means, proposal, orphan, flag)


@pytest.fixture
def personas(executive, manager, other_manager, employee, outsider) -> dict:
    return {
        "executive": executive,
        "manager": manager,
        "other_manager": other_manager,
        "employee": employee,
        "outsider": outsider,
    }


@pytest.fixture
def as_persona(personas):
    """``as_persona("manager")`` gives an APIClient sending that persona's bearer token; None: anonymous."""

    def client_for(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            _token, raw = token_create(user=personas[name], name="tests")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return client_for


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(monkeypatch):
    # Request counts live in the cache, keyed by user id; ids repeat from one test to the
    # next. Each test counts in a memory of its own: clearing the shared cache would flush
    # the Redis database the tests running next door keep their sessions in.
    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    # LocMemCache instances of one name share their storage: a new name, a new memory.
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))

"""Flags through the API: everyone reads them, managers of the flagged record's unit acknowledge them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alignment.models import Flag, FlagKind
from tests.factories import MeansFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def south_flag(world, org):
    means = MeansFactory(name="Fax", unit=org.south)
    flag = Flag.objects.filter(means=means, resolved_at=None).first()
    return flag or Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=means, raised_at=timezone.now())


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_flag_list_filters(world, south_flag, as_persona, org):
    client = as_persona("manager")
    everything = _ids(client.get("/api/flags/"))
    assert {world.flag.pk, south_flag.pk} <= everything
    assert south_flag.pk not in _ids(client.get("/api/flags/", {"mine": "true"}))
    assert world.flag.pk in _ids(client.get("/api/flags/", {"mine": "true"}))
    assert _ids(client.get("/api/flags/", {"unit": org.south.pk})) == {south_flag.pk}
    by_kind = _ids(client.get("/api/flags/", {"kind": FlagKind.PURPOSELESS_MEANS}))
    assert south_flag.pk in by_kind and world.flag.pk not in by_kind
    assert _ids(client.get("/api/flags/", {"state": "acknowledged"})) == set()
    # An employee manages nothing: "mine" is empty, the whole organisation is not.
    assert _ids(as_persona("employee").get("/api/flags/", {"mine": "true"})) == set()
    assert world.flag.pk in _ids(as_persona("employee").get("/api/flags/"))
    bad = client.get("/api/flags/", {"state": "closed", "kind": "nope"})
    assert bad.status_code == 400 and set(bad.json()) == {"state", "kind"}


def test_a_flag_reads_with_its_subject(world, as_persona):
    body = as_persona("outsider").get(f"/api/flags/{world.flag.pk}/").json()
    assert body["subject_type"] == "practice"
    assert body["subject_id"] == world.orphan.pk
    assert body["subject_name"] == "Orphan practice"
    assert body["unit"] == world.orphan.unit_id
    assert body["is_open"] is True


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("executive", 200), ("manager", 200), ("other_manager", 403), ("employee", 403), ("outsider", 403), (None, 401)],
)
def test_acknowledge_rights(world, as_persona, persona, expected):
    response = as_persona(persona).post(
        f"/api/flags/{world.flag.pk}/acknowledge/", {"reason": "Kept on purpose for the audit."}, format="json"
    )
    assert response.status_code == expected, response.content
    world.flag.refresh_from_db()
    assert (world.flag.acknowledged_at is not None) == (expected == 200)
    if expected == 200:
        assert response.json()["acknowledged_by"] == persona
        assert response.json()["acknowledgement_reason"] == "Kept on purpose for the audit."
        assert response.json()["is_open"] is False


def test_acknowledge_needs_a_reason_and_an_open_flag(world, as_persona):
    client = as_persona("manager")
    url = f"/api/flags/{world.flag.pk}/acknowledge/"
    blank = client.post(url, {"reason": "   "}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()
    assert client.post(url, {"reason": "x" * 501}, format="json").status_code == 400
    assert client.post(url, {"reason": "Accepted."}, format="json").status_code == 200
    again = client.post(url, {"reason": "Twice."}, format="json")
    assert again.status_code == 400
    assert "no longer open" in again.json()["non_field_errors"][0]
    assert as_persona("manager").get("/api/flags/999999/").status_code == 404

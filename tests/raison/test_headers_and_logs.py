"""Signed-in pages are never cached (item 11); a refused action is one log line (item 12)."""

from __future__ import annotations

import logging
import sys

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    "route", ["dashboard", "objectives:tree", "objectives:create", "practices:practice_list", "practices:means_list"]
)
def test_every_signed_in_page_says_private_no_store(client, manager, route):
    client.force_login(manager)
    response = client.get(reverse(route))
    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)
    assert "public" not in _directives(response)


def test_refusals_redirects_and_htmx_fragments_of_a_signed_in_person_too(client, employee, manager):
    client.force_login(employee)
    refused = client.get(reverse("objectives:create"))
    assert refused.status_code == 403
    assert {"private", "no-store"} <= _directives(refused)
    fragment = client.get(reverse("objectives:search"), {"q": "a"}, headers={"HX-Request": "true"})
    assert {"private", "no-store"} <= _directives(fragment)


def test_signing_in_and_out_are_not_cached_either_and_the_sign_in_page_is_left_alone(client, employee):
    # Nothing is added for someone not signed in (the redirect to the sign-in page).
    assert _directives(client.get(reverse("dashboard"))) == set()
    signed_in = client.post(reverse("login"), {"username": "employee", "password": PASSWORD})
    assert signed_in.status_code == 302
    # The sign-out response belongs to the session it ends.
    signed_out = client.post(reverse("logout"))
    assert {"private", "no-store"} <= _directives(signed_out)
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_refused_action_logs_one_line_without_a_traceback(client, employee, caplog):
    client.force_login(employee)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("objectives:create"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    record = records[0]
    assert record.exc_info is None
    assert record.getMessage() == f"Forbidden (Permission denied): {reverse('objectives:create')}"
    assert "Traceback" not in caplog.text


def test_a_real_server_error_keeps_its_traceback(caplog):
    from raison.logs import OneLineForbidden

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
        )
    record.status_code = 500
    assert OneLineForbidden().filter(record) is True
    assert record.exc_info is not None

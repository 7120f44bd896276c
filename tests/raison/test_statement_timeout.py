"""Web requests on PostgreSQL run under a statement timeout; a timed-out page is a clear 503."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from raison.urls import urlpatterns as raison_urls
from tests.factories import UserFactory


def _slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return HttpResponse("finished")


def _show(request):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return HttpResponse(cursor.fetchone()[0])


urlpatterns = [path("test/slow/", _slow), path("test/show/", _show), *raison_urls]

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def session_timeout_reset():
    """Puts the shared test connection back to no timeout: outside a test transaction the SET sticks."""
    yield
    from raison import statement_timeout

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    statement_timeout._configured.clear()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # as in production: autocommit, no test transaction to abort
@pytest.mark.usefixtures("session_timeout_reset")
@override_settings(ROOT_URLCONF=__name__, WEB_STATEMENT_TIMEOUT_MS=200)
def test_a_slow_query_ends_with_a_translated_503_page(client):
    client.force_login(UserFactory())
    response = client.get("/test/slow/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "This page took too long" in page
    assert "0.2 seconds" in page
    # In French too.
    client.cookies["django_language"] = "fr"
    page = client.get("/test/slow/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Cette page a pris trop de temps" in page
    # The connection is usable again right after.
    assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
@override_settings(ROOT_URLCONF=__name__, WEB_STATEMENT_TIMEOUT_MS=1500)
def test_web_requests_run_under_the_configured_timeout_and_nothing_else_does(client):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        # Management commands, the sweep and the worker never pass through the middleware.
        assert cursor.fetchone()[0] == "0"
    assert client.get("/test/show/").content.decode() == "1500ms"


@pytest.mark.postgres
@override_settings(ROOT_URLCONF=__name__, WEB_STATEMENT_TIMEOUT_MS=0)
def test_zero_turns_the_timeout_off(client):
    assert client.get("/test/show/").content.decode() == "0"


@override_settings(ROOT_URLCONF=__name__, WEB_STATEMENT_TIMEOUT_MS=200)
def test_other_database_errors_are_not_disguised_as_timeouts(client):
    from django.db import OperationalError

    from raison.statement_timeout import is_statement_timeout

    assert not is_statement_timeout(OperationalError("database is locked"))
    assert not is_statement_timeout(ValueError("nope"))

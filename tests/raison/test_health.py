import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_embedded_broker(client, settings):
    settings.RAISON_EMBEDDED_TASKS = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "embedded"}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker_without_failing_the_web_node(client, settings, monkeypatch):
    from kombu import Connection

    from raison.celery import app

    settings.RAISON_EMBEDDED_TASKS = False
    # Nothing listens on port 1.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, settings, monkeypatch):
    settings.RAISON_EMBEDDED_TASKS = True

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"

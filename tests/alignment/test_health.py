import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_embedded_broker(client, settings):
    settings.RAISON_EMBEDDED_TASKS = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "embedded"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from alignment.celery import app

    settings.RAISON_EMBEDDED_TASKS = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, settings, monkeypatch):
    settings.RAISON_EMBEDDED_TASKS = True

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"

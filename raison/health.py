"""/healthz: what an orchestrator needs to know — can this process reach its database and broker?"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: database unreachable")
        return False


def _broker_state() -> str:
    if settings.RAISON_EMBEDDED_TASKS:
        return "embedded"
    from raison.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception:
        logger.exception("health check: broker unreachable")
        return "unreachable"


@never_cache
@require_GET
def healthz(request):
    database = "ok" if _database_ok() else "unreachable"
    broker = _broker_state()
    if database != "ok":
        status = "down"
    elif broker == "unreachable":
        status = "degraded"
    else:
        status = "ok"
    # Only the database decides the HTTP status: with the broker down, saves still succeed
    # and the next sweep catches up, so taking web nodes out of rotation would be worse.
    return JsonResponse(
        {"status": status, "database": database, "broker": broker},
        status=503 if status == "down" else 200,
    )

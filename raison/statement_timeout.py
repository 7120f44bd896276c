"""A statement timeout for web requests on PostgreSQL, and the page shown when it fires.

Without it, a page whose query runs for minutes keeps running in PostgreSQL after the
person gave up, and every reload adds one more. The limit is set on the connections
of web requests only (this middleware): the Celery worker, the sweep and management
commands never pass through it and keep their own limits (the task time limit).

In the embedded set-up (no broker), the alignment re-checks that run in the web
process after a commit belong to the request and share its limit.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

#: Raw PostgreSQL connections whose session already carries the web timeout, and its value.
#: A persistent connection is configured once, not once per request.
_configured: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

#: Seconds a client is asked to wait before trying again after a timed-out page.
RETRY_AFTER = 30


def _apply_timeout(milliseconds: int) -> None:
    connection.ensure_connection()
    raw = connection.connection
    if not connection.in_atomic_block and _configured.get(raw) == milliseconds:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])
    # Inside a transaction (tests wrap each one) the setting ends with its rollback:
    # remember it only when it was committed with the session.
    if not connection.in_atomic_block:
        _configured[raw] = milliseconds


def is_statement_timeout(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL cancelling a statement (the timeout, or an operator)."""
    if not isinstance(error, OperationalError):
        return False
    from psycopg import errors

    return isinstance(error.__cause__, errors.QueryCanceled)


class StatementTimeoutMiddleware:
    """Limits each web request's SQL statements and turns a timeout into a clear 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        milliseconds = settings.WEB_STATEMENT_TIMEOUT_MS
        if milliseconds and connection.vendor == "postgresql":
            try:
                _apply_timeout(milliseconds)
            except (DatabaseError, connection.Database.Error):
                # The database is away: the view answers that its own way (/healthz says
                # 503 "database unreachable"), not this middleware with a 500.
                logger.warning("statement timeout not set: the database does not answer", exc_info=True)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if connection.vendor != "postgresql" or not is_statement_timeout(exception):
            return None
        logger.warning(
            "statement timeout (%s ms) on %s %s", settings.WEB_STATEMENT_TIMEOUT_MS, request.method, request.path
        )
        response = render(
            request, "503.html", {"timeout_seconds": settings.WEB_STATEMENT_TIMEOUT_MS / 1000}, status=503
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response

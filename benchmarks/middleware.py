"""Query count and server time of each response, for ``manage.py bench_pages`` only.

Settings add this middleware only when ``RAISON_BENCH_HEADERS`` is set, which the page
benchmark does for the gunicorn it starts; it never runs in production (the image has
no benchmarks package). Counting wraps the connection's execution, so DEBUG stays off
and the figures are those of the real configuration.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
            # A lazy (template) response renders here, inside the count.
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response["X-Raison-Queries"] = str(count)
        response["X-Raison-Server-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response

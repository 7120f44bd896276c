"""Property-based run of the whole API against its own OpenAPI document (schemathesis).

For three personas (an executive, a manager, an employee) every operation gets
generated requests, valid and invalid: none may answer 5xx, and every documented
answer must match the document. The run goes through Django's WSGI handler with the
whole middleware stack (CSP, axes, the N+1 detector that turns a lazy query into a
500). Half of the generated ids are swapped for ids that exist, so writes and reads
reach real records, not only 404s. Kept small (``MAX_EXAMPLES`` per operation and
persona) so the run stays within a minute or two on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.services import token_create

MAX_EXAMPLES = int(os.environ.get("RAISON_API_FUZZ_EXAMPLES", "8"))
#: The records the world fixture makes have small ids; these reach them.
KNOWN_IDS = 12


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    # Every even id is folded onto the small ids the world fixture's records have.
    if not path_parameters:
        return path_parameters
    return {
        name: (value % KNOWN_IDS) + 1 if isinstance(value, int) and value % 2 == 0 else value
        for name, value in path_parameters.items()
    }


@pytest.fixture
def wsgi(world):
    # Django's test client detaches these for the same reason: the WSGI handler would
    # otherwise close the test's connection (and its transaction) after each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(personas, settings):
    # The run sends hundreds of requests a minute as one person: that is the point, not abuse.
    settings.RAISON_API_THROTTLE_RATES = {"user": None, "anon": None}
    tokens = {name: token_create(user=personas[name], name="schemathesis")[1] for name in personas}
    return lambda name: {"Authorization": f"Bearer {tokens[name]}"}


# The document is built at import, as /api/schema/ builds it (no database needed).
# schemathesis.pytest.from_fixture would load it lazily, but it writes pytest's private
# Node._nodeid, which pytest 9.2 no longer has.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


def _fuzz(persona: str):
    @pytest.mark.django_db
    @schema.parametrize()
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def test(case, bearer, wsgi):
        case.call_and_validate(headers=bearer(persona), checks=[not_a_server_error, response_schema_conformance])

    return test


# One test per persona (the lazy schema cannot be combined with pytest's parametrize).
test_as_an_executive_the_api_never_fails_and_keeps_to_its_schema = _fuzz("executive")
test_as_a_manager_the_api_never_fails_and_keeps_to_its_schema = _fuzz("manager")
test_as_an_employee_the_api_never_fails_and_keeps_to_its_schema = _fuzz("employee")

"""Pieces of ``manage.py bench_pages`` that run without a gunicorn: headers, personas, tables."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from benchmarks import pages as bench_pages
from benchmarks.management.commands.bench_pages import markdown
from org import roles
from org.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_the_bench_middleware_reports_queries_and_server_time(client, employee):
    client.force_login(employee)
    with override_settings(MIDDLEWARE=["benchmarks.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]):
        response = client.get("/objectives/list/")
    assert int(response["X-Raison-Queries"]) >= 3  # session, user, the list at least
    assert float(response["X-Raison-Server-Ms"]) > 0


def test_without_the_bench_setting_no_header_is_sent(client, employee):
    client.force_login(employee)
    assert "X-Raison-Queries" not in client.get("/objectives/list/")


def test_personas_are_created_once_with_their_roles(org):
    first = bench_pages.ensure_personas("pw-1")
    again = bench_pages.ensure_personas("pw-2")
    assert first == again
    executive_id, root = first["bench-executive"]
    assert root == org.company.pk
    assert Membership.objects.get(user_id=executive_id).role == Role.EXECUTIVE
    manager_id, division = first["bench-manager"]
    employee_id, team = first["bench-employee"]
    assert (division, team) == (org.north.pk, org.north_team.pk)
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(pk=manager_id)
    assert roles.can_manage_unit(manager, org.north_team.pk) and not roles.can_manage_unit(manager, org.south.pk)
    assert get_user_model().objects.get(pk=employee_id).check_password("pw-2")


def test_markdown_puts_each_persona_s_throughput_in_its_table():
    row = {"label": "healthz", "status": "200", "median_ms": 1.2, "p95_ms": 3.4, "bytes": 2048, "queries": "1"}
    cold = {**row, "cold_median_ms": 7.5, "cold_queries": "3"}
    figures = {
        "personas": {
            "bench-executive": {"unit": 1, "pages": [cold]},
            "bench-manager": {"unit": 2, "pages": [row]},
            "bench-employee": {"unit": 3, "pages": [row]},
        },
        "load": {
            "bench-executive": {"healthz": {"req_per_s": 900.0, "ratio_to_healthz": 1.0}},
            "bench-employee": {"healthz": {"req_per_s": 850.0, "ratio_to_healthz": 1.0}},
        },
    }
    text = markdown(figures)
    executive, manager, employee = text.split("**bench-")[1:]
    assert "| healthz | 200 | 1 | 3 | 2.0 | 1 | 7.5 | 3 | 900.0 | 100.0 % |" in executive
    assert "| healthz | 200 | 1 | 3 | 2.0 | 1 |  |  |  |  |" in manager
    assert "| healthz | 200 | 1 | 3 | 2.0 | 1 |  |  | 850.0 | 100.0 % |" in employee

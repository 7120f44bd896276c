"""Lists count at most a cap of rows, and say so instead of counting a million."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from objectives.models import Objective
from raison.paging import CappedPaginator
from tests.factories import ObjectiveFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_under_the_cap_the_count_is_exact(org):
    ObjectiveFactory.create_batch(7, unit=org.company)
    paginator = CappedPaginator(Objective.objects.order_by("pk"), 3, cap=10)
    assert paginator.count == 7
    assert not paginator.capped
    assert paginator.num_pages == 3


def test_over_the_cap_it_counts_no_further_and_says_so(org):
    ObjectiveFactory.create_batch(12, unit=org.company)
    paginator = CappedPaginator(Objective.objects.order_by("pk"), 3, cap=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 10
    assert paginator.capped
    assert paginator.num_pages == 4
    # One bounded count: the inner SELECT stops at cap + 1 rows.
    assert len(queries) == 1
    assert "LIMIT 11" in queries[0]["sql"]
    # Asking beyond the counted pages gives the last counted one.
    assert paginator.get_page(99).number == 4


def test_a_list_beyond_the_cap_says_more_than(client, org, employee, monkeypatch):
    from raison import web

    monkeypatch.setattr(web.paginate, "__kwdefaults__", {"param": "page", "cap": 3})
    PracticeFactory.create_batch(5, unit=org.north)
    client.force_login(employee)
    page = client.get(reverse("practices:practice_list")).content.decode()
    assert "More than 3 practices: filter to narrow them down." in page
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("practices:practice_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Plus de 3 pratiques" in page

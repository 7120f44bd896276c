"""Sign-in with a user name no account can have: a form error, never a 500 (issue 9, item 4).

django-axes records every failed attempt's user name in a varchar(255); on PostgreSQL a
longer one was a DataError. The form now refuses it before ``authenticate()`` runs, so
axes never sees it; its own reading of the name is clipped as a second line.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from raison.auth import AXES_USERNAME_LENGTH, axes_username
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LONG = "a" * 300


@pytest.mark.parametrize("length", [151, 256, 300, 100_000])
def test_an_over_long_user_name_is_a_form_error_and_no_attempt_is_recorded(client, length):
    response = client.post(reverse("login"), {"username": "x" * length, "password": "whatever"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "No account has a user name this long" in page
    assert 'maxlength="150"' in page
    assert not AccessAttempt.objects.exists()


def test_the_admin_sign_in_refuses_it_too(client):
    response = client.post(reverse("admin:login"), {"username": LONG, "password": "whatever"})
    assert response.status_code == 200
    assert "No account has a user name this long" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_an_ordinary_wrong_password_is_still_recorded_and_a_right_one_signs_in(client, employee):
    response = client.post(reverse("login"), {"username": "employee", "password": "wrong"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "employee"
    assert client.post(reverse("login"), {"username": "employee", "password": PASSWORD}).status_code == 302


def test_what_axes_records_fits_its_column_whichever_way_it_reads_the_name():
    request = RequestFactory().post("/accounts/login/", {"username": "b\x00" + LONG})
    from_post = axes_username(request, None)
    assert len(from_post) == AXES_USERNAME_LENGTH
    assert "\x00" not in from_post
    assert axes_username(request, {"username": LONG}) == LONG[:AXES_USERNAME_LENGTH]
    assert axes_username(request, {"username": "employee"}) == "employee"
    assert axes_username(RequestFactory().post("/accounts/login/", {}), None) is None

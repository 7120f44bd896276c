"""Signing in and out, the lockout after repeated failures, and the pages around them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_labelled_and_styled_without_inline_code(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_username"' in page
    assert '<label for="id_password"' in page
    assert "<style" not in page
    assert " style=" not in page
    assert "<script>" not in page
    assert 'class="main-nav"' not in page  # no navigation before signing in


def test_sign_in_goes_to_the_dashboard(client, employee):
    response = client.post(reverse("login"), {"username": "employee", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_wrong_password_says_so_and_keeps_the_name(client, employee):
    response = client.post(reverse("login"), {"username": "employee", "password": "wrong"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'value="employee"' in page


def test_sign_out_is_a_post(client, employee):
    client.force_login(employee)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_repeated_failures_lock_that_name_from_that_address_only(client, employee):
    victim = UserFactory(username="colleague")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "employee", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    locked = client.post(reverse("login"), {"username": "employee", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "nobody else is affected" in page
    # The same person from another address, and a colleague from the same address, still get in.
    other_address = client.post(
        reverse("login"), {"username": "employee", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert other_address.status_code == 302
    client.post(reverse("logout"))
    colleague = client.post(
        reverse("login"), {"username": victim.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert colleague.status_code == 302


def test_signed_out_page_renders(client):
    from django.template.loader import render_to_string

    html = render_to_string("registration/logged_out.html", {})
    assert "You are signed out" in html

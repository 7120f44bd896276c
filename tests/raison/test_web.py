"""The shared web helpers: regions, next URLs, and the answer of a form handed to a service."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from raison.editing import EditConflict
from raison.web import conflict_form, next_url, redirect_next, submit, wants_region


def _request(method="get", data=None, headers=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {}, headers=headers or {})
    request.htmx = HtmxDetails(request)
    return request


def test_an_htmx_request_wants_a_region_but_not_a_history_restore_nor_a_boosted_link():
    assert wants_region(_request(headers={"HX-Request": "true"}))
    assert not wants_region(_request())
    assert not wants_region(_request(headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}))
    assert not wants_region(_request(headers={"HX-Request": "true", "HX-Boosted": "true"}))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/flags/?state=open", "/flags/?state=open"),
        ("abc", "/fallback/"),  # a bare word would be taken for a URL name by redirect()
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("/\\evil.example/", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("/a\x00b", "/fallback/"),  # NUL: refused by the form field, not passed on
        ("/" + "a" * 5000, "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_next_is_a_path_on_this_site_or_the_default(given, expected):
    request = _request("post", {"next": given})
    assert next_url(request, "/fallback/") == expected
    response = redirect_next(request, "/fallback/")
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.django_db
def test_redirect_next_resolves_a_url_name_default_with_its_arguments():
    response = redirect_next(_request("post", {"next": "abc"}), "practices:practice_detail", pk=7)
    assert response["Location"] == "/practices/7/"


class _Form(forms.Form):
    name = forms.CharField(max_length=10)
    version = forms.IntegerField()


class _Record:
    version = 5


def test_submit_calls_the_service_with_the_cleaned_data():
    outcome = submit(_request("post"), _Form({"name": "x", "version": 1}), lambda data: data["name"] * 2)
    assert (outcome.ok, outcome.result, outcome.status) == (True, "xx", 200)


def test_submit_answers_422_for_invalid_input_without_calling_the_service():
    def service(data):
        raise AssertionError("called")

    outcome = submit(_request("post"), _Form({"name": "x" * 11, "version": 1}), service)
    assert (outcome.ok, outcome.status) == (False, 422)
    assert "name" in outcome.form.errors


def test_submit_puts_a_service_refusal_next_to_its_field():
    def service(data):
        raise ValidationError({"name": "Taken."})

    outcome = submit(_request("post"), _Form({"name": "x", "version": 1}), service)
    assert outcome.status == 422
    assert outcome.form.errors["name"] == ["Taken."]


def test_submit_turns_permission_denied_into_a_field_error_only_when_told_which_field():
    def service(data):
        raise PermissionDenied("Not there.")

    outcome = submit(_request("post"), _Form({"name": "x", "version": 1}), service, denied_field="name")
    assert outcome.status == 422
    assert outcome.form.errors["name"] == ["Not there."]
    with pytest.raises(PermissionDenied):
        submit(_request("post"), _Form({"name": "x", "version": 1}), service)


def test_an_edit_conflict_keeps_the_input_with_the_current_version():
    request = _request("post", {"name": "mine", "version": "1"})

    def service(data):
        raise EditConflict(_Record())

    outcome = submit(request, _Form(request.POST), service, conflict_message=True)
    assert outcome.status == 409
    assert isinstance(outcome.current, _Record)
    assert outcome.form.data["version"] == "5"
    assert outcome.form.data["name"] == "mine"
    assert outcome.form.non_field_errors()


def test_a_record_that_vanished_during_the_edit_is_a_404_whichever_app_asks():
    request = _request("post", {"name": "mine", "version": "1"})
    with pytest.raises(Http404):
        conflict_form(_Form, request, EditConflict(None))

    def service(data):
        raise EditConflict(None)

    with pytest.raises(Http404):
        submit(request, _Form(request.POST), service)

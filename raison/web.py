"""What every page of Raison does the same way: htmx regions, pages of a list, where to go
next, and the answer to a form whose service refused or found the record changed.

Only Django and django-htmx here (and the versioned-edit exception of ``raison.editing``):
the apps' views build on it, it knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from raison.editing import EditConflict, add_service_errors

# --- Regions --------------------------------------------------------------------------


def wants_region(request: HttpRequest) -> bool:
    """An htmx request for part of a page.

    Boosted navigation and history restores (a back-button cache miss arrives with
    ``HX-Request``) get the whole page.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_region(
    request: HttpRequest, template: str, context: dict, *, region: str | None = None, status: int = 200
) -> HttpResponse:
    """The whole page, or only its ``{% partialdef region %}`` when htmx asks for that part."""
    if region and wants_region(request):
        template = f"{template}#{region}"
    response = render(request, template, context, status=status)
    # Same URL, two bodies: anything caching the answer must key it on the header.
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Pages of a list --------------------------------------------------------------------


def paginate(request: HttpRequest, queryset, *, size: int, param: str = "page") -> Page:
    """One page of ``queryset``; a missing, bad or out-of-range number gives the first or last page."""
    return Paginator(queryset, size).get_page(request.GET.get(param))


def query_without(request: HttpRequest, param: str = "page") -> str:
    """The current query string without the page number, for the links of ``pagination.html``."""
    query = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()


# --- Where to go next ---------------------------------------------------------------------


class NextForm(forms.Form):
    """``next``: a path on this site, or nothing.

    Only a path (``/flags/?state=open``) is accepted: ``redirect()`` would take any other
    string for a URL *name* and fail after the action was done.
    """

    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, request: HttpRequest):
        super().__init__({"next": request.POST.get("next") or request.GET.get("next") or ""})
        self.request = request

    def clean_next(self) -> str:
        candidate = self.cleaned_data["next"]
        if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
            return ""
        if not url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return ""
        return candidate


def next_url(request: HttpRequest, default: str = "") -> str:
    """The request's ``next`` if it is a safe path on this site, else ``default`` (a URL, a name or "")."""
    form = NextForm(request)
    if form.is_valid() and form.cleaned_data["next"]:
        return form.cleaned_data["next"]
    return resolve_url(default) if default else ""


def redirect_next(request: HttpRequest, default: str, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
    """Redirect to the safe ``next`` of the request, else to ``default`` (a URL name with its arguments, or a URL)."""
    form = NextForm(request)
    if form.is_valid() and form.cleaned_data["next"]:
        return HttpResponseRedirect(form.cleaned_data["next"])
    return HttpResponseRedirect(resolve_url(default, *args, **kwargs))


# --- A form handed to a service ----------------------------------------------------------


@dataclass
class Submission:
    """How a POST went: ``ok`` with the service's ``result``, or the form to show again with its status."""

    form: forms.Form
    ok: bool = False
    result: Any = None
    status: int = 200
    #: The record as it is now, when someone else changed it meanwhile (409).
    current: Any = None


def conflict_form(form_class: type[forms.Form], request: HttpRequest, conflict: EditConflict, **form_kwargs):
    """The person's input kept, with the current version, so a deliberate second save can win.

    A record that vanished meanwhile (deleted, not changed) is a 404: nothing left to edit.
    """
    if conflict.current is None:
        raise Http404(_("This record no longer exists."))
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    form = form_class(data, **form_kwargs)
    form.is_valid()
    return form


def submit(
    request: HttpRequest,
    form: forms.Form,
    service: Callable[[dict], Any],
    *,
    form_kwargs: dict | None = None,
    denied_field: str | None = None,
    conflict_message: bool = False,
) -> Submission:
    """Validate ``form``, call ``service(cleaned_data)``, and say how it went.

    Invalid input or a service's ``ValidationError`` → 422 with the errors next to their
    fields; an ``EditConflict`` → 409 with the person's input and the current record;
    ``PermissionDenied`` is a 403 unless ``denied_field`` names the field it is about
    (allowed to edit, not to put it there), then a 422 next to that field.
    """
    if not form.is_valid():
        return Submission(form, status=422)
    try:
        result = service(form.cleaned_data)
    except EditConflict as conflict:
        form = conflict_form(type(form), request, conflict, **(form_kwargs or {}))
        if conflict_message:
            form.add_error(None, str(conflict.message))
        return Submission(form, status=409, current=conflict.current)
    except ValidationError as error:
        add_service_errors(form, error)
        return Submission(form, status=422)
    except PermissionDenied as error:
        if denied_field is None:
            raise
        form.add_error(denied_field, str(error))
        return Submission(form, status=422)
    return Submission(form, ok=True, result=result)

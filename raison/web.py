"""What every page of Raison does the same way: htmx regions, pages of a list, where to go
next, and the answer to a form whose service refused or found the record changed.

Only Django and django-htmx here (and the project's own ``raison.editing`` and
``raison.models``): the apps' views build on it, it knows none of them.

Every value a request brings goes through a form field first: query parameters
(``read_query``), page numbers, ``next`` and create-form tokens. A NUL byte, a
100,000-character string or a Unicode digit is then an ignored parameter or a message
next to a field, never a database error.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from raison.editing import EditConflict, add_service_errors
from raison.models import FormToken
from raison.paging import CappedPaginator

# --- Query parameters -------------------------------------------------------------------


class SearchField(forms.CharField):
    """What someone typed in a search box: spaces collapsed, at most 200 characters, no NUL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_python(self, value):
        return " ".join(str(super().to_python(value)).split())


def read_query(request: HttpRequest, form_class: type[forms.Form], **form_kwargs) -> dict:
    """The query parameters ``form_class`` declares, cleaned.

    A parameter that does not pass its field (a NUL byte, too long, not a number, not
    one of the choices) counts as absent: a crafted link shows the page as if it had
    not been given, rather than an error page for a value nobody typed.
    """
    form = form_class(request.GET, **form_kwargs)
    form.is_valid()
    return {
        name: form.cleaned_data[name] if name in form.cleaned_data else field.to_python("")
        for name, field in form.fields.items()
    }


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


class _PageNumberForm(forms.Form):
    number = forms.IntegerField(required=False, min_value=1, max_value=10**9)


def paginate(request: HttpRequest, queryset, *, size: int, param: str = "page", cap: int | None = None) -> Page:
    """One page of ``queryset``; a missing or bad number gives the first page, one too far the last.

    At most ``cap`` rows are counted (see ``raison.paging``): a list of a million rows says
    "more than …" instead of counting them all on every page.
    """
    form = _PageNumberForm({"number": request.GET.get(param, "")})
    number = form.cleaned_data["number"] if form.is_valid() else None
    paginator = CappedPaginator(queryset, size) if cap is None else CappedPaginator(queryset, size, cap=cap)
    return paginator.get_page(number)


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


class OneTimeForm(forms.Form):
    """A create form that creates once, however often it is sent.

    The token is issued with the form (a fresh one for each rendering) and travels in a
    hidden field; ``submit(..., once=kind)`` consumes it with the create. A form sent
    without one (a page opened before tokens existed, a script) still works, without
    the protection.
    """

    form_token = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$", required=False, widget=forms.HiddenInput, max_length=64
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_token"].initial = secrets.token_urlsafe(24)


@dataclass
class Submission:
    """How a POST went: ``ok`` with the service's ``result``, or the form to show again with its status."""

    form: forms.Form
    ok: bool = False
    result: Any = None
    status: int = 200
    #: The record as it is now, when someone else changed it meanwhile (409).
    current: Any = None
    #: The primary key of the record this same form created before (a resend or a double click).
    already_created: int | None = None


def already_sent_message() -> str:
    return _("This form had already been sent: it created nothing more. Here is what it created.")


class _AlreadySent(Exception):
    def __init__(self, claim: FormToken | None):
        self.claim = claim


def _once(request: HttpRequest, token: str, kind: str, create: Callable[[], Any]) -> Any:
    """Run ``create`` and consume ``token`` in one transaction, or raise ``_AlreadySent``."""
    try:
        with transaction.atomic():
            claim = FormToken.objects.create(token=token, user=request.user, kind=kind)
            result = create()
            claim.object_id = result.pk
            claim.save(update_fields=["object_id"])
            return result
    except IntegrityError:
        # The same token was consumed first (on PostgreSQL this insert waited for that
        # transaction to commit). Other integrity errors come from the service: re-raise.
        claim = FormToken.objects.filter(token=token).first()
        if claim is None:
            raise
        raise _AlreadySent(claim if claim.user_id == request.user.pk and claim.kind == kind else None) from None


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
    once: str | None = None,
) -> Submission:
    """Validate ``form``, call ``service(cleaned_data)``, and say how it went.

    Invalid input or a service's ``ValidationError`` → 422 with the errors next to their
    fields; an ``EditConflict`` → 409 with the person's input and the current record;
    ``PermissionDenied`` is a 403 unless ``denied_field`` names the field it is about
    (allowed to edit, not to put it there), then a 422 next to that field.

    With ``once`` (what the form creates, e.g. "objective"), the form's one-time token
    is consumed with the create: sent again, the form creates nothing and the answer
    names the record created the first time (``already_created``).
    """
    if not form.is_valid():
        return Submission(form, status=422)
    token = form.cleaned_data.get("form_token") if once else None
    try:
        if token:
            result = _once(request, token, once, lambda: service(form.cleaned_data))
        else:
            result = service(form.cleaned_data)
    except _AlreadySent as sent:
        if sent.claim is None:
            # Another person's token, or another form's: nothing of theirs to show.
            form.add_error(None, _("This form was already sent. Reload the page to start again."))
            return Submission(form, status=409)
        return Submission(form, ok=True, already_created=sent.claim.object_id)
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

"""Links between records, each with a one-sentence rationale: practice → objective,
practice → means, means → objective; unlinking offers an undo.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practices import services
from practices.forms import LinkMeansForm, LinkObjectiveForm
from practices.views.access import get_means, get_means_for_edit, get_objective, get_practice_for_edit
from practices.views.pages import changed, means_page, practice_page
from practices.views.undo import Undo
from raison.editing import add_service_errors
from raison.web import wants_region


@dataclass(frozen=True)
class _LinkKind:
    subject: str  # "practice" or "means": the record whose page it is
    target: str  # "objective" or "means": what it is linked to
    form_class: type
    link: object
    unlink: object
    region: str
    undo_url: str


_PRACTICE_OBJECTIVE = _LinkKind(
    "practice",
    "objective",
    LinkObjectiveForm,
    services.practice_link_objective,
    services.practice_unlink_objective,
    "why",
    "practices:practice_undo_unlink_objective",
)
_PRACTICE_MEANS = _LinkKind(
    "practice",
    "means",
    LinkMeansForm,
    services.practice_link_means,
    services.practice_unlink_means,
    "means",
    "practices:practice_undo_unlink_means",
)
_MEANS_OBJECTIVE = _LinkKind(
    "means",
    "objective",
    LinkObjectiveForm,
    services.means_link_objective,
    services.means_unlink_objective,
    "why",
    "practices:means_undo_unlink_objective",
)


def _subject_for_edit(request: HttpRequest, kind: _LinkKind, pk: int):
    return get_practice_for_edit(request, pk) if kind.subject == "practice" else get_means_for_edit(request, pk)


def _subject_page(request, kind: _LinkKind, subject, **kwargs) -> HttpResponse:
    page = practice_page if kind.subject == "practice" else means_page
    return page(request, subject, **kwargs)


def _subject_url(kind: _LinkKind, subject) -> str:
    return reverse(f"practices:{kind.subject}_detail", kwargs={"pk": subject.pk}) + f"#{kind.region}"


def _link(request: HttpRequest, kind: _LinkKind, pk: int, *, restoring: bool) -> HttpResponse:
    subject = _subject_for_edit(request, kind, pk)
    form = kind.form_class(request.POST, auto_id=f"link-{kind.target}-%s")
    if form.is_valid():
        target = form.cleaned_data[kind.target]
        try:
            ends = {kind.subject: subject, kind.target: target}
            kind.link(**ends, by=request.user, rationale=form.cleaned_data["rationale"])
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _subject_page(request, kind, subject, region=kind.region, status=422, **{f"{kind.target}_form": form})
    notice = _("Link restored.") if restoring else _("Linked to “%(name)s”.") % {"name": target}
    if not wants_region(request):
        messages.success(request, notice)
        return changed(redirect(_subject_url(kind, subject)))
    return changed(_subject_page(request, kind, subject, region=kind.region, **{f"{kind.target}_notice": notice}))


def _unlink(request: HttpRequest, kind: _LinkKind, pk: int, target_pk: int) -> HttpResponse:
    subject = _subject_for_edit(request, kind, pk)
    target = get_objective(target_pk) if kind.target == "objective" else get_means(request, target_pk)
    try:
        removed = kind.unlink(**{kind.subject: subject, kind.target: target}, by=request.user)
    except ValidationError as error:
        # Already unlinked, in another tab or by a colleague: say so, and show the current links.
        message = " ".join(error.messages)
        if not wants_region(request):
            messages.error(request, message)
            return redirect(_subject_url(kind, subject))
        notice = {f"{kind.target}_notice": message}
        return _subject_page(request, kind, subject, region=kind.region, status=422, **notice)
    undo = Undo(
        action_url=reverse(kind.undo_url, kwargs={"pk": subject.pk}),
        field=kind.target,
        target_pk=target.pk,
        target_name=str(target),
        rationale=removed.rationale,
    )
    if not wants_region(request):
        undo.remember(request, kind.subject, subject.pk)
        return changed(redirect(_subject_url(kind, subject)))
    return changed(_subject_page(request, kind, subject, region=kind.region, **{f"{kind.target}_undo": undo}))


@login_required
@require_POST
def practice_link_objective(request: HttpRequest, pk: int) -> HttpResponse:
    return _link(request, _PRACTICE_OBJECTIVE, pk, restoring=False)


@login_required
@require_POST
def practice_unlink_objective(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    return _unlink(request, _PRACTICE_OBJECTIVE, pk, objective_pk)


@login_required
@require_POST
def practice_undo_unlink_objective(request: HttpRequest, pk: int) -> HttpResponse:
    return _link(request, _PRACTICE_OBJECTIVE, pk, restoring=True)


@login_required
@require_POST
def practice_link_means(request: HttpRequest, pk: int) -> HttpResponse:
    return _link(request, _PRACTICE_MEANS, pk, restoring=False)


@login_required
@require_POST
def practice_unlink_means(request: HttpRequest, pk: int, means_pk: int) -> HttpResponse:
    return _unlink(request, _PRACTICE_MEANS, pk, means_pk)


@login_required
@require_POST
def practice_undo_unlink_means(request: HttpRequest, pk: int) -> HttpResponse:
    return _link(request, _PRACTICE_MEANS, pk, restoring=True)


@login_required
@require_POST
def means_link_objective(request: HttpRequest, pk: int) -> HttpResponse:
    return _link(request, _MEANS_OBJECTIVE, pk, restoring=False)


@login_required
@require_POST
def means_unlink_objective(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    return _unlink(request, _MEANS_OBJECTIVE, pk, objective_pk)


@login_required
@require_POST
def means_undo_unlink_objective(request: HttpRequest, pk: int) -> HttpResponse:
    return _link(request, _MEANS_OBJECTIVE, pk, restoring=True)

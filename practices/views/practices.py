"""The practices: list, page, create, edit, status, retire, and “I practise this”."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from org import roles
from practices import selectors, services
from practices.forms import (
    PracticeCreateForm,
    PracticeFilterForm,
    PracticeForm,
    PracticeRetireForm,
    PracticeStatusForm,
    PractiseForm,
    RecordPageQuery,
)
from practices.models import PracticeStatus
from practices.views.access import get_practice, get_practice_for_edit, read_practice, require_some_managed_unit
from practices.views.pages import changed, practice_page
from practices.views.undo import Undo
from raison.editing import EditConflict
from raison.web import (
    already_sent_message,
    paginate,
    query_without,
    read_query,
    redirect_next,
    render_region,
    submit,
    wants_region,
)

PAGE_SIZE = 25
_PRACTICE_REGIONS = {"why", "means", "practise", "flags", "audience"}


def _form_context(form, practice, *, current=None) -> dict:
    """What practices/record_form.html needs (the skeleton shared by the means and practice forms)."""
    return {"form": form, "kind": "practice", "record": practice, "practice": practice, "current": current}


@login_required
@require_GET
def practice_list(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for_filter()
    filters = PracticeFilterForm(request.GET or None, units=units)
    context = {
        "kind": "practice",
        "filters": filters,
        "page_obj": paginate(request, selectors.practice_list(**filters.filters()), size=PAGE_SIZE),
        "query": query_without(request),
        "can_create": roles.is_manager(request.user),
    }
    return render_region(request, "practices/practice_list.html", context, region="results")


@login_required
@require_GET
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = read_practice(request, pk)
    region = read_query(request, RecordPageQuery, regions=_PRACTICE_REGIONS)["region"]
    return practice_page(
        request,
        practice,
        region=region or None,
        **Undo.recall(request, "practice", practice.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    require_some_managed_unit(request)
    units = selectors.managed_units(request.user)
    form = PracticeCreateForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        outcome = submit(
            request,
            form,
            lambda data: services.practice_create(
                by=request.user,
                name=data["name"],
                unit=data["unit"],
                description=data["description"],
                personal_benefit=data["personal_benefit"],
            ),
            once="practice",
        )
        if outcome.already_created:
            messages.info(request, already_sent_message())
            return redirect("practices:practice_detail", pk=outcome.already_created)
        if outcome.ok:
            practice = outcome.result
            messages.success(
                request,
                _("“%(name)s” was created. Now say why it exists: link it to an objective.") % {"name": practice.name},
            )
            return redirect("practices:practice_detail", pk=practice.pk)
        status = outcome.status
    return render_region(request, "practices/practice_form.html", _form_context(form, None), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_practice_for_edit(request, pk)
    if request.method == "GET":
        form = PracticeForm.for_practice(practice)
        return render_region(request, "practices/practice_form.html", _form_context(form, practice))
    outcome = submit(
        request,
        PracticeForm(request.POST),
        lambda data: services.practice_update(
            practice=practice,
            by=request.user,
            expected_version=data["version"],
            name=data["name"],
            description=data["description"],
            personal_benefit=data["personal_benefit"],
        ),
        conflict_message=True,
    )
    if outcome.ok:
        messages.success(request, _("Saved."))
        return redirect("practices:practice_detail", pk=practice.pk)
    context = _form_context(outcome.form, practice, current=outcome.current)
    return render_region(request, "practices/practice_form.html", context, status=outcome.status)


@login_required
@require_POST
def practice_status(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_practice_for_edit(request, pk)
    if practice.status not in (PracticeStatus.ACTIVE, PracticeStatus.RETIRED):
        form = PracticeStatusForm(request.POST)
        form.is_valid()
        form.add_error(None, _("A proposal is adopted or declined on the proposals page."))
        return practice_page(request, practice, status=422, status_form=form)
    outcome = submit(
        request,
        PracticeStatusForm(request.POST),
        lambda data: services.practice_set_status(
            practice=practice, by=request.user, status=data["status"], expected_version=data["version"]
        ),
        conflict_message=True,
    )
    if outcome.ok:
        messages.success(request, _("Status changed to “%(status)s”.") % {"status": practice.get_status_display()})
        return changed(redirect("practices:practice_detail", pk=practice.pk))
    if outcome.current is not None:
        practice = get_practice(request, pk)
    return practice_page(request, practice, status=outcome.status, status_form=outcome.form)


@login_required
@require_POST
def practice_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire from anywhere (the flags inbox, for one); htmx callers refresh on the event."""
    practice = get_practice_for_edit(request, pk)
    form = PracticeRetireForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.practice_retire(practice=practice, by=request.user, expected_version=version)
    except EditConflict as conflict:
        messages.error(request, str(conflict.message))
        return redirect("practices:practice_detail", pk=practice.pk)
    if wants_region(request):
        return changed(HttpResponse(status=204))
    messages.success(request, _("“%(name)s” is retired.") % {"name": practice.name})
    return changed(redirect_next(request, "practices:practice_detail", pk=practice.pk))


@login_required
@require_POST
def practise(request: HttpRequest, pk: int) -> HttpResponse:
    """“I practise this” (or no longer): the form says which, so a double click does no harm."""
    practice = get_practice(request, pk)
    form = PractiseForm(request.POST)
    form.is_valid()
    try:
        if form.cleaned_data.get("practising"):
            services.practice_mark_practising(practice=practice, by=request.user)
        else:
            services.practice_unmark_practising(
                practice=practice, by=request.user, reason=form.cleaned_data.get("reason") or ""
            )
    except ValidationError as error:
        if not wants_region(request):
            messages.error(request, " ".join(error.messages))
            return redirect("practices:practice_detail", pk=practice.pk)
        return practice_page(request, practice, region="practise", status=422, practise_error=" ".join(error.messages))
    if not wants_region(request):
        return redirect("practices:practice_detail", pk=practice.pk)
    return practice_page(request, get_practice(request, pk), region="practise")

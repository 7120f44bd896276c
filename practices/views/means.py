"""The means: list, page, create, edit, status, and the search-as-you-type of the means link form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from org import roles
from practices import selectors, services
from practices.forms import (
    MeansCreateForm,
    MeansFilterForm,
    MeansForm,
    MeansSearchQuery,
    MeansStatusForm,
    RecordPageQuery,
)
from practices.views.access import get_means, get_means_for_edit, read_means, require_some_managed_unit
from practices.views.pages import changed, means_page
from practices.views.undo import Undo
from raison.web import already_sent_message, paginate, query_without, read_query, render_region, submit

PAGE_SIZE = 25
_MEANS_REGIONS = {"why", "flags", "audience"}


def _form_context(form, means, *, current=None) -> dict:
    """What practices/record_form.html needs (the skeleton shared by the means and practice forms)."""
    return {"form": form, "kind": "means", "record": means, "means": means, "current": current}


@login_required
@require_GET
def means_list(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for_filter()
    filters = MeansFilterForm(request.GET or None, units=units)
    context = {
        "kind": "means",
        "filters": filters,
        "page_obj": paginate(request, selectors.means_list(**filters.filters()), size=PAGE_SIZE),
        "query": query_without(request),
        "can_create": roles.is_manager(request.user),
    }
    return render_region(request, "practices/means_list.html", context, region="results")


@login_required
@require_GET
def means_detail(request: HttpRequest, pk: int) -> HttpResponse:
    means = read_means(request, pk)
    region = read_query(request, RecordPageQuery, regions=_MEANS_REGIONS)["region"]
    return means_page(
        request,
        means,
        region=region or None,
        **Undo.recall(request, "means", means.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def means_create(request: HttpRequest) -> HttpResponse:
    require_some_managed_unit(request)
    units = selectors.managed_units(request.user)
    form = MeansCreateForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        outcome = submit(
            request,
            form,
            lambda data: services.means_create(
                by=request.user,
                name=data["name"],
                kind=data["kind"],
                unit=data["unit"],
                description=data["description"],
                url=data["url"],
            ),
            once="means",
        )
        if outcome.already_created:
            messages.info(request, already_sent_message())
            return redirect("practices:means_detail", pk=outcome.already_created)
        if outcome.ok:
            means = outcome.result
            messages.success(
                request,
                _("“%(name)s” was created. Now say why it exists: link it to an objective.") % {"name": means.name},
            )
            return redirect("practices:means_detail", pk=means.pk)
        status = outcome.status
    return render_region(request, "practices/means_form.html", _form_context(form, None), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def means_edit(request: HttpRequest, pk: int) -> HttpResponse:
    means = get_means_for_edit(request, pk)
    if request.method == "GET":
        form = MeansForm.for_means(means)
        return render_region(request, "practices/means_form.html", _form_context(form, means))
    outcome = submit(
        request,
        MeansForm(request.POST),
        lambda data: services.means_update(
            means=means,
            by=request.user,
            expected_version=data["version"],
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            url=data["url"],
        ),
        conflict_message=True,
    )
    if outcome.ok:
        messages.success(request, _("Saved."))
        return redirect("practices:means_detail", pk=means.pk)
    context = _form_context(outcome.form, means, current=outcome.current)
    return render_region(request, "practices/means_form.html", context, status=outcome.status)


@login_required
@require_POST
def means_status(request: HttpRequest, pk: int) -> HttpResponse:
    means = get_means_for_edit(request, pk)
    outcome = submit(
        request,
        MeansStatusForm(request.POST),
        lambda data: services.means_set_status(
            means=means, by=request.user, status=data["status"], expected_version=data["version"]
        ),
        conflict_message=True,
    )
    if outcome.ok:
        messages.success(request, _("Status changed to “%(status)s”.") % {"status": means.get_status_display()})
        return changed(redirect("practices:means_detail", pk=means.pk))
    if outcome.current is not None:
        means = get_means(request, pk)
    return means_page(request, means, status=outcome.status, status_form=outcome.form)


@login_required
@require_GET
def means_search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for the practice page's means link form (contract in practices/means_search.html)."""
    params = read_query(request, MeansSearchQuery)
    practice_pk = params["practice"]
    results = selectors.means_candidates(params["means_q"], exclude_practice=practice_pk)
    context = {
        "q": params["means_q"],
        "results": results,
        "field_name": params["name"],
        "selected": "",
        "excluding": practice_pk is not None,
    }
    return render_region(request, "practices/means_search.html", context, region="results")

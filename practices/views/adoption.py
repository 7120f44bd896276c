"""Whom a practice or means is meant for: the managers of its unit say it, adoption follows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practices import services
from practices.forms import AudienceForm
from practices.views.access import get_means_for_edit, get_practice_for_edit
from practices.views.pages import means_page, practice_page
from raison.web import submit, wants_region


def _set_audience(request: HttpRequest, record, page, detail_url: str) -> HttpResponse:
    done = submit(
        request,
        AudienceForm(request.POST, auto_id="audience-%s"),
        lambda data: services.set_audience(record=record, by=request.user, units=data["units"], role=data["role"]),
    )
    if done.ok and not wants_region(request):
        return redirect(detail_url, pk=record.pk)
    if done.ok:
        return page(request, record, region="audience", audience_notice=_("Saved: adoption is measured against them."))
    return page(request, record, region="audience", status=done.status, audience_form=done.form)


@login_required
@require_POST
def practice_audience(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_practice_for_edit(request, pk)
    return _set_audience(request, practice, practice_page, "practices:practice_detail")


@login_required
@require_POST
def means_audience(request: HttpRequest, pk: int) -> HttpResponse:
    means = get_means_for_edit(request, pk)
    return _set_audience(request, means, means_page, "practices:means_detail")

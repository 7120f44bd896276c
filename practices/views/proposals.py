"""Proposals: anyone proposes a practice; a manager of its unit adopts it under an objective or declines it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from practices import services
from practices.forms import AdoptForm, DeclineForm, ProposeForm
from practices.views.access import get_proposal_for_decision
from practices.views.pages import changed, proposal_units, proposals_page
from raison.web import submit, wants_region


@login_required
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    return proposals_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return proposals_page(request)
    outcome = submit(
        request,
        ProposeForm(request.POST, auto_id="propose-%s", units=proposal_units(request)),
        lambda data: services.practice_propose(
            by=request.user, name=data["name"], description=data["description"], unit=data.get("unit")
        ),
    )
    if outcome.ok:
        messages.success(
            request,
            _("Thank you. “%(name)s” now waits for a manager to adopt it under an objective.")
            % {"name": outcome.result.name},
        )
        return changed(redirect("practices:proposals"))
    return proposals_page(request, status=422, propose_form=outcome.form)


def _decided(request: HttpRequest, message: str) -> HttpResponse:
    if not wants_region(request):
        messages.success(request, message)
        return changed(redirect("practices:proposals"))
    return changed(proposals_page(request, region="decide", notice=message))


@login_required
@require_POST
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_proposal_for_decision(request, pk)
    outcome = submit(
        request,
        AdoptForm(request.POST, auto_id=f"adopt-{pk}-%s"),
        lambda data: services.practice_adopt(
            practice=practice, by=request.user, objective=data["objective"], rationale=data["rationale"]
        ),
    )
    if not outcome.ok:
        return proposals_page(request, region="decide", status=422, decided_pk=practice.pk, adopt_form=outcome.form)
    message = _("“%(name)s” is adopted under “%(objective)s”.") % {
        "name": practice.name,
        "objective": outcome.form.cleaned_data["objective"],
    }
    return _decided(request, message)


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_proposal_for_decision(request, pk)
    outcome = submit(
        request,
        DeclineForm(request.POST, auto_id=f"decline-{pk}-%s"),
        lambda data: services.practice_decline(practice=practice, by=request.user, reason=data["reason"]),
    )
    if not outcome.ok:
        return proposals_page(request, region="decide", status=422, decided_pk=practice.pk, decline_form=outcome.form)
    message = _("“%(name)s” is declined; the person who proposed it will see why.") % {"name": practice.name}
    return _decided(request, message)

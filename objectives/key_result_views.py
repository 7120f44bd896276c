"""Key result pages: set a measure on an objective, check in on it, read its history.

Managers of the objective's unit (executives for a strategic objective) set and change key
results; their owner and those managers check in. Everyone signed in reads them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from objectives import key_results, selectors, services
from objectives.forms import CheckInForm, KeyResultEditForm, KeyResultForm
from objectives.models import Confidence, KeyResult, Objective
from org.models import Membership, Unit
from raison.web import paginate, render_region, submit, wants_region

CHECK_INS_PER_PAGE = 20


def _objective(pk: int) -> Objective:
    objective = selectors.objective_for_page(pk)
    if objective is None:
        raise Http404(_("No such objective."))
    return objective


def _key_result(pk: int) -> KeyResult:
    key_result = selectors.key_result_for_page(pk)
    if key_result is None:
        raise Http404(_("No such key result."))
    return key_result


def _owner_choices(objective: Objective):
    """People of the objective's unit and the units around it: who could own one of its measures."""
    units = Unit.objects.subtree_of([objective.unit_id]).values("pk")
    people = Membership.objects.filter(unit__in=units).values("user_id")
    return get_user_model().objects.filter(is_active=True, pk__in=people).order_by("first_name", "last_name", "pk")


def _objective_url(objective_id: int) -> str:
    return reverse("objectives:detail", args=[objective_id]) + "#key-results"


@login_required
@require_http_methods(["GET", "POST"])
def key_result_new(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective(pk)
    services.require_edit(request.user, objective)
    owners = _owner_choices(objective)
    form = KeyResultForm(request.POST or None, owners=owners, initial={"owner": request.user.pk})
    status = 200
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: key_results.key_result_create(by=request.user, objective=objective, **data),
        )
        if done.ok:
            messages.success(request, _("Key result added."))
            return redirect(_objective_url(objective.pk))
        form, status = done.form, done.status
    context = {"objective": objective, "form": form, "creating": True}
    return render(request, "objectives/key_result_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def key_result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(pk)
    objective = key_result.objective
    services.require_edit(request.user, objective)
    owners = _owner_choices(objective)
    initial = {name: getattr(key_result, name) for name in key_results.EDITABLE_FIELDS}
    initial["owner"] = key_result.owner_id
    initial["version"] = key_result.version
    form = KeyResultEditForm(request.POST or None, owners=owners, initial=initial)
    status = 200
    if request.method == "POST":

        def save(data):
            changes = {name: data[name] for name in key_results.EDITABLE_FIELDS}
            return key_results.key_result_update(key_result, changes, by=request.user, expected_version=data["version"])

        done = submit(request, form, save, form_kwargs={"owners": owners}, conflict_message=True)
        if done.ok:
            messages.success(request, _("Key result saved."))
            return redirect(_objective_url(objective.pk))
        form, status = done.form, done.status
    return render(
        request,
        "objectives/key_result_form.html",
        {"objective": objective, "key_result": key_result, "form": form, "creating": False},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_result_delete(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(pk)
    services.require_edit(request.user, key_result.objective)
    if request.method == "POST":
        objective_id = key_result.objective_id
        key_results.key_result_delete(key_result, by=request.user)
        messages.success(request, _("Key result removed; its check-ins went with it."))
        return redirect(_objective_url(objective_id))
    return render(request, "objectives/key_result_delete.html", {"key_result": key_result})


@login_required
@require_GET
def key_result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(pk)
    page = paginate(request, selectors.key_result_check_ins(key_result), size=CHECK_INS_PER_PAGE)
    return render(
        request,
        "objectives/key_result_detail.html",
        {
            "key_result": key_result,
            "objective": key_result.objective,
            "sparkline": selectors.key_result_sparkline(key_result),
            "page_obj": page,
            "can_edit": services.can_edit_objective(request.user, key_result.objective),
            "can_check_in": key_results.can_check_in(request.user, key_result),
            "history": list(key_result.history.select_related("history_user").order_by("-history_date")[:20]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_result_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    key_result = _key_result(pk)
    if not key_results.can_check_in(request.user, key_result):
        raise PermissionDenied(_("Only the owner of this key result or a manager of its unit can check in."))
    form = CheckInForm(
        request.POST or None,
        initial={"value": key_result.current_value, "confidence": key_result.confidence or Confidence.ON_TRACK},
    )
    status = 200
    if request.method == "POST":
        done = submit(request, form, lambda data: key_results.check_in(by=request.user, key_result=key_result, **data))
        if done.ok:
            if wants_region(request):
                key_result = _key_result(pk)
                card = selectors.KeyResultCard(
                    key_result=key_result, sparkline=selectors.key_result_sparkline(key_result), can_check_in=True
                )
                response = render_region(request, "objectives/key_result_detail.html", {"card": card}, region="card")
                # The form asked to be replaced by itself (so errors stay in place);
                # once saved, the whole card is what changed.
                return retarget(reswap(response, "outerHTML"), f"#key-result-{key_result.pk}")
            messages.success(request, _("Check-in recorded."))
            return redirect(_objective_url(key_result.objective_id))
        form, status = done.form, done.status
    return render_region(
        request,
        "objectives/check_in_form.html",
        {"key_result": key_result, "form": form},
        region="check-in-form",
        status=status,
    )

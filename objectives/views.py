"""Objective pages: the tree, the list, one objective, and the forms that change them.

Everyone signed in reads everything; executives create strategic roots; managers
create sub-objectives under active objectives of their units, edit, change status,
re-parent and archive. Rights come from ``org.roles`` through
``objectives.services.can_edit_objective``; the services check again before writing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from objectives import key_results, selectors, services
from objectives.forms import (
    ObjectiveChildrenQuery,
    ObjectiveCreateForm,
    ObjectiveCreateQuery,
    ObjectiveEditForm,
    ObjectiveFilterForm,
    ObjectiveReparentForm,
    ObjectiveSearchQuery,
    ObjectiveStatusForm,
    ObjectiveStatusQuery,
)
from objectives.models import Objective, ObjectiveStatus
from objectives.progress import ROLL_UP_RULE
from org import roles
from raison.web import already_sent_message, paginate, query_without, read_query, render_region, submit, wants_region

PAGE_SIZE = 25


def _get_objective(pk: int) -> Objective:
    objective = selectors.objective_for_page(pk)
    if objective is None:
        raise Http404(_("No such objective."))
    return objective


def _get_objective_for_edit(request: HttpRequest, pk: int) -> Objective:
    objective = _get_objective(pk)
    services.require_edit(request.user, objective)
    return objective


# --- Reading ------------------------------------------------------------------------


def _show_archived(request: HttpRequest) -> bool:
    return request.GET.get("archived") == "1"


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    # Archived objectives are history, not strategy: hidden unless asked for.
    show_archived = _show_archived(request)
    roots = list(selectors.objective_roots(include_archived=show_archived))
    context = {
        "roots": roots,
        "show_archived": show_archived,
        "archived_count": selectors.archived_count(),
        "can_create_root": roles.is_executive(request.user),
        "can_create": roles.is_manager(request.user),
    }
    return render_region(request, "objectives/tree.html", context)


@login_required
@require_GET
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """Expand (or collapse with ``?collapse=1``) one node of the tree in place."""
    show_archived = _show_archived(request)
    node = selectors.objective_with_counts(pk, include_archived=show_archived)
    if node is None:
        raise Http404(_("No such objective."))
    if not wants_region(request):
        # Without JavaScript the objective page lists the children.
        return redirect("objectives:detail", pk=pk)
    expanded = read_query(request, ObjectiveChildrenQuery)["collapse"] != "1"
    kids = list(selectors.objective_children(node, include_archived=show_archived)) if expanded else []
    context = {
        "node": node,
        "node_children": kids,
        "expanded": expanded,
        "show_archived": show_archived,
        "can_create": roles.is_manager(request.user),
    }
    return render_region(request, "objectives/tree.html", context, region="node")


@login_required
@require_GET
def objective_list(request: HttpRequest) -> HttpResponse:
    form = ObjectiveFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.objective_list(
        q=(filters.get("q") or "").strip(),
        unit_id=filters["unit"].pk if filters.get("unit") else None,
        status=filters.get("status") or "",
        flagged=bool(filters.get("flagged")),
    )
    context = {
        "form": form,
        "page": paginate(request, queryset, size=PAGE_SIZE),
        "query": query_without(request),
        "filtered": bool(filters and any(filters.values())),
    }
    return render_region(request, "objectives/list.html", context, region="results")


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for link forms (see the contract in objectives/search.html)."""
    params = read_query(request, ObjectiveSearchQuery)
    results = selectors.objective_search(params["q"], active_only=params["status"] == "active")
    context = {"q": params["q"], "results": results, "field_name": params["name"]}
    return render_region(request, "objectives/search.html", context, region="results")


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _get_objective(pk)
    page = selectors.objective_page(objective)
    context = {
        "objective": objective,
        "page": page,
        "changes": _history_changes(page.history),
        "can_edit": services.can_edit_objective(request.user, objective),
        "can_add_child": objective.status == ObjectiveStatus.ACTIVE and roles.is_manager(request.user),
        "key_result_cards": selectors.key_result_cards(
            objective, user=request.user, can_check_in=key_results.can_check_in
        ),
        "recent_check_ins": selectors.recent_check_ins(objective),
        "roll_up_rule": ROLL_UP_RULE,
        "can_link_records": roles.is_manager(request.user),
    }
    return render_region(request, "objectives/detail.html", context)


_HISTORY_FIELDS = ("title", "statement", "status", "parent_id", "unit_id", "owner_id", "starts_on", "ends_on")


def _history_changes(records: list) -> list[dict]:
    """Each history record with the fields it changed (compared in memory, no query).

    Records loaded by COPY, ``bulk_create`` or an import have no history row at all.
    """
    if not records:
        return []
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if older is None and len(records) > 20:
            break  # the extra record was fetched only to diff the last one shown
        fields = []
        if older is not None:
            for name in _HISTORY_FIELDS:
                if getattr(newer, name) != getattr(older, name):
                    fields.append(Objective._meta.get_field(name.removesuffix("_id")).verbose_name)
        changes.append({"record": newer, "fields": fields, "created": newer.history_type == "+"})
    return changes


# --- Writing ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not roles.is_manager(request.user):
        raise PermissionDenied(_("Only executives and managers can create objectives."))
    status = 200
    if request.method == "POST":
        outcome = submit(
            request,
            ObjectiveCreateForm(request.POST, user=request.user),
            lambda data: services.objective_create(
                by=request.user, **{name: value for name, value in data.items() if name != "form_token"}
            ),
            form_kwargs={"user": request.user},
            denied_field="unit",
            once="objective",
        )
        if outcome.already_created:
            messages.info(request, already_sent_message())
            return redirect("objectives:detail", pk=outcome.already_created)
        if outcome.ok:
            objective = outcome.result
            messages.success(request, _("Objective “%(title)s” created.") % {"title": objective.title})
            return redirect("objectives:detail", pk=objective.pk)
        form, status = outcome.form, outcome.status
    else:
        initial = {}
        parent_id = read_query(request, ObjectiveCreateQuery)["parent"]
        if parent_id is not None:
            parent = Objective.objects.filter(pk=parent_id).only("pk", "unit_id").first()
            if parent is not None:
                initial["parent"] = parent.pk
                if roles.can_manage_unit(request.user, parent.unit_id):
                    initial["unit"] = parent.unit_id
        form = ObjectiveCreateForm(initial=initial, user=request.user)
    return render_region(
        request, "objectives/form.html", {"form": form, "mode": "create"}, region="form", status=status
    )


def _change(
    request: HttpRequest,
    pk: int,
    *,
    mode: str,
    form_class,
    initial,
    save,
    done,
    denied_field=None,
    with_objective=False,
):
    """One POST → service → 409/422 → redirect skeleton for every change to an existing objective.

    ``initial(objective)`` fills the form on GET, ``save(objective, data)`` calls the
    service, ``done(objective)`` is the success message. ``with_objective`` hands the
    objective to the form, for choices that depend on it (where it may move).
    """
    objective = _get_objective_for_edit(request, pk)
    form_kwargs = {"objective": objective} if with_objective else {}
    status, conflict = 200, None
    if request.method == "POST":
        outcome = submit(
            request,
            form_class(request.POST, **form_kwargs),
            lambda data: save(objective, data),
            form_kwargs=form_kwargs,
            denied_field=denied_field,
        )
        if outcome.ok:
            messages.success(request, done(objective))
            return redirect("objectives:detail", pk=objective.pk)
        form, status, conflict = outcome.form, outcome.status, outcome.current
        objective = _get_objective(pk)  # the service set the typed values on the instance it refused
    else:
        form = form_class(initial=initial(objective), **form_kwargs)
    context = {"form": form, "mode": mode, "objective": objective, "conflict": conflict}
    return render_region(request, "objectives/form.html", context, region="form", status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        mode="edit",
        form_class=ObjectiveEditForm,
        initial=ObjectiveEditForm.initial_for,
        save=lambda objective, data: services.objective_update(
            objective=objective,
            by=request.user,
            expected_version=data["version"],
            **{name: data[name] for name in ObjectiveEditForm.FIELDS},
        ),
        done=lambda objective: _("Objective “%(title)s” saved.") % {"title": objective.title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        mode="status",
        form_class=ObjectiveStatusForm,
        initial=lambda objective: {
            "status": read_query(request, ObjectiveStatusQuery)["status"] or objective.status,
            "version": objective.version,
        },
        save=lambda objective, data: services.objective_set_status(
            objective=objective, by=request.user, status=data["status"], expected_version=data["version"]
        ),
        done=lambda objective: (
            _("Status of “%(title)s”: %(status)s.")
            % {"title": objective.title, "status": objective.get_status_display()}
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reparent(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        mode="reparent",
        form_class=ObjectiveReparentForm,
        initial=lambda objective: {"parent": objective.parent_id, "version": objective.version},
        save=lambda objective, data: services.objective_reparent(
            objective=objective, by=request.user, parent=data["parent"], expected_version=data["version"]
        ),
        done=lambda objective: _("Objective “%(title)s” moved.") % {"title": objective.title},
        # Allowed to edit this objective but not to put it there: say so next to the field.
        denied_field="parent",
        with_objective=True,
    )

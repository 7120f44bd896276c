"""Objective pages: the tree, the list, one objective, and the forms that change them.

Everyone signed in reads everything; executives create strategic roots; managers
create sub-objectives under active objectives of their units, edit, change status,
re-parent and archive. Rights come from ``org.roles`` through
``objectives.services.can_edit_objective``; the services check again before writing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from objectives import selectors, services
from objectives.forms import (
    ObjectiveCreateForm,
    ObjectiveEditForm,
    ObjectiveFilterForm,
    ObjectiveReparentForm,
    ObjectiveStatusForm,
)
from objectives.models import Objective, ObjectiveStatus
from org import roles
from raison.editing import EditConflict, add_service_errors

PAGE_SIZE = 25


def _partial(request: HttpRequest) -> bool:
    """Render only the swapped region for htmx, but the whole page on a history restore."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _render(request: HttpRequest, template: str, partial: str | None, context: dict, status: int = 200) -> HttpResponse:
    name = f"{template}#{partial}" if partial and _partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _get_objective(pk: int) -> Objective:
    objective = selectors.objective_for_page(pk)
    if objective is None:
        raise Http404(_("No such objective."))
    return objective


def _get_objective_for_edit(request: HttpRequest, pk: int) -> Objective:
    objective = _get_objective(pk)
    services.require_edit(request.user, objective)
    return objective


def _conflict_form(form_class, request: HttpRequest, conflict: EditConflict, **kwargs):
    """The person's input kept, with the current version so a deliberate second save can win."""
    data = request.POST.copy()
    if conflict.current is not None:
        data["version"] = str(conflict.current.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


# --- Reading ------------------------------------------------------------------------


def _show_archived(request: HttpRequest) -> bool:
    return request.GET.get("archived") == "1"


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    # Archived objectives are history, not strategy: hidden unless asked for.
    show_archived = _show_archived(request)
    roots = list(selectors.objective_roots(include_archived=show_archived))
    return _render(
        request,
        "objectives/tree.html",
        None,
        {
            "roots": roots,
            "show_archived": show_archived,
            "archived_count": selectors.archived_count(),
            "can_create_root": roles.is_executive(request.user),
            "can_create": roles.is_manager(request.user),
        },
    )


@login_required
@require_GET
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """Expand (or collapse with ``?collapse=1``) one node of the tree in place."""
    show_archived = _show_archived(request)
    node = selectors.objective_with_counts(pk, include_archived=show_archived)
    if node is None:
        raise Http404(_("No such objective."))
    if not _partial(request):
        # Without JavaScript the objective page lists the children.
        return redirect("objectives:detail", pk=pk)
    expanded = request.GET.get("collapse") != "1"
    kids = list(selectors.objective_children(node, include_archived=show_archived)) if expanded else []
    return _render(
        request,
        "objectives/tree.html",
        "node",
        {
            "node": node,
            "node_children": kids,
            "expanded": expanded,
            "show_archived": show_archived,
            "can_create": roles.is_manager(request.user),
        },
    )


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
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "objectives/list.html",
        "results",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(filters and any(filters.values()))},
    )


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for link forms (see the contract in objectives/search.html)."""
    q = request.GET.get("q", "")[:200]
    field_name = request.GET.get("name", "")
    if field_name and not field_name.replace("_", "").isalnum():
        field_name = "objective"
    results = selectors.objective_search(q, active_only=request.GET.get("status") == "active")
    return _render(request, "objectives/search.html", "results", {"q": q, "results": results, "field_name": field_name})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _get_objective(pk)
    page = selectors.objective_page(objective)
    can_edit = services.can_edit_objective(request.user, objective)
    return _render(
        request,
        "objectives/detail.html",
        None,
        {
            "objective": objective,
            "page": page,
            "changes": _history_changes(page.history),
            "can_edit": can_edit,
            "can_add_child": objective.status == ObjectiveStatus.ACTIVE and roles.is_manager(request.user),
            "can_link_records": roles.is_manager(request.user),
        },
    )


_HISTORY_FIELDS = ("title", "statement", "status", "parent_id", "unit_id", "owner_id", "starts_on", "ends_on")


def _history_changes(records: list) -> list[dict]:
    """Each history record with the fields it changed (compared in memory, no query)."""
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
        form = ObjectiveCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                objective = services.objective_create(by=request.user, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error("unit", str(error))
            else:
                messages.success(request, _("Objective “%(title)s” created.") % {"title": objective.title})
                return redirect("objectives:detail", pk=objective.pk)
        status = 422
    else:
        initial = {}
        parent_id = request.GET.get("parent", "")
        if parent_id.isdigit():
            parent = Objective.objects.filter(pk=parent_id).only("pk", "unit_id").first()
            if parent is not None:
                initial["parent"] = parent.pk
                if roles.can_manage_unit(request.user, parent.unit_id):
                    initial["unit"] = parent.unit_id
        form = ObjectiveCreateForm(initial=initial, user=request.user)
    return _render(request, "objectives/form.html", "form", {"form": form, "mode": "create"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _get_objective_for_edit(request, pk)
    status, conflict = 200, None
    if request.method == "POST":
        form = ObjectiveEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.objective_update(
                    objective=objective,
                    by=request.user,
                    expected_version=data["version"],
                    **{name: data[name] for name in ObjectiveEditForm.FIELDS},
                )
            except EditConflict as error:
                conflict = error.current
                form = _conflict_form(ObjectiveEditForm, request, error)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
                status = 422
            else:
                messages.success(request, _("Objective “%(title)s” saved.") % {"title": objective.title})
                return redirect("objectives:detail", pk=objective.pk)
        else:
            status = 422
    else:
        form = ObjectiveEditForm(initial=ObjectiveEditForm.initial_for(objective))
    if status != 200:
        objective = _get_objective(pk)  # the service set the typed values on the instance it refused
    return _render(
        request,
        "objectives/form.html",
        "form",
        {"form": form, "mode": "edit", "objective": objective, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _get_objective_for_edit(request, pk)
    status, conflict = 200, None
    if request.method == "POST":
        form = ObjectiveStatusForm(request.POST)
        if form.is_valid():
            try:
                services.objective_set_status(
                    objective=objective,
                    by=request.user,
                    status=form.cleaned_data["status"],
                    expected_version=form.cleaned_data["version"],
                )
            except EditConflict as error:
                conflict = error.current
                form = _conflict_form(ObjectiveStatusForm, request, error)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
                status = 422
            else:
                messages.success(
                    request,
                    _("Status of “%(title)s”: %(status)s.")
                    % {"title": objective.title, "status": objective.get_status_display()},
                )
                return redirect("objectives:detail", pk=objective.pk)
        else:
            status = 422
    else:
        initial_status = request.GET.get("status", objective.status)
        form = ObjectiveStatusForm(initial={"status": initial_status, "version": objective.version})
    if status != 200:
        objective = _get_objective(pk)
    return _render(
        request,
        "objectives/form.html",
        "form",
        {"form": form, "mode": "status", "objective": objective, "conflict": conflict},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reparent(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _get_objective_for_edit(request, pk)
    status, conflict = 200, None
    if request.method == "POST":
        form = ObjectiveReparentForm(request.POST)
        if form.is_valid():
            try:
                services.objective_reparent(
                    objective=objective,
                    by=request.user,
                    parent=form.cleaned_data["parent"],
                    expected_version=form.cleaned_data["version"],
                )
            except EditConflict as error:
                conflict = error.current
                form = _conflict_form(ObjectiveReparentForm, request, error)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
                status = 422
            except PermissionDenied as error:
                # Allowed to edit this objective but not to put it there: say so next to the field.
                form.add_error("parent", str(error))
                status = 422
            else:
                messages.success(request, _("Objective “%(title)s” moved.") % {"title": objective.title})
                return redirect("objectives:detail", pk=objective.pk)
        else:
            status = 422
    else:
        form = ObjectiveReparentForm(initial={"parent": objective.parent_id, "version": objective.version})
    if status != 200:
        objective = _get_objective(pk)
    return _render(
        request,
        "objectives/form.html",
        "form",
        {"form": form, "mode": "reparent", "objective": objective, "conflict": conflict},
        status=status,
    )

"""Dashboard, flags inbox (resolve in place), notifications and the strategy map.

Everyone signed in reads everything (transparency is the point); acting on a flag is
for managers of the flagged record's unit (executives: everywhere below them), checked
through ``alignment.services`` / ``org.roles`` and again by the services called.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from alignment import selectors, services
from alignment.forms import AcknowledgeForm, FlagFilterForm, FlagLinkForm, MapFilterForm
from alignment.models import FLAG_SUBJECT, Flag, Notification
from objectives.selectors import objective_search
from org import roles
from practices import services as practice_services
from raison.editing import add_service_errors
from raison.web import next_url, paginate, query_without, redirect_next, render_region, wants_region

#: Flags counted at most by the inbox.
INBOX_COUNT_CAP = 1000
PAGE_SIZE = 20
FLAGS_CHANGED = "flags-changed"


def _get_flag(pk: int) -> Flag:
    flag = selectors.flag_for_action(pk)
    if flag is None:
        raise Http404(_("No such flag."))
    return flag


def _get_flag_for_action(request: HttpRequest, pk: int) -> Flag:
    flag = _get_flag(pk)
    services.require_flag_manager(request.user, flag)
    if flag.resolved_at is not None:
        raise Http404(_("This flag is resolved: nothing left to do."))
    return flag


def _get_notification_for_owner(request: HttpRequest, pk: int) -> Notification:
    notification = selectors.notifications_for(request.user).filter(pk=pk).first()
    if notification is None:
        # Someone else's notification is as invisible as a missing one.
        raise Http404(_("No such notification."))
    return notification


# --- Dashboard ------------------------------------------------------------------------


_TREND_H, _TREND_STEP, _TREND_BAR = 100, 20, 8


def _trend_drawing(data: selectors.Dashboard) -> dict:
    """Bar heights for the 30-day chart, as SVG attributes (the CSP forbids inline styles)."""
    bars = []
    for index, day in enumerate(data.trend):
        raised_h = round(_TREND_H * day.raised / data.trend_max)
        resolved_h = round(_TREND_H * day.resolved / data.trend_max)
        x = index * _TREND_STEP + 2
        bars.append(
            {
                "day": day,
                "raised_x": x,
                "raised_y": _TREND_H - raised_h,
                "raised_h": raised_h,
                "resolved_x": x + _TREND_BAR,
                "resolved_y": _TREND_H - resolved_h,
                "resolved_h": resolved_h,
            }
        )
    return {"bars": bars, "width": len(bars) * _TREND_STEP + 4, "height": _TREND_H, "bar": _TREND_BAR}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard(request.user)
    context = {"data": data, "trend": _trend_drawing(data), "is_executive": roles.is_executive(request.user)}
    return render_region(request, "alignment/dashboard.html", context)


# --- Flags inbox ----------------------------------------------------------------------


def _flag_context(request: HttpRequest, flag: Flag) -> dict:
    subject_kind = FLAG_SUBJECT[flag.kind]
    return {
        "flag": flag,
        "subject_kind": subject_kind,
        "can_act": services.can_act_on_flag(request.user, flag) and flag.resolved_at is None,
        "can_link": subject_kind in ("practice", "means") and flag.resolved_at is None,
    }


@login_required
@require_GET
def flags_inbox(request: HttpRequest) -> HttpResponse:
    managed = roles.managed_unit_ids(request.user)
    # The owner already chosen stays offered (and valid), however old their flags.
    chosen = request.GET.get("owner", "")
    chosen_owner = Q(pk=int(chosen)) if chosen.isascii() and chosen.isdigit() else Q(pk__in=[])
    owners = get_user_model().objects.filter(Q(pk__in=selectors.flag_owner_ids()) | chosen_owner)
    owners = owners.order_by("first_name", "username")
    # Managers see their subtree first; everyone may widen to the whole organisation.
    data = request.GET.copy()
    data.setdefault("scope", "mine" if managed else "all")
    data.setdefault("state", "open")
    form = FlagFilterForm(data, owners=owners)
    filters = form.cleaned_data if form.is_valid() else {"scope": data["scope"], "state": "open"}
    queryset = selectors.inbox_flags(
        state=filters.get("state") or "open",
        kind=filters.get("kind") or "",
        unit_id=filters["unit"].pk if filters.get("unit") else None,
        owner_id=filters["owner"].pk if filters.get("owner") else None,
        within_units=managed if filters.get("scope") == "mine" else None,
    )
    # Counting a flag means joining it to its subject's unit: beyond a thousand, "more than" is enough.
    page = paginate(request, queryset, size=PAGE_SIZE, cap=INBOX_COUNT_CAP)
    items = [_flag_context(request, flag) for flag in page.object_list]
    return render_region(
        request,
        "alignment/flags_inbox.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "query": query_without(request),
            "page_query": request.GET.urlencode(),
            "state": filters.get("state") or "open",
            "scope": filters.get("scope"),
            "manages": bool(managed),
            "oob_messages": wants_region(request),
        },
        region="flag-list",
    )


def _auto_id(flag: Flag) -> str:
    # Several resolve panels can be open in the inbox at once: keep their ids unique.
    return f"id_flag{flag.pk}_%s"


def _flag_page(request: HttpRequest, flag: Flag, *, ack_form=None, link_form=None, status: int = 200) -> HttpResponse:
    context = _flag_context(request, flag)
    q = request.GET.get("q", "")[:200]
    results = objective_search(q, active_only=True) if q and context["can_link"] else []
    chosen = link_form.cleaned_data.get("objective") if link_form is not None and link_form.is_bound else None
    if chosen is not None:
        # Keep the person's choice when the form comes back with an error.
        q, results = chosen.title, [chosen]
    context.update(
        {
            "ack_form": ack_form or AcknowledgeForm(auto_id=_auto_id(flag)),
            "link_form": link_form or FlagLinkForm(auto_id=_auto_id(flag)),
            "q": q,
            # Without JavaScript, the search box submits here and the matches come back in the page.
            "results": results,
            "field_name": "objective",
            "next": next_url(request),
        }
    )
    return render_region(request, "alignment/flag.html", context, region="resolve", status=status)


@login_required
@require_GET
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_page(request, _get_flag(pk))


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        # The inbox list refreshes itself on this event (and shows the message).
        response = HttpResponse(status=204)
        return trigger_client_event(response, FLAGS_CHANGED)
    return redirect_next(request, "flags_inbox")


@login_required
@require_POST
def flag_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get_flag_for_action(request, pk)
    form = AcknowledgeForm(request.POST, auto_id=_auto_id(flag))
    if form.is_valid():
        try:
            services.flag_acknowledge(flag=flag, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, _("Flag accepted as an exception."))
    return _flag_page(request, flag, ack_form=form, status=422)


@login_required
@require_POST
def flag_link(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get_flag_for_action(request, pk)
    subject_kind = FLAG_SUBJECT[flag.kind]
    if subject_kind not in ("practice", "means"):
        raise Http404(_("Only a flagged practice or means can be linked to an objective."))
    form = FlagLinkForm(request.POST, auto_id=_auto_id(flag))
    if form.is_valid():
        objective, rationale = form.cleaned_data["objective"], form.cleaned_data["rationale"]
        try:
            if subject_kind == "practice":
                practice_services.practice_link_objective(
                    practice=flag.practice, objective=objective, by=request.user, rationale=rationale
                )
            else:
                practice_services.means_link_objective(
                    means=flag.means, objective=objective, by=request.user, rationale=rationale
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(
                request,
                _("“%(subject)s” now serves “%(objective)s”.") % {"subject": flag.subject, "objective": objective},
            )
    return _flag_page(request, flag, link_form=form, status=422)


@login_required
@require_POST
def flag_retire(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _get_flag_for_action(request, pk)
    subject_kind = FLAG_SUBJECT[flag.kind]
    try:
        if subject_kind == "practice":
            practice_services.practice_retire(practice=flag.practice, by=request.user)
        elif subject_kind == "means":
            practice_services.means_set_status(means=flag.means, by=request.user, status="retired")
        else:
            raise Http404(_("Objectives are archived from their own page."))
    except ValidationError as error:
        ack_form = AcknowledgeForm(auto_id=_auto_id(flag))
        ack_form.add_error(None, error)
        return _flag_page(request, flag, ack_form=ack_form, status=422)
    return _done(request, _("“%(subject)s” retired.") % {"subject": flag.subject})


# --- Notifications --------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    queryset = selectors.notifications_for(request.user).order_by("-created_at", "-pk")
    page = paginate(request, queryset, size=PAGE_SIZE)
    return render_region(request, "alignment/notifications.html", {"page": page}, region="list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _get_notification_for_owner(request, pk)
    services.notification_mark_read(notification=notification, by=request.user)
    if wants_region(request):
        notification.read_at = notification.read_at or timezone.now()
        return render_region(request, "alignment/notifications.html", {"n": notification}, region="item")
    return redirect_next(request, "notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(by=request.user)
    messages.success(
        request,
        ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", count)
        % {"count": count},
    )
    return redirect_next(request, "notifications")


# --- Strategy map ---------------------------------------------------------------------

_MAP_NODE_W, _MAP_NODE_H, _MAP_GAP_X, _MAP_ROW, _MAP_TOP = 150, 44, 20, 110, 16
#: Objectives deeper than this share the last objective row of the drawing.
_MAP_OBJECTIVE_ROWS = 3


def _map_drawing(data: selectors.StrategyMap) -> dict:
    """Positions for the layered SVG: objectives by depth on top, means in the middle, practices below."""
    depth_rows: list[list] = [[] for _ in range(_MAP_OBJECTIVE_ROWS)]
    for objective in data.objectives:
        depth_rows[min(getattr(objective, "tree_depth", 0), _MAP_OBJECTIVE_ROWS - 1)].append(objective)
    rows = [("objective", row) for row in depth_rows if row]
    rows += [("means", data.means), ("practice", data.practices)]
    widest = max(1, *(len(items) for _kind, items in rows))
    width = widest * (_MAP_NODE_W + _MAP_GAP_X) + _MAP_GAP_X
    positions: dict[tuple[str, int], tuple[int, int]] = {}
    nodes = []
    for row_index, (kind, items) in enumerate(rows):
        y = _MAP_TOP + row_index * _MAP_ROW
        offset = (width - len(items) * (_MAP_NODE_W + _MAP_GAP_X)) // 2 + _MAP_GAP_X // 2
        for index, item in enumerate(items):
            x = offset + index * (_MAP_NODE_W + _MAP_GAP_X)
            positions[(kind, item.pk)] = (x, y)
            label = getattr(item, "title", None) or item.name
            nodes.append(
                {
                    "kind": kind,
                    "x": x,
                    "y": y,
                    "text_x": x + 8,
                    "text_y": y + 27,
                    "label": label if len(label) <= 20 else label[:19] + "…",
                    "title": label,
                    "orphan": getattr(item, "orphan", False),
                }
            )
    edges = []

    def edge(lower, upper):
        if lower in positions and upper in positions:
            (x1, y1), (x2, y2) = positions[lower], positions[upper]
            edges.append({"x1": x1 + _MAP_NODE_W // 2, "y1": y1, "x2": x2 + _MAP_NODE_W // 2, "y2": y2 + _MAP_NODE_H})

    for objective in data.objectives:
        if objective.parent_id:
            edge(("objective", objective.pk), ("objective", objective.parent_id))
    for means in data.means:
        for link in means.objective_links.all():
            edge(("means", means.pk), ("objective", link.objective_id))
    for practice in data.practices:
        for link in practice.means_links.all():
            edge(("practice", practice.pk), ("means", link.means_id))
        for link in practice.objective_links.all():
            edge(("practice", practice.pk), ("objective", link.objective_id))
    return {
        "width": width,
        "height": _MAP_TOP + (len(rows) - 1) * _MAP_ROW + _MAP_NODE_H + _MAP_TOP,
        "nodes": nodes,
        "edges": edges,
        "node_w": _MAP_NODE_W,
        "node_h": _MAP_NODE_H,
    }


@login_required
@require_GET
def strategy_map(request: HttpRequest) -> HttpResponse:
    form = MapFilterForm(request.GET or None)
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    data = selectors.strategy_map(unit_id=unit.pk if unit else None)
    context = {"form": form, "map": data, "drawing": _map_drawing(data)}
    return render_region(request, "alignment/strategy_map.html", context, region="map")

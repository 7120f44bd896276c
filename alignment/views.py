"""Dashboard, flags inbox (resolve in place), notifications and the strategy map.

Everyone signed in reads everything (transparency is the point); acting on a flag is
for managers of the flagged record's unit (executives: everywhere below them), checked
through ``alignment.services`` / ``org.roles`` and again by the services called.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from alignment import map_layout, outcomes, search, selectors, services
from alignment.forms import (
    AcknowledgeForm,
    BulkFlagForm,
    FlagFilterForm,
    FlagLinkForm,
    FlagPageQuery,
    MapFilterForm,
    ObjectiveLinkRecordForm,
    SearchForm,
)
from alignment.models import FLAG_SUBJECT, Flag, FlagKind, Notification
from objectives.models import Objective
from objectives.selectors import objective_search
from org import roles
from practices import services as practice_services
from practices.models import Means, Practice
from raison import pagecache
from raison.editing import add_service_errors
from raison.web import next_url, paginate, query_without, read_query, redirect_next, render_region, wants_region

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
    # The organisation's figures are the same for everyone: the template keeps them in
    # shared regions (raison.pagecache), and these lazy values are read only to render
    # one afresh. What is this person's (notifications, their units) is read each time.
    data = SimpleLazyObject(selectors.dashboard)
    # This person's unread notifications: kept until theirs, or what they name, change.
    notifications, unread = pagecache.kept(
        request,
        "unread-notifications",
        [request.user.pk],
        lambda: selectors.unread_notifications(request.user),
        depends_on=(pagecache.RECORDS, pagecache.NOTIFICATIONS),
    )
    return render_region(
        request,
        "alignment/dashboard.html",
        {
            "data": data,
            "trend": SimpleLazyObject(lambda: _trend_drawing(data)),
            "is_executive": roles.is_executive(request.user),
            "is_manager": roles.is_manager(request.user),
            "has_unit": bool(roles.member_unit_ids(request.user)),
            "first_run": SimpleLazyObject(lambda: first_run if (first_run := selectors.first_run()).needed else None),
            "outcomes": SimpleLazyObject(outcomes.outcomes),
            # The same for every manager of the same units (and nothing for the others).
            "little_adopted": roles.is_manager(request.user)
            and pagecache.kept(
                request,
                "little-adopted",
                sorted(roles.managed_unit_ids(request.user)),
                lambda: outcomes.little_adopted(request.user),
            ),
            "notifications": notifications,
            "unread_count": unread,
        },
    )


# --- Flags inbox ----------------------------------------------------------------------


def _flag_context(request: HttpRequest, flag: Flag) -> dict:
    subject_kind = FLAG_SUBJECT[flag.kind]
    return {
        "flag": flag,
        "subject_kind": subject_kind,
        "can_act": services.can_act_on_flag(request.user, flag) and flag.resolved_at is None,
        "can_link": subject_kind in ("practice", "means") and flag.resolved_at is None,
    }


def inbox_filters(request: HttpRequest) -> tuple[FlagFilterForm, dict, QuerySet]:
    """The inbox's filter form, the filters in force and the flags they select (the CSV
    export uses the same, so it exports exactly what the inbox shows)."""
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
    return form, filters, queryset


@login_required
@require_GET
def flags_inbox(request: HttpRequest) -> HttpResponse:
    managed = roles.managed_unit_ids(request.user)
    form, filters, queryset = inbox_filters(request)
    # Counting a flag means joining it to its subject's unit: beyond a thousand, "more than" is enough.
    page = paginate(request, queryset, size=PAGE_SIZE, cap=INBOX_COUNT_CAP)
    items = [_flag_context(request, flag) for flag in page.object_list]
    # Bulk actions where at least one flag on the page is this person's to act on.
    bulk_form = BulkFlagForm(auto_id="bulk_%s") if any(item["can_act"] for item in items) else None
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
            "bulk_form": bulk_form,
            "oob_messages": wants_region(request),
        },
        region="flag-list",
    )


def _auto_id(flag: Flag) -> str:
    # Several resolve panels can be open in the inbox at once: keep their ids unique.
    return f"id_flag{flag.pk}_%s"


def _flag_page(request: HttpRequest, flag: Flag, *, ack_form=None, link_form=None, status: int = 200) -> HttpResponse:
    context = _flag_context(request, flag)
    q = read_query(request, FlagPageQuery)["q"]
    # Like the means and practice pages: candidates show before anyone types, the three
    # objectives closest to the flagged record's name and description first.
    results, suggested = [], False
    if context["can_link"] and not q:
        subject = flag.subject
        results = search.similar_objectives(f"{subject.name} {subject.description}")
        suggested = bool(results)
    if context["can_link"] and not results:
        results = objective_search(q, active_only=True)
    chosen = link_form.cleaned_data.get("objective") if link_form is not None and link_form.is_bound else None
    if chosen is not None:
        # Keep the person's choice when the form comes back with an error.
        q, results = chosen.title, [chosen]
    if flag.kind == FlagKind.MISMATCHED_MEANS:
        context["mismatched_means"] = selectors.mismatched_means([flag.practice_id]).get(flag.practice_id, [])
    context.update(
        {
            "ack_form": ack_form or AcknowledgeForm(auto_id=_auto_id(flag)),
            "link_form": link_form or FlagLinkForm(auto_id=_auto_id(flag)),
            "q": q,
            # Without JavaScript, the search box submits here and the matches come back in the page.
            "results": results,
            "suggested": suggested and chosen is None,
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


@login_required
@require_POST
def flags_bulk(request: HttpRequest) -> HttpResponse:
    """Accept the ticked flags as exceptions with one reason, or give them one owner.
    All or nothing; the rights are checked per flag by the services."""
    form = BulkFlagForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _bulk_done(request)
    flags = list(selectors.flags_with_subjects(form.cleaned_data["flags"]))
    try:
        if form.cleaned_data["action"] == BulkFlagForm.ACKNOWLEDGE:
            count = services.flags_acknowledge(flags=flags, by=request.user, reason=form.cleaned_data["reason"])
            message = ngettext(
                "%(count)d flag accepted as an exception.", "%(count)d flags accepted as exceptions.", count
            ) % {"count": count}
        else:
            owner = form.cleaned_data["owner"]
            services.flags_assign(flags=flags, by=request.user, owner=owner)
            message = ngettext(
                "%(count)d flagged record now owned by %(name)s.",
                "%(count)d flagged records now owned by %(name)s.",
                len(flags),
            ) % {"count": len(flags), "name": owner.get_full_name() or owner.get_username()}
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return _bulk_done(request)


def _bulk_done(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        # The list refreshes itself on this event and shows the messages.
        return trigger_client_event(HttpResponse(status=204), FLAGS_CHANGED)
    return redirect_next(request, "flags_inbox")


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


def _map_labels(data: selectors.StrategyMap, objective_ranks: dict[int, int]) -> dict[int, str]:
    """Layer names for the left margin of the drawing."""
    labels = {}
    # Depth from the strategic root is known, except for a unit whose top objectives sit at various depths.
    offset = len(data.ancestors) if data.focus_unit is None else None
    for level, rank in objective_ranks.items():
        if offset is None:
            labels[rank] = _("Unit's objectives") if level == 0 else _("Sub-objectives, %(n)d below") % {"n": level}
        elif level + offset == 0:
            labels[rank] = _("Strategic objectives")
        else:
            labels[rank] = _("Objectives, level %(n)d") % {"n": level + offset}
    return labels


def _map_drawing(data: selectors.StrategyMap) -> map_layout.Drawing:
    levels = sorted({o.map_level for o in data.objectives})
    objective_ranks = {level: rank for rank, level in enumerate(levels)}
    means_rank = len(levels)
    practice_rank = means_rank + (1 if data.means else 0)
    focus_pk = data.focus_objective.pk if data.focus_objective else None
    nodes, edges = [], []
    for o in data.objectives:
        nodes.append(
            map_layout.MapNode(
                ("objective", o.pk),
                "objective",
                objective_ranks[o.map_level],
                o.title,
                reverse("objectives:detail", args=[o.pk]),
                flagged=o.flagged,
                focus=o.pk == focus_pk,
                note="" if o.status == "active" else o.get_status_display(),
            )
        )
        if o.parent_id:
            edges.append(map_layout.MapEdge(("objective", o.parent_id), ("objective", o.pk)))
    for m in data.means:
        nodes.append(
            map_layout.MapNode(
                ("means", m.pk),
                "means",
                means_rank,
                m.name,
                reverse("practices:means_detail", args=[m.pk]),
                flagged=m.flagged,
                orphan=m.orphan,
            )
        )
        edges += [
            map_layout.MapEdge(("objective", link.objective_id), ("means", m.pk)) for link in m.objective_links.all()
        ]
    for p in data.practices:
        nodes.append(
            map_layout.MapNode(
                ("practice", p.pk),
                "practice",
                practice_rank,
                p.name,
                reverse("practices:practice_detail", args=[p.pk]),
                flagged=p.flagged,
                orphan=p.orphan,
                note=p.get_status_display() if p.status == "proposed" else "",
            )
        )
        edges += [map_layout.MapEdge(("means", link.means_id), ("practice", p.pk)) for link in p.means_links.all()]
        edges += [
            map_layout.MapEdge(("objective", link.objective_id), ("practice", p.pk)) for link in p.objective_links.all()
        ]
    labels = _map_labels(data, objective_ranks)
    if data.means:
        labels[means_rank] = _("Means")
    if data.practices:
        labels[practice_rank] = _("Practices")
    return map_layout.layout(nodes, edges, labels)


def _map_data(request: HttpRequest) -> tuple[MapFilterForm, selectors.StrategyMap]:
    if not request.GET:
        # A sensible first view: a manager's or employee's own unit; an executive (or
        # someone without a unit) sees the top of the strategy.
        home = roles.home_unit_id(request.user)
        if home is not None and not roles.is_executive(request.user):
            data = selectors.strategy_map(unit_id=home)
            if data.objectives or data.means or data.practices:
                return MapFilterForm(initial={"unit": home}), data
    form = MapFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    objective, unit = cleaned.get("objective"), cleaned.get("unit")
    data = selectors.strategy_map(objective_id=objective.pk if objective else None, unit_id=unit.pk if unit else None)
    return form, data


@login_required
@require_GET
def strategy_map(request: HttpRequest) -> HttpResponse:
    form, data = _map_data(request)
    context = {"form": form, "map": data, "drawing": _map_drawing(data)}
    return render_region(request, "alignment/strategy_map.html", context, region="map")


@login_required
@require_GET
def strategy_map_svg(request: HttpRequest) -> HttpResponse:
    """The same drawing as a standalone SVG file (colours as attributes, no stylesheet needed)."""
    _form, data = _map_data(request)
    response = render(
        request,
        "alignment/strategy_map.html#drawing",
        {"map": data, "drawing": _map_drawing(data), "standalone": True},
        content_type="image/svg+xml; charset=utf-8",
    )
    if request.GET.get("download") != "0":
        response["Content-Disposition"] = 'attachment; filename="strategy-map.svg"'
    return response


# --- Global search ----------------------------------------------------------------------

#: Matches per kind in the header's drop-down; the full page shows more.
SEARCH_DROPDOWN, SEARCH_PAGE = 5, 20


@login_required
@require_GET
def site_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    partial = wants_region(request)
    results = search.search(q, per_kind=SEARCH_DROPDOWN if partial else SEARCH_PAGE) if q else None
    context = {"form": form, "q": q, "results": results}
    return render_region(request, "alignment/search.html", context, region="results")


# --- Linking from an objective's side ---------------------------------------------------


def _candidates(request: HttpRequest, q: str) -> list[tuple[str, object]]:
    """Means and practices matching ``q`` (the full-text index) that this person manages."""
    if not q:
        return []
    managed = roles.managed_unit_ids(request.user)
    found = search.search(q, per_kind=SEARCH_PAGE)
    return [("means", m, f"means:{m.pk}") for m in found.means if m.unit_id in managed] + [
        ("practice", p, f"practice:{p.pk}") for p in found.practices if p.unit_id in managed
    ]


@login_required
@require_http_methods(["GET", "POST"])
def objective_link_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a means or a practice to this objective, from the objective's side."""
    if not roles.is_manager(request.user):
        raise PermissionDenied(_("Only managers link means and practices to objectives."))
    objective = Objective.objects.select_related("unit").filter(pk=pk).first()
    if objective is None:
        raise Http404(_("No such objective."))
    form = ObjectiveLinkRecordForm(request.POST or None)
    q = (request.POST.get("q") or request.GET.get("q") or "")[:200].replace("\x00", "")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            kind, record_pk = form.kind_and_pk
            model = Means if kind == "means" else Practice
            record = model.objects.filter(pk=record_pk).first()
            if record is None:
                form.add_error("record", _("Choose from the results."))
            else:
                try:
                    if kind == "means":
                        practice_services.means_link_objective(
                            means=record, objective=objective, by=request.user, rationale=form.cleaned_data["rationale"]
                        )
                    else:
                        practice_services.practice_link_objective(
                            practice=record,
                            objective=objective,
                            by=request.user,
                            rationale=form.cleaned_data["rationale"],
                        )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("“%(subject)s” now serves “%(objective)s”.") % {"subject": record, "objective": objective},
                    )
                    return redirect("objectives:detail", pk=objective.pk)
    context = {
        "objective": objective,
        "form": form,
        "q": q,
        "candidates": _candidates(request, q),
        "selected": request.POST.get("record", ""),
    }
    return render_region(request, "alignment/objective_link.html", context, region="candidates", status=status)

"""Means, practices and proposals: the pages where employees read *why* and managers link.

Every view is thin: find the record through one access helper (404/403), validate a form,
call a service, then render or redirect. With htmx a region of the page comes back
(``page.html#region``); without JavaScript every form posts and redirects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from alignment import search as alignment_search
from alignment import selectors as alignment_selectors
from alignment.models import FlagKind
from alignment.trace import means_trace, practice_trace
from objectives import selectors as objective_selectors
from objectives.models import Objective
from org import roles
from org.models import Unit
from practices import selectors, services
from practices.forms import (
    AdoptForm,
    DeclineForm,
    LinkMeansForm,
    LinkObjectiveForm,
    MeansCreateForm,
    MeansFilterForm,
    MeansForm,
    MeansStatusForm,
    PracticeCreateForm,
    PracticeFilterForm,
    PracticeForm,
    PracticeStatusForm,
    PractiseForm,
    ProposeForm,
)
from practices.models import Means, Practice, PracticeStatus
from raison.editing import EditConflict, add_service_errors

#: Sent after any change that can raise or resolve flags, so other regions refresh themselves.
ALIGNMENT_CHANGED = "alignmentChanged"
PAGE_SIZE = 25
PROPOSALS_PAGE_SIZE = 20
_UNDO_SESSION_KEY = "practices_undo"
_FIELD_NAME_RE = re.compile(r"^[a-z][a-z_]{0,39}$")

FLAG_EXPLANATIONS = {
    FlagKind.ORPHAN_PRACTICE: gettext_lazy("No active objective explains this practice."),
    FlagKind.UNROOTED_PRACTICE: gettext_lazy("Its objectives do not lead up to an active strategic objective."),
    FlagKind.MISMATCHED_MEANS: gettext_lazy("It relies on a means that serves none of its objectives."),
    FlagKind.PURPOSELESS_MEANS: gettext_lazy("It serves no active objective: nobody can say why it exists."),
}


# --- Rendering ---------------------------------------------------------------------


def _wants_region(request: HttpRequest) -> bool:
    """An htmx request for part of a page; boosted navigation and history restores get the whole page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def _render(
    request: HttpRequest, template: str, context: dict, *, region: str | None = None, status: int = 200
) -> HttpResponse:
    if region and _wants_region(request):
        template = f"{template}#{region}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, ALIGNMENT_CHANGED)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _query(request: HttpRequest, name: str) -> str:
    return " ".join(request.GET.get(name, "").split())[:200]


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _paginate(request: HttpRequest, queryset, *, size: int = PAGE_SIZE, param: str = "page"):
    return Paginator(queryset, size).get_page(request.GET.get(param))


# --- Access: one helper per kind of record ---------------------------------------


def _get_means(request: HttpRequest, pk: int) -> Means:
    """Everyone signed in may read a means: transparency is the point."""
    means = selectors.means_detail(pk)
    if means is None:
        raise Http404(_("No such means."))
    return means


def _get_means_for_edit(request: HttpRequest, pk: int) -> Means:
    means = _get_means(request, pk)
    if not roles.can_manage_unit(request.user, means.unit_id):
        raise PermissionDenied(_("Only a manager of this means' unit can change it."))
    return means


def _get_practice(request: HttpRequest, pk: int) -> Practice:
    practice = selectors.practice_detail(pk, user=request.user)
    if practice is None:
        raise Http404(_("No such practice."))
    return practice


def _get_practice_for_edit(request: HttpRequest, pk: int) -> Practice:
    practice = _get_practice(request, pk)
    services.require_practice_manager(request.user, practice)
    return practice


def _get_proposal_for_decision(request: HttpRequest, pk: int) -> Practice:
    """A proposal the signed-in manager may adopt or decline (a decided one loads; the service says no)."""
    return _get_practice_for_edit(request, pk)


def _get_objective(pk: int) -> Objective:
    objective = Objective.objects.filter(pk=pk).first()
    if objective is None:
        raise Http404(_("No such objective."))
    return objective


def _require_some_managed_unit(request: HttpRequest) -> None:
    if not roles.is_manager(request.user):
        raise PermissionDenied(_("Only managers create means and practices; anyone can propose a practice."))


# --- Undo after unlink -------------------------------------------------------------


@dataclass(frozen=True)
class Undo:
    """What an unlink removed, as the hidden fields of a form that puts it back."""

    action_url: str
    field: str
    target_pk: int
    target_name: str
    rationale: str

    def remember(self, request: HttpRequest, subject: str, subject_pk: int) -> None:
        # Without JavaScript the unlink redirects; the page after the redirect offers the undo once.
        request.session[_UNDO_SESSION_KEY] = {"subject": subject, "subject_pk": subject_pk, **self.__dict__}

    @classmethod
    def recall(cls, request: HttpRequest, subject: str, subject_pk: int) -> dict[str, Undo]:
        if _wants_region(request):
            return {}  # a region refresh must not use up the offer meant for the whole page
        stored = request.session.get(_UNDO_SESSION_KEY)
        if not stored or stored.get("subject") != subject or stored.get("subject_pk") != subject_pk:
            return {}
        del request.session[_UNDO_SESSION_KEY]
        undo = cls(**{k: v for k, v in stored.items() if k not in ("subject", "subject_pk")})
        return {f"{undo.field}_undo": undo}


# --- Page models: computed on first use, so an htmx region costs only its own queries ---


class _LinkingPage:
    """Shared by the means and practice pages: link forms, candidates, undo and notices per target."""

    subject_kind = ""

    def __init__(self, request: HttpRequest, subject, **regions):
        self.request = request
        self.subject = subject
        self.can_manage = roles.can_manage_unit(request.user, subject.unit_id)
        self.objective_q = _query(request, "q")
        self.objective_form = regions.pop("objective_form", None) or LinkObjectiveForm(auto_id="link-objective-%s")
        self.objective_undo = regions.pop("objective_undo", None)
        self.objective_notice = regions.pop("objective_notice", None)
        self.status_form = regions.pop("status_form", None)
        if regions:
            raise TypeError(f"Unknown page regions: {sorted(regions)}")

    @cached_property
    def flags(self) -> list[tuple]:
        flags = selectors.unresolved_flags(**{self.subject_kind: self.subject})
        explained = []
        for flag in flags:
            explanation = FLAG_EXPLANATIONS.get(flag.kind, flag.get_kind_display())
            if flag.kind == FlagKind.MISMATCHED_MEANS:
                # Name the means: "a means" alone leaves people guessing which one.
                names = alignment_selectors.mismatched_means([flag.practice_id]).get(flag.practice_id, [])
                if names:
                    explanation = ngettext(
                        "It relies on %(names)s, which serves none of its objectives.",
                        "It relies on %(names)s, which serve none of its objectives.",
                        len(names),
                    ) % {"names": ", ".join(f"“{name}”" for name in names)}
            explained.append((flag, explanation))
        return explained

    @cached_property
    def open_flag_count(self) -> int:
        return sum(1 for flag, _explanation in self.flags if flag.is_open)

    @cached_property
    def objective_suggested(self) -> bool:
        """Before anyone types, something with no objective yet gets the three objectives
        closest to its name and description (the full-text index), not an alphabetical list."""
        return bool(self.objective_suggestions)

    @cached_property
    def objective_suggestions(self) -> list[Objective]:
        if not self.can_manage or self.objective_q or self.objective_form.chosen is not None or self.trace.links:
            return []
        return alignment_search.similar_objectives(f"{self.subject.name} {self.subject.description}")

    @cached_property
    def objective_results(self) -> list[Objective]:
        if not self.can_manage:
            return []
        if self.objective_suggestions:
            return self.objective_suggestions
        results = _objective_results(self.objective_q, self.objective_form)
        # Offering an objective it already serves would only lead to a "already linked" error.
        linked = {link.objective.pk for link in self.trace.links}
        return [o for o in results if o.pk not in linked or o.pk == getattr(self.objective_form.chosen, "pk", None)]


def _objective_results(q: str, form, *, active_only: bool = False) -> list[Objective]:
    """Search results for a link form; after an error, only the person's choice, so it stays checked."""
    chosen = form.chosen
    if chosen is not None:
        return [chosen]
    return objective_selectors.objective_search(q, active_only=active_only)


def _selected(form, field: str) -> str:
    return str(form[field].value() or "") if form.is_bound else ""


def _with_selected(found: list, form) -> list:
    """Keep the person's choice among the candidates when the form comes back with an error."""
    chosen = form.chosen
    if chosen is not None and all(c.pk != chosen.pk for c in found):
        return [chosen, *found]
    return found


class PracticePage(_LinkingPage):
    subject_kind = "practice"

    def __init__(self, request: HttpRequest, practice: Practice, **regions):
        self.means_form = regions.pop("means_form", None) or LinkMeansForm(auto_id="link-means-%s")
        self.means_undo = regions.pop("means_undo", None)
        self.means_notice = regions.pop("means_notice", None)
        self.practise_error = regions.pop("practise_error", None)
        super().__init__(request, practice, **regions)
        self.practice = practice
        self.means_q = _query(request, "means_q")
        if self.status_form is None and practice.status in (PracticeStatus.ACTIVE, PracticeStatus.RETIRED):
            self.status_form = PracticeStatusForm(initial={"status": practice.status, "version": practice.version})

    @cached_property
    def trace(self):
        return practice_trace(self.practice)

    @cached_property
    def means_links(self):
        return selectors.practice_means_links(self.practice)

    @cached_property
    def means_candidates(self) -> list[Means]:
        if not self.can_manage:
            return []
        found = selectors.means_candidates(self.means_q, exclude_practice=self.practice.pk)
        return _with_selected(found, self.means_form)

    @property
    def selected_means(self) -> str:
        return _selected(self.means_form, "means")

    @property
    def can_practise(self) -> bool:
        return self.practice.status == PracticeStatus.ACTIVE


class MeansPage(_LinkingPage):
    subject_kind = "means"

    def __init__(self, request: HttpRequest, means: Means, **regions):
        super().__init__(request, means, **regions)
        self.means = means
        if self.status_form is None:
            self.status_form = MeansStatusForm(initial={"status": means.status, "version": means.version})

    @cached_property
    def trace(self):
        return means_trace(self.means)

    @cached_property
    def practice_links(self):
        return selectors.means_practice_links(self.means)


def _practice_page(request, practice, *, region=None, status=200, **regions) -> HttpResponse:
    page = PracticePage(request, practice, **regions)
    return _render(
        request, "practices/practice_detail.html", {"page": page, "practice": practice}, region=region, status=status
    )


def _means_page(request, means, *, region=None, status=200, **regions) -> HttpResponse:
    page = MeansPage(request, means, **regions)
    return _render(request, "practices/means_detail.html", {"page": page, "means": means}, region=region, status=status)


# --- Lists -------------------------------------------------------------------------


@login_required
@require_GET
def means_list(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for_filter()
    filters = MeansFilterForm(request.GET or None, units=units)
    page_obj = _paginate(request, selectors.means_list(**filters.filters()))
    context = {
        "filters": filters,
        "page_obj": page_obj,
        "query": _query_without_page(request),
        "can_create": roles.is_manager(request.user),
    }
    return _render(request, "practices/means_list.html", context, region="results")


@login_required
@require_GET
def practice_list(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for_filter()
    filters = PracticeFilterForm(request.GET or None, units=units)
    page_obj = _paginate(request, selectors.practice_list(**filters.filters()))
    context = {
        "filters": filters,
        "page_obj": page_obj,
        "query": _query_without_page(request),
        "can_create": roles.is_manager(request.user),
    }
    return _render(request, "practices/practice_list.html", context, region="results")


# --- Means -------------------------------------------------------------------------

_MEANS_REGIONS = {"why", "flags"}


@login_required
@require_GET
def means_detail(request: HttpRequest, pk: int) -> HttpResponse:
    means = _get_means(request, pk)
    region = request.GET.get("region")
    return _means_page(
        request,
        means,
        region=region if region in _MEANS_REGIONS else None,
        **Undo.recall(request, "means", means.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def means_create(request: HttpRequest) -> HttpResponse:
    _require_some_managed_unit(request)
    units = selectors.managed_units(request.user)
    form = MeansCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            means = services.means_create(
                by=request.user,
                name=data["name"],
                kind=data["kind"],
                unit=data["unit"],
                description=data["description"],
                url=data["url"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” was created. Now say why it exists: link it to an objective.") % {"name": means.name},
            )
            return redirect("practices:means_detail", pk=means.pk)
    status = 422 if form.errors else 200
    return _render(request, "practices/means_form.html", {"form": form, "means": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def means_edit(request: HttpRequest, pk: int) -> HttpResponse:
    means = _get_means_for_edit(request, pk)
    if request.method == "GET":
        form = MeansForm.for_means(means)
        return _render(request, "practices/means_form.html", {"form": form, "means": means})
    form = MeansForm(request.POST)
    current = None
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.means_update(
                means=means,
                by=request.user,
                expected_version=data["version"],
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                url=data["url"],
            )
        except EditConflict as conflict:
            current, form, status = _conflict(conflict, MeansForm, request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("practices:means_detail", pk=means.pk)
    return _render(
        request, "practices/means_form.html", {"form": form, "means": means, "current": current}, status=status
    )


def _conflict(conflict: EditConflict, form_class, request: HttpRequest):
    """Keep what the person typed, show what changed, and let a second save knowingly win."""
    if conflict.current is None:
        raise Http404(_("This record no longer exists."))
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    form = form_class(data)
    form.is_valid()
    form.add_error(None, str(conflict.message))
    return conflict.current, form, 409


@login_required
@require_POST
def means_status(request: HttpRequest, pk: int) -> HttpResponse:
    means = _get_means_for_edit(request, pk)
    form = MeansStatusForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.means_set_status(
                means=means,
                by=request.user,
                status=form.cleaned_data["status"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            _current, form, status = _conflict(conflict, MeansStatusForm, request)
            means = _get_means(request, pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Status changed to “%(status)s”.") % {"status": means.get_status_display()})
            return _changed(redirect("practices:means_detail", pk=means.pk))
    return _means_page(request, means, status=status, status_form=form)


# --- Practices ---------------------------------------------------------------------

_PRACTICE_REGIONS = {"why", "means", "practise", "flags"}


@login_required
@require_GET
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _get_practice(request, pk)
    region = request.GET.get("region")
    return _practice_page(
        request,
        practice,
        region=region if region in _PRACTICE_REGIONS else None,
        **Undo.recall(request, "practice", practice.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    _require_some_managed_unit(request)
    units = selectors.managed_units(request.user)
    form = PracticeCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practice = services.practice_create(
                by=request.user, name=data["name"], unit=data["unit"], description=data["description"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” was created. Now say why it exists: link it to an objective.") % {"name": practice.name},
            )
            return redirect("practices:practice_detail", pk=practice.pk)
    status = 422 if form.errors else 200
    return _render(request, "practices/practice_form.html", {"form": form, "practice": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _get_practice_for_edit(request, pk)
    if request.method == "GET":
        form = PracticeForm.for_practice(practice)
        return _render(request, "practices/practice_form.html", {"form": form, "practice": practice})
    form = PracticeForm(request.POST)
    current = None
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.practice_update(
                practice=practice,
                by=request.user,
                expected_version=data["version"],
                name=data["name"],
                description=data["description"],
            )
        except EditConflict as conflict:
            current, form, status = _conflict(conflict, PracticeForm, request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("practices:practice_detail", pk=practice.pk)
    context = {"form": form, "practice": practice, "current": current}
    return _render(request, "practices/practice_form.html", context, status=status)


@login_required
@require_POST
def practice_status(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _get_practice_for_edit(request, pk)
    form = PracticeStatusForm(request.POST)
    status = 422
    if practice.status not in (PracticeStatus.ACTIVE, PracticeStatus.RETIRED):
        form.is_valid()
        form.add_error(None, _("A proposal is adopted or declined on the proposals page."))
    elif form.is_valid():
        try:
            services.practice_set_status(
                practice=practice,
                by=request.user,
                status=form.cleaned_data["status"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            _current, form, status = _conflict(conflict, PracticeStatusForm, request)
            practice = _get_practice(request, pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Status changed to “%(status)s”.") % {"status": practice.get_status_display()})
            return _changed(redirect("practices:practice_detail", pk=practice.pk))
    return _practice_page(request, practice, status=status, status_form=form)


@login_required
@require_POST
def practice_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire from anywhere (the flags inbox, for one); htmx callers refresh on the event."""
    practice = _get_practice_for_edit(request, pk)
    try:
        services.practice_retire(
            practice=practice, by=request.user, expected_version=_int_or_none(request.POST.get("version"))
        )
    except EditConflict as conflict:
        messages.error(request, str(conflict.message))
        return redirect("practices:practice_detail", pk=practice.pk)
    if _wants_region(request):
        return _changed(HttpResponse(status=204))
    messages.success(request, _("“%(name)s” is retired.") % {"name": practice.name})
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return _changed(redirect(next_url))
    return _changed(redirect("practices:practice_detail", pk=practice.pk))


@login_required
@require_POST
def practise(request: HttpRequest, pk: int) -> HttpResponse:
    """“I practise this” (or no longer): the form says which, so a double click does no harm."""
    practice = _get_practice(request, pk)
    form = PractiseForm(request.POST)
    form.is_valid()
    try:
        if form.cleaned_data.get("practising"):
            services.practice_mark_practising(practice=practice, by=request.user)
        else:
            services.practice_unmark_practising(practice=practice, by=request.user)
    except ValidationError as error:
        if not _wants_region(request):
            messages.error(request, " ".join(error.messages))
            return redirect("practices:practice_detail", pk=practice.pk)
        return _practice_page(request, practice, region="practise", status=422, practise_error=" ".join(error.messages))
    if not _wants_region(request):
        return redirect("practices:practice_detail", pk=practice.pk)
    return _practice_page(request, _get_practice(request, pk), region="practise")


# --- Links: practice → objective, practice → means, means → objective ----------------


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
    return _get_practice_for_edit(request, pk) if kind.subject == "practice" else _get_means_for_edit(request, pk)


def _subject_page(request, kind: _LinkKind, subject, **kwargs) -> HttpResponse:
    page = _practice_page if kind.subject == "practice" else _means_page
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
    if not _wants_region(request):
        messages.success(request, notice)
        return _changed(redirect(_subject_url(kind, subject)))
    return _changed(_subject_page(request, kind, subject, region=kind.region, **{f"{kind.target}_notice": notice}))


def _unlink(request: HttpRequest, kind: _LinkKind, pk: int, target_pk: int) -> HttpResponse:
    subject = _subject_for_edit(request, kind, pk)
    target = _get_objective(target_pk) if kind.target == "objective" else _get_means(request, target_pk)
    try:
        removed = kind.unlink(**{kind.subject: subject, kind.target: target}, by=request.user)
    except ValidationError as error:
        # Already unlinked, in another tab or by a colleague: say so, and show the current links.
        message = " ".join(error.messages)
        if not _wants_region(request):
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
    if not _wants_region(request):
        undo.remember(request, kind.subject, subject.pk)
        return _changed(redirect(_subject_url(kind, subject)))
    return _changed(_subject_page(request, kind, subject, region=kind.region, **{f"{kind.target}_undo": undo}))


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


# --- Search as you type ------------------------------------------------------------


@login_required
@require_GET
def means_search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for the practice page's means link form (contract in practices/means_search.html)."""
    q = _query(request, "means_q")
    field_name = request.GET.get("name", "")
    if not _FIELD_NAME_RE.match(field_name):
        field_name = ""
    practice_pk = _int_or_none(request.GET.get("practice"))
    results = selectors.means_candidates(q, exclude_practice=practice_pk)
    context = {
        "q": q,
        "results": results,
        "field_name": field_name,
        "selected": "",
        "excluding": practice_pk is not None,
    }
    return _render(request, "practices/means_search.html", context, region="results")


# --- Proposals ---------------------------------------------------------------------


@dataclass
class ProposalRow:
    practice: Practice
    adopt_form: AdoptForm
    decline_form: DeclineForm
    results: list[Objective]
    q: str


class ProposalsPage:
    """Propose (anyone), decide (managers, in their subtree), follow one's own proposals."""

    def __init__(
        self,
        request: HttpRequest,
        *,
        propose_form=None,
        decided_pk=None,
        adopt_form=None,
        decline_form=None,
        notice: str = "",
    ):
        self.request = request
        self.notice = notice
        self.user = request.user
        self.can_decide = roles.is_manager(request.user)
        self.propose_form = propose_form or ProposeForm(auto_id="propose-%s", units=_proposal_units(request))
        self._forms = {"pk": decided_pk, "adopt": adopt_form, "decline": decline_form}
        self.search_for = _int_or_none(request.GET.get("for"))
        self.search_q = _query(request, "q")

    @cached_property
    def to_decide(self):
        if not self.can_decide:
            return None
        return _paginate(self.request, selectors.proposals_to_decide(self.user), size=PROPOSALS_PAGE_SIZE)

    @cached_property
    def _default_results(self) -> list[Objective]:
        return objective_selectors.objective_search("", active_only=True)

    @cached_property
    def rows(self) -> list[ProposalRow]:
        if self.to_decide is None:
            return []
        rows = []
        for practice in self.to_decide:
            decided = self._forms["pk"] == practice.pk
            adopt_form = (decided and self._forms["adopt"]) or AdoptForm(auto_id=f"adopt-{practice.pk}-%s")
            decline_form = (decided and self._forms["decline"]) or DeclineForm(auto_id=f"decline-{practice.pk}-%s")
            q = self.search_q if self.search_for == practice.pk else ""
            if q or adopt_form.chosen is not None:
                results = _objective_results(q, adopt_form, active_only=True)
            else:
                results = self._default_results
            rows.append(ProposalRow(practice, adopt_form, decline_form, results, q))
        return rows

    @property
    def stray_errors(self) -> list[str]:
        """Errors about a proposal no longer listed (decided meanwhile, or on another page of the list)."""
        if self._forms["pk"] is None or any(row.practice.pk == self._forms["pk"] for row in self.rows):
            return []
        forms = [f for f in (self._forms["adopt"], self._forms["decline"]) if f is not None]
        return [str(message) for form in forms for errors in form.errors.values() for message in errors]

    @cached_property
    def mine(self):
        return _paginate(self.request, selectors.my_proposals(self.user), size=PROPOSALS_PAGE_SIZE, param="mine")


def _proposals_page(request, *, region=None, status=200, **kwargs) -> HttpResponse:
    page = ProposalsPage(request, **kwargs)
    return _render(request, "practices/proposals.html", {"page": page}, region=region, status=status)


@login_required
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    return _proposals_page(request)


def _proposal_units(request: HttpRequest):
    return Unit.objects.filter(pk__in=roles.member_unit_ids(request.user)).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _proposals_page(request)
    form = ProposeForm(request.POST, auto_id="propose-%s", units=_proposal_units(request))
    if form.is_valid():
        try:
            practice = services.practice_propose(
                by=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                unit=form.cleaned_data.get("unit"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. “%(name)s” now waits for a manager to adopt it under an objective.")
                % {"name": practice.name},
            )
            return _changed(redirect("practices:proposals"))
    return _proposals_page(request, status=422, propose_form=form)


@login_required
@require_POST
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _get_proposal_for_decision(request, pk)
    form = AdoptForm(request.POST, auto_id=f"adopt-{pk}-%s")
    if form.is_valid():
        try:
            services.practice_adopt(
                practice=practice,
                by=request.user,
                objective=form.cleaned_data["objective"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _proposals_page(request, region="decide", status=422, decided_pk=practice.pk, adopt_form=form)
    message = _("“%(name)s” is adopted under “%(objective)s”.") % {
        "name": practice.name,
        "objective": form.cleaned_data["objective"],
    }
    if not _wants_region(request):
        messages.success(request, message)
        return _changed(redirect("practices:proposals"))
    return _changed(_proposals_page(request, region="decide", notice=message))


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _get_proposal_for_decision(request, pk)
    form = DeclineForm(request.POST, auto_id=f"decline-{pk}-%s")
    if form.is_valid():
        try:
            services.practice_decline(practice=practice, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _proposals_page(request, region="decide", status=422, decided_pk=practice.pk, decline_form=form)
    message = _("“%(name)s” is declined; the person who proposed it will see why.") % {"name": practice.name}
    if not _wants_region(request):
        messages.success(request, message)
        return _changed(redirect("practices:proposals"))
    return _changed(_proposals_page(request, region="decide", notice=message))

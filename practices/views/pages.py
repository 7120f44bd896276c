"""Page models of the means, practice and proposals pages.

Each part is computed on first use, so an htmx region costs only its own queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy, ngettext
from django_htmx.http import trigger_client_event

from alignment import search as alignment_search
from alignment import selectors as alignment_selectors
from alignment.models import FlagKind
from alignment.trace import means_trace, practice_trace
from objectives import selectors as objective_selectors
from objectives.models import Objective
from org import roles
from org.models import Unit
from practices import adoption, selectors
from practices.forms import (
    AdoptForm,
    AudienceForm,
    DeclineForm,
    LinkMeansForm,
    LinkObjectiveForm,
    MeansStatusForm,
    PracticeStatusForm,
    ProposalsQuery,
    ProposeForm,
    RecordPageQuery,
)
from practices.models import Means, Practice, PracticeStatus
from raison.web import paginate, read_query, render_region

#: Sent after any change that can raise or resolve flags, so other regions refresh themselves.
ALIGNMENT_CHANGED = "alignmentChanged"
PROPOSALS_PAGE_SIZE = 20
#: Objectives suggested in each proposal's adopt form before the person searches.
PROPOSAL_SUGGESTIONS = 5

FLAG_EXPLANATIONS = {
    FlagKind.ORPHAN_PRACTICE: gettext_lazy("No active objective explains this practice."),
    FlagKind.UNROOTED_PRACTICE: gettext_lazy("Its objectives do not lead up to an active strategic objective."),
    FlagKind.MISMATCHED_MEANS: gettext_lazy("It relies on a means that serves none of its objectives."),
    FlagKind.PURPOSELESS_MEANS: gettext_lazy("It serves no active objective: nobody can say why it exists."),
}


def changed(response: HttpResponse) -> HttpResponse:
    """Tell the other regions of the page that flags may have moved."""
    return trigger_client_event(response, ALIGNMENT_CHANGED)


def page_query(request: HttpRequest) -> dict:
    """The searches of a means or practice page's link forms (``q``, ``means_q``), cleaned."""
    return read_query(request, RecordPageQuery, regions=())


# --- Means and practice pages ---------------------------------------------------------


class _LinkingPage:
    """Shared by the means and practice pages: link forms, candidates, undo and notices per target."""

    subject_kind = ""

    def __init__(self, request: HttpRequest, subject, **regions):
        self.request = request
        self.subject = subject
        self.can_manage = roles.can_manage_unit(request.user, subject.unit_id)
        self.query = page_query(request)
        self.objective_q = self.query["q"]
        # Anything this person sent or searched makes the page theirs alone: it is then
        # rendered afresh instead of read from the page cache.
        self.personal = bool(self.objective_q) or any(value is not None for value in regions.values())
        # The forms a person sent back are shown again; blank ones are built only if the
        # page draws them (managers): most readers never need one.
        self._objective_form = regions.pop("objective_form", None)
        self.objective_undo = regions.pop("objective_undo", None)
        self.objective_notice = regions.pop("objective_notice", None)
        self._status_form = regions.pop("status_form", None)
        self.audience_form = regions.pop("audience_form", None)
        self.audience_notice = regions.pop("audience_notice", None)
        if regions:
            raise TypeError(f"Unknown page regions: {sorted(regions)}")

    @cached_property
    def objective_form(self) -> LinkObjectiveForm:
        return self._objective_form or LinkObjectiveForm(auto_id="link-objective-%s")

    @cached_property
    def status_form(self):
        return self._status_form or self.blank_status_form()

    def blank_status_form(self):
        return None

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
    def audience_units(self) -> list[Unit]:
        return list(self.subject.audience_units.order_by("name", "pk"))

    @cached_property
    def adoption(self) -> adoption.Adoption:
        if self.subject_kind == "practice":
            return adoption.practice_adoption(self.subject)
        return adoption.means_adoption(self.subject)

    @cached_property
    def audience_editor(self) -> AudienceForm | None:
        if not self.can_manage:
            return None
        if self.audience_form is not None:
            return self.audience_form
        return AudienceForm(
            auto_id="audience-%s",
            initial={"units": [u.pk for u in self.audience_units], "role": self.subject.audience_role},
        )

    @cached_property
    def open_flag_count(self) -> int:
        return sum(1 for flag, _explanation in self.flags if flag.is_open)

    @property
    def objective_form_is_personal(self) -> bool:
        """The link form as this manager left it (a search, a choice, errors): never kept for others."""
        return bool(self.objective_q) or self._objective_form is not None

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
        results = objective_results(self.objective_q, self.objective_form)
        # Offering an objective it already serves would only lead to a "already linked" error.
        linked = {link.objective.pk for link in self.trace.links}
        return [o for o in results if o.pk not in linked or o.pk == getattr(self.objective_form.chosen, "pk", None)]


def objective_results(q: str, form, *, active_only: bool = False) -> list[Objective]:
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
        self._means_form = regions.pop("means_form", None)
        self.means_undo = regions.pop("means_undo", None)
        self.means_notice = regions.pop("means_notice", None)
        self.practise_error = regions.pop("practise_error", None)
        sent = (self._means_form, self.means_undo, self.means_notice, self.practise_error)
        super().__init__(request, practice, **regions)
        self.practice = practice
        self.means_q = self.query["means_q"]
        self.personal = self.personal or bool(self.means_q) or any(value is not None for value in sent)

    def blank_status_form(self):
        if self.practice.status in (PracticeStatus.ACTIVE, PracticeStatus.RETIRED):
            return PracticeStatusForm(initial={"status": self.practice.status, "version": self.practice.version})
        return None

    @cached_property
    def means_form(self) -> LinkMeansForm:
        return self._means_form or LinkMeansForm(auto_id="link-means-%s")

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
    def means_form_is_personal(self) -> bool:
        return bool(self.means_q) or self._means_form is not None

    @property
    def selected_means(self) -> str:
        return _selected(self.means_form, "means")

    @property
    def practising(self) -> bool:
        return bool(getattr(self.practice, "is_practised_by_me", False))

    @property
    def can_practise(self) -> bool:
        return self.practice.status == PracticeStatus.ACTIVE

    @cached_property
    def adoption_curve(self) -> str:
        """SVG points of the adoption rate over the last 90 days (0 % at the bottom, 100 % at the top)."""
        days = adoption.adoption_curve(self.practice)
        if len(days) < 2:
            return ""
        first = days[0].day
        span = max((days[-1].day - first).days, 1)
        points = []
        for d in days:
            rate = d.practising / d.audience if d.audience else 0
            points.append(f"{round((d.day - first).days / span * 120, 1)},{round(28 - rate * 28, 1)}")
        return " ".join(points)

    @cached_property
    def departures(self):
        """Why the last people stopped: for the managers, who can do something about it."""
        if not self.can_manage:
            return []
        return list(self.practice.departures.select_related("user").exclude(reason="")[:5])


class MeansPage(_LinkingPage):
    subject_kind = "means"

    def __init__(self, request: HttpRequest, means: Means, **regions):
        super().__init__(request, means, **regions)
        self.means = means

    def blank_status_form(self):
        return MeansStatusForm(initial={"status": self.means.status, "version": self.means.version})

    @cached_property
    def trace(self):
        return means_trace(self.means)

    @cached_property
    def practice_links(self):
        return selectors.means_practice_links(self.means)

    @cached_property
    def practices_not_shown(self) -> int:
        """Practices beyond the listed ones (always counted, so the page's queries stay the same)."""
        return selectors.means_practice_count(self.means) - len(self.practice_links)


def practice_page(request, practice, *, region=None, status=200, **regions) -> HttpResponse:
    page = PracticePage(request, practice, **regions)
    context = {"page": page, "practice": practice, "subject": practice, "kind": "practice"}
    return render_region(request, "practices/practice_detail.html", context, region=region, status=status)


def means_page(request, means, *, region=None, status=200, **regions) -> HttpResponse:
    page = MeansPage(request, means, **regions)
    context = {"page": page, "means": means, "subject": means, "kind": "means"}
    return render_region(request, "practices/means_detail.html", context, region=region, status=status)


# --- Proposals page -------------------------------------------------------------------


@dataclass
class ProposalRow:
    practice: Practice
    adopt_form: AdoptForm
    decline_form: DeclineForm
    results: list[Objective]
    q: str


def proposal_units(request: HttpRequest):
    """The units a proposal may come from: the person's own."""
    return Unit.objects.filter(pk__in=roles.member_unit_ids(request.user)).order_by("name")


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
        self.propose_form = propose_form or ProposeForm(auto_id="propose-%s", units=proposal_units(request))
        self._forms = {"pk": decided_pk, "adopt": adopt_form, "decline": decline_form}
        params = read_query(request, ProposalsQuery)
        self.search_for = params["for"]
        self.search_q = params["q"]

    @cached_property
    def to_decide(self):
        if not self.can_decide:
            return None
        return paginate(self.request, selectors.proposals_to_decide(self.user), size=PROPOSALS_PAGE_SIZE)

    @cached_property
    def _default_results(self) -> list[Objective]:
        # Repeated in every proposal's form: a few suggestions, the search finds the rest
        # (twenty per row made the page 150 KiB at a large organisation).
        return objective_selectors.objective_search("", active_only=True)[:PROPOSAL_SUGGESTIONS]

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
                results = objective_results(q, adopt_form, active_only=True)
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
        return paginate(self.request, selectors.my_proposals(self.user), size=PROPOSALS_PAGE_SIZE, param="mine")


def proposals_page(request, *, region=None, status=200, **kwargs) -> HttpResponse:
    page = ProposalsPage(request, **kwargs)
    return render_region(request, "practices/proposals.html", {"page": page}, region=region, status=status)

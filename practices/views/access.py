"""One helper per kind of record a page acts on: it answers 404 or 403, never an ad-hoc ``if``."""

from __future__ import annotations

import copy

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from objectives.models import Objective
from org import roles
from practices import selectors, services
from practices.models import Means, Practice
from raison import pagecache


def get_means(request: HttpRequest, pk: int) -> Means:
    """Everyone signed in may read a means: transparency is the point."""
    means = selectors.means_detail(pk)
    if means is None:
        raise Http404(_("No such means."))
    return means


def get_means_for_edit(request: HttpRequest, pk: int) -> Means:
    means = get_means(request, pk)
    if not roles.can_manage_unit(request.user, means.unit_id):
        raise PermissionDenied(_("Only a manager of this means' unit can change it."))
    return means


def get_practice(request: HttpRequest, pk: int) -> Practice:
    practice = selectors.practice_detail(pk, user=request.user)
    if practice is None:
        raise Http404(_("No such practice."))
    return practice


def read_practice(request: HttpRequest, pk: int) -> Practice:
    """The practice for its page: as everyone sees it, kept until it changes
    (``raison.pagecache``), with whether this person practises it read each time."""
    shown = pagecache.kept(request, "practice", [pk], lambda: selectors.practice_shown(pk))
    if shown is None:
        raise Http404(_("No such practice."))
    practice = copy.copy(shown)  # the kept one may be other requests' too: never changed in place
    mine = pagecache.kept(request, "practised", [request.user.pk], lambda: selectors.practised_ids(request.user))
    practice.is_practised_by_me = pk in mine
    return practice


def read_means(request: HttpRequest, pk: int) -> Means:
    """The means for its page, kept like ``read_practice``'s practice."""
    means = pagecache.kept(request, "means", [pk], lambda: selectors.means_detail(pk))
    if means is None:
        raise Http404(_("No such means."))
    return copy.copy(means)


def get_practice_for_edit(request: HttpRequest, pk: int) -> Practice:
    practice = get_practice(request, pk)
    services.require_practice_manager(request.user, practice)
    return practice


def get_proposal_for_decision(request: HttpRequest, pk: int) -> Practice:
    """A proposal the signed-in manager may adopt or decline (a decided one loads; the service says no)."""
    return get_practice_for_edit(request, pk)


def get_objective(pk: int) -> Objective:
    objective = Objective.objects.filter(pk=pk).first()
    if objective is None:
        raise Http404(_("No such objective."))
    return objective


def require_some_managed_unit(request: HttpRequest) -> None:
    if not roles.is_manager(request.user):
        raise PermissionDenied(_("Only managers create means and practices; anyone can propose a practice."))

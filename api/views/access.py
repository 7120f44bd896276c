"""One helper per kind of record: load it or 404, and for a write check the right or 403.

The rights are the pages' own (``org.roles`` through each app's services); checking
them before validating the body means a refused write is a 403 whatever was sent,
and the services check again before writing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from alignment import selectors as alignment_selectors
from alignment import services as alignment_services
from alignment.models import Flag
from objectives import services as objective_services
from objectives.models import Objective
from org import roles
from practices import selectors as practice_selectors
from practices import services as practice_services
from practices.models import Means, Practice


def get_objective(pk: int) -> Objective:
    objective = Objective.objects.select_related("owner").filter(pk=pk).first()
    if objective is None:
        raise Http404(_("No such objective."))
    return objective


def get_objective_for_edit(request, pk: int) -> Objective:
    objective = get_objective(pk)
    objective_services.require_edit(request.user, objective)
    return objective


def get_means(pk: int) -> Means:
    means = practice_selectors.means_detail(pk)
    if means is None:
        raise Http404(_("No such means."))
    return means


def get_means_for_edit(request, pk: int) -> Means:
    means = get_means(pk)
    roles.require_manager(request.user, means.unit_id)
    return means


def get_practice(pk: int) -> Practice:
    practice = Practice.objects.select_related("owner", "proposed_by").filter(pk=pk).first()
    if practice is None:
        raise Http404(_("No such practice."))
    return practice


def get_practice_for_edit(request, pk: int) -> Practice:
    practice = get_practice(pk)
    practice_services.require_practice_manager(request.user, practice)
    return practice


def get_flag(pk: int) -> Flag:
    flag = alignment_selectors.flag_for_action(pk)
    if flag is None:
        raise Http404(_("No such flag."))
    return flag


def get_flag_for_action(request, pk: int) -> Flag:
    flag = get_flag(pk)
    alignment_services.require_flag_manager(request.user, flag)
    return flag


def require_some_managed_unit(request, message: str) -> None:
    """Creating needs a managing role somewhere; which unit is checked by the service."""
    if not roles.is_manager(request.user):
        raise PermissionDenied(message)

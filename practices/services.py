"""Writes to means, practices and their links.

Managers act within their unit's subtree; any signed-in person may propose a
practice and say "I practise this". Links always carry who, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from objectives.models import Objective, ObjectiveStatus
from org import roles
from org.models import Role
from practices import adoption
from practices.models import (
    Means,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
    Practitioner,
    PractitionerDeparture,
)
from raison.editing import save_versioned, set_status_versioned, update_versioned

MEANS_FIELDS = ("name", "kind", "description", "url", "owner")
PRACTICE_FIELDS = ("name", "description", "personal_benefit", "owner")


def _clean_rationale(rationale: str) -> str:
    rationale = " ".join((rationale or "").split())
    if not rationale:
        raise ValidationError({"rationale": _("Say in one sentence why this link exists.")})
    if len(rationale) > 300:
        raise ValidationError({"rationale": _("Keep the rationale to one sentence (300 characters at most).")})
    return rationale


def _check_linkable(objective: Objective) -> None:
    if objective.status == ObjectiveStatus.ARCHIVED:
        raise ValidationError({"objective": _("This objective is archived: link to a current one.")})


# --- Means -------------------------------------------------------------------------


@transaction.atomic
def means_create(
    *, by, name: str, kind: str, unit, description: str = "", url: str = "", owner=None, status=MeansStatus.ACTIVE
) -> Means:
    roles.require_manager(by, unit.pk)
    means = Means(
        name=name.strip(),
        kind=kind,
        description=description.strip(),
        url=url.strip(),
        unit=unit,
        owner=owner or by,
        status=status,
    )
    means.full_clean()
    means._history_user = by
    means.save()
    return means


@transaction.atomic
def means_update(*, means: Means, by, expected_version: int | None = None, **changes) -> Means:
    roles.require_manager(by, means.unit_id)
    update_versioned(means, changes, allowed=MEANS_FIELDS, by=by, expected_version=expected_version)
    return means


@transaction.atomic
def means_set_status(*, means: Means, by, status: str, expected_version: int | None = None) -> Means:
    roles.require_manager(by, means.unit_id)
    set_status_versioned(means, status, by=by, expected_version=expected_version)
    return means


# --- Practices ---------------------------------------------------------------------


@transaction.atomic
def practice_create(
    *,
    by,
    name: str,
    unit,
    description: str = "",
    personal_benefit: str = "",
    owner=None,
    status: str = PracticeStatus.ACTIVE,
) -> Practice:
    roles.require_manager(by, unit.pk)
    practice = Practice(
        name=name.strip(),
        description=description.strip(),
        personal_benefit=personal_benefit.strip(),
        unit=unit,
        owner=owner or by,
        status=status,
    )
    practice.full_clean()
    practice._history_user = by
    practice.save()
    return practice


@transaction.atomic
def practice_propose(*, by, name: str, description: str = "", personal_benefit: str = "", unit=None) -> Practice:
    """Anyone brings a practice in bottom-up; it waits for a manager to adopt it under an objective."""
    roles.require_member(by)
    unit_id = unit.pk if unit is not None else roles.home_unit_id(by)
    if unit_id is None:
        raise ValidationError({"unit": _("You are not a member of any unit yet: ask an administrator to add you.")})
    practice = Practice(
        name=name.strip(),
        description=description.strip(),
        personal_benefit=personal_benefit.strip(),
        unit_id=unit_id,
        owner=by,
        proposed_by=by,
        status=PracticeStatus.PROPOSED,
    )
    practice.full_clean()
    practice._history_user = by
    practice.save()
    return practice


@transaction.atomic
def practice_update(*, practice: Practice, by, expected_version: int | None = None, **changes) -> Practice:
    roles.require_manager(by, practice.unit_id)
    update_versioned(practice, changes, allowed=PRACTICE_FIELDS, by=by, expected_version=expected_version)
    return practice


@transaction.atomic
def practice_set_status(*, practice: Practice, by, status: str, expected_version: int | None = None) -> Practice:
    roles.require_manager(by, practice.unit_id)
    set_status_versioned(practice, status, by=by, expected_version=expected_version)
    return practice


def practice_retire(*, practice: Practice, by, expected_version: int | None = None) -> Practice:
    return practice_set_status(
        practice=practice, by=by, status=PracticeStatus.RETIRED, expected_version=expected_version
    )


def _lock_proposal(practice: Practice, message) -> None:
    """Re-read the status under a row lock so an adoption and a decline cannot both win."""
    status = Practice.objects.select_for_update().filter(pk=practice.pk).values_list("status", flat=True).first()
    if status != PracticeStatus.PROPOSED:
        raise ValidationError(message)


@transaction.atomic
def practice_adopt(*, practice: Practice, by, objective: Objective, rationale: str) -> Practice:
    """A manager adopts a proposal under an objective: the link and the activation land together."""
    roles.require_manager(by, practice.unit_id)
    if objective.status != ObjectiveStatus.ACTIVE:
        raise ValidationError({"objective": _("Adopt the practice under an active objective.")})
    _lock_proposal(practice, _("Only a proposed practice can be adopted."))
    practice_link_objective(practice=practice, objective=objective, by=by, rationale=rationale)
    practice.status = PracticeStatus.ACTIVE
    practice.decision_reason = ""
    save_versioned(practice, expected_version=None, fields=["status", "decision_reason"], by=by)
    return practice


@transaction.atomic
def practice_decline(*, practice: Practice, by, reason: str) -> Practice:
    roles.require_manager(by, practice.unit_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tell the person who proposed it why it is declined.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason to 500 characters at most.")})
    _lock_proposal(practice, _("Only a proposed practice can be declined."))
    practice.decision_reason = reason
    practice.status = PracticeStatus.DECLINED
    save_versioned(practice, expected_version=None, fields=["status", "decision_reason"], by=by)
    return practice


@transaction.atomic
def practice_mark_practising(*, practice: Practice, by) -> bool:
    """Say "I practise this". Returns False if the person already said so."""
    roles.require_member(by)
    if practice.status != PracticeStatus.ACTIVE:
        raise ValidationError(_("Only an active practice can be practised."))
    _practitioner, created = Practitioner.objects.get_or_create(practice=practice, user=by)
    if created:
        adoption.refresh_practice(practice)
    return created


@transaction.atomic
def practice_unmark_practising(*, practice: Practice, by, reason: str = "") -> bool:
    """Say "I stopped" (with why, kept for the practice's managers). False if the person did not practise it."""
    roles.require_member(by)
    # Locked and deleted in one go: a double click records one departure, not two.
    practitioner = Practitioner.objects.select_for_update().filter(practice=practice, user=by).first()
    if practitioner is None:
        return False
    practitioner.delete()
    PractitionerDeparture.objects.create(
        practice=practice, user=by, joined_at=practitioner.created_at, reason=" ".join(reason.split())[:500]
    )
    adoption.refresh_practice(practice)
    return True


@transaction.atomic
def set_audience(*, record: Practice | Means, by, units, role: str = "") -> None:
    """Say whom a practice or means is meant for: units (their subtrees), optionally one role."""
    roles.require_manager(by, record.unit_id)
    if role and role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    record.audience_units.set(units)
    type(record).objects.filter(pk=record.pk).update(audience_role=role)
    record.audience_role = role
    if isinstance(record, Practice):
        adoption.refresh_practice(record)


# --- Links -------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedLink:
    """What an unlink removed: enough to undo it with the same rationale."""

    source_id: int
    target_id: int
    rationale: str


def _create_link(model, *, by, rationale: str, duplicate_message: str, **ends):
    link = model(rationale=_clean_rationale(rationale), created_by=by, **ends)
    link._history_user = by
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise ValidationError(duplicate_message) from None
    return link


def _delete_link(model, *, by, **ends) -> str | None:
    """Delete the link if it is still there; its rationale, or None if it was already gone.

    The row is locked before anything is written: of several identical unlinks racing
    (a double click, a resent form), one deletes and writes the "deleted" history row;
    the others wait for it, find nothing left (PostgreSQL re-reads a row locked FOR UPDATE
    once its deleter commits) and write nothing. Without the lock each of them went on to
    ``delete()``, which sends post_delete (and so history) even when the DELETE removed
    no row.
    """
    link = model.objects.select_for_update().filter(**ends).first()
    if link is None:
        return None
    link._history_user = by
    link.delete()
    return link.rationale


@transaction.atomic
def practice_link_objective(*, practice: Practice, objective: Objective, by, rationale: str) -> PracticeObjective:
    roles.require_manager(by, practice.unit_id)
    _check_linkable(objective)
    return _create_link(
        PracticeObjective,
        by=by,
        rationale=rationale,
        duplicate_message=_("This practice already lives this objective."),
        practice=practice,
        objective=objective,
    )


@transaction.atomic
def practice_unlink_objective(*, practice: Practice, objective: Objective, by) -> RemovedLink | None:
    """Unlink; None when the link was already gone (another tab, a colleague, a double click)."""
    roles.require_manager(by, practice.unit_id)
    rationale = _delete_link(PracticeObjective, by=by, practice=practice, objective=objective)
    return None if rationale is None else RemovedLink(practice.pk, objective.pk, rationale)


@transaction.atomic
def practice_link_means(*, practice: Practice, means: Means, by, rationale: str) -> PracticeMeans:
    roles.require_manager(by, practice.unit_id)
    if means.status != MeansStatus.ACTIVE:
        raise ValidationError({"means": _("This means is retired: pick one still in use.")})
    return _create_link(
        PracticeMeans,
        by=by,
        rationale=rationale,
        duplicate_message=_("This practice already relies on this means."),
        practice=practice,
        means=means,
    )


@transaction.atomic
def practice_unlink_means(*, practice: Practice, means: Means, by) -> RemovedLink | None:
    roles.require_manager(by, practice.unit_id)
    rationale = _delete_link(PracticeMeans, by=by, practice=practice, means=means)
    return None if rationale is None else RemovedLink(practice.pk, means.pk, rationale)


@transaction.atomic
def means_link_objective(*, means: Means, objective: Objective, by, rationale: str) -> MeansObjective:
    roles.require_manager(by, means.unit_id)
    _check_linkable(objective)
    return _create_link(
        MeansObjective,
        by=by,
        rationale=rationale,
        duplicate_message=_("This means already serves this objective."),
        means=means,
        objective=objective,
    )


@transaction.atomic
def means_unlink_objective(*, means: Means, objective: Objective, by) -> RemovedLink | None:
    roles.require_manager(by, means.unit_id)
    rationale = _delete_link(MeansObjective, by=by, means=means, objective=objective)
    return None if rationale is None else RemovedLink(means.pk, objective.pk, rationale)


def require_practice_manager(user, practice: Practice) -> None:
    """For views: refuse early with the same message the services would give."""
    if not roles.can_manage_unit(user, practice.unit_id):
        raise PermissionDenied(_("Only a manager of this practice's unit can change it."))

"""Writes to the strategy: create, edit, change status, re-parent, archive.

Each service checks the actor's role for the unit and raises ``PermissionDenied``
or ``ValidationError`` with a message meant for the person, before writing anything.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from objectives.models import Objective, ObjectiveStatus
from objectives.progress import roll_up
from org import roles
from raison.editing import save_versioned, set_status_versioned, update_versioned

#: The advisory lock that serialises hierarchy writes on PostgreSQL (see migration 0002).
HIERARCHY_LOCK = 7419001

EDITABLE_FIELDS = ("title", "statement", "owner", "starts_on", "ends_on")


def can_edit_objective(user, objective: Objective) -> bool:
    """Strategic roots belong to executives; sub-objectives to managers of their unit's subtree."""
    if objective.is_strategic:
        return roles.can_lead_unit(user, objective.unit_id)
    return roles.can_manage_unit(user, objective.unit_id)


def require_edit(user, objective: Objective) -> None:
    if not can_edit_objective(user, objective):
        if objective.is_strategic:
            raise PermissionDenied(_("Only an executive can change a strategic objective."))
        raise PermissionDenied(_("Only a manager of this objective's unit can change it."))


def _lock_hierarchy() -> None:
    # SQLite's IMMEDIATE transactions already serialise writers; PostgreSQL needs the lock
    # so the check below and the trigger see the other writer's committed parent.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HIERARCHY_LOCK])


def _check_parent(*, objective: Objective | None, parent: Objective | None) -> None:
    if parent is None:
        return
    if parent.status == ObjectiveStatus.ARCHIVED:
        raise ValidationError({"parent": _("An archived objective cannot take new sub-objectives.")})
    if objective is None or objective.pk is None:
        return
    if parent.pk == objective.pk:
        raise ValidationError({"parent": _("An objective cannot be its own parent.")})
    if Objective.objects.chain_of([parent.pk]).filter(pk=objective.pk).exists():
        raise ValidationError(
            {
                "parent": _(
                    "“%(parent)s” sits under “%(objective)s”: placing it there would make a loop in the strategy."
                )
                % {"parent": parent.title, "objective": objective.title}
            }
        )


def _check_horizon(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end of the horizon cannot come before its start.")})


@transaction.atomic
def objective_create(
    *,
    by,
    title: str,
    statement: str,
    unit,
    parent: Objective | None = None,
    status: str = ObjectiveStatus.DRAFT,
    owner=None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Objective:
    if parent is None:
        roles.require_executive(by, unit.pk)
    else:
        # The parent may belong to any unit: a division breaks down the company's strategy
        # by hanging its own objective under the company's root. The right that matters
        # is over the unit the new objective belongs to.
        roles.require_manager(by, unit.pk)
        if parent.status != ObjectiveStatus.ACTIVE:
            raise ValidationError({"parent": _("Sub-objectives can only be added under an active objective.")})
    _check_horizon(starts_on, ends_on)
    if status not in ObjectiveStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    _lock_hierarchy()
    objective = Objective(
        activated_at=timezone.now() if status == ObjectiveStatus.ACTIVE else None,
        title=title.strip(),
        statement=statement.strip(),
        unit=unit,
        parent=parent,
        status=status,
        owner=owner or by,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    objective.full_clean()
    objective._history_user = by
    objective.save()
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by, expected_version: int | None = None, **changes) -> Objective:
    require_edit(by, objective)
    update_versioned(
        objective,
        changes,
        allowed=EDITABLE_FIELDS,
        by=by,
        expected_version=expected_version,
        clean_exclude=("parent",),
    )
    return objective


@transaction.atomic
def objective_set_status(*, objective: Objective, by, status: str, expected_version: int | None = None) -> Objective:
    require_edit(by, objective)
    was_active = objective.status == ObjectiveStatus.ACTIVE
    if status == ObjectiveStatus.ACTIVE and not was_active:
        objective.activated_at = timezone.now()
        Objective.objects.filter(pk=objective.pk).update(activated_at=objective.activated_at)
    set_status_versioned(objective, status, by=by, expected_version=expected_version)
    # Only active sub-objectives count in their parent's progress.
    roll_up(objective.parent_id)
    return objective


def objective_archive(*, objective: Objective, by, expected_version: int | None = None) -> Objective:
    return objective_set_status(
        objective=objective, by=by, status=ObjectiveStatus.ARCHIVED, expected_version=expected_version
    )


@transaction.atomic
def objective_reparent(
    *, objective: Objective, by, parent: Objective | None, expected_version: int | None = None
) -> Objective:
    """Move an objective (and its subtree) under another parent, or make it a strategic root."""
    require_edit(by, objective)
    if parent is None:
        roles.require_executive(by, objective.unit_id)
    # As in objective_create, the new parent may belong to any unit: whoever may edit
    # the objective may place it where a new one could have been created.
    _lock_hierarchy()
    _check_parent(objective=objective, parent=parent)
    former_parent_id = objective.parent_id
    objective.parent = parent
    try:
        # A savepoint, so a trigger refusal leaves the caller's transaction usable.
        with transaction.atomic():
            save_versioned(objective, expected_version=expected_version, fields=["parent"], by=by)
    except IntegrityError:
        raise ValidationError({"parent": _("This move would make a loop in the strategy.")}) from None
    roll_up(former_parent_id)
    roll_up(parent.pk if parent is not None else None)
    return objective

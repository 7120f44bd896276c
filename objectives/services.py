"""Writes to the strategy: create, edit, change status, re-parent, archive.

Each service checks the actor's role for the unit and raises ``PermissionDenied``
or ``ValidationError`` with a message meant for the person, before writing anything.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectives.models import Objective, ObjectiveStatus
from objectives.progress import roll_up
from org import roles
from org.hierarchy import subtree_ids
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


def allowed_parents(objective: Objective | None = None) -> QuerySet[Objective]:
    """Where an objective may hang: the one rule for creating, moving and the forms' lists.

    Under an *active* objective only: a draft, achieved or archived parent breaks the
    chain to the strategy for everything below it. A moved objective never goes under
    itself or one of its own descendants (that would be a loop).
    """
    candidates = Objective.objects.active()
    if objective is not None and objective.pk is not None:
        candidates = candidates.exclude(pk__in=subtree_ids(Objective._meta.db_table, [objective.pk]))
    return candidates


def _check_parent(*, objective: Objective | None, parent: Objective | None) -> None:
    """Refuse a parent outside :func:`allowed_parents`, saying why (call under the hierarchy lock)."""
    if parent is None or allowed_parents(objective).filter(pk=parent.pk).exists():
        return
    if objective is not None and parent.pk == objective.pk:
        raise ValidationError({"parent": _("An objective cannot be its own parent.")})
    # Read now, under the lock: the instance may predate a concurrent status change.
    status = Objective.objects.filter(pk=parent.pk).values_list("status", flat=True).first()
    if status != ObjectiveStatus.ACTIVE:
        raise ValidationError(
            {
                "parent": _("Sub-objectives hang under an active objective only: “%(parent)s” is %(status)s.")
                % {"parent": parent.title, "status": ObjectiveStatus(status).label.lower() if status else _("gone")}
            }
        )
    raise ValidationError(
        {
            "parent": _("“%(parent)s” sits under “%(objective)s”: placing it there would make a loop in the strategy.")
            % {"parent": parent.title, "objective": objective.title}
        }
    )


#: How many active sub-objectives a refused archive names before "and N more".
NAMED_CHILDREN = 5


def _check_archivable(objective: Objective) -> None:
    """Refuse to archive an objective while active objectives still hang below it.

    Archiving would break their chain to the strategy silently. Archiving them along
    with it is not done either: they may belong to other units, whose managers decide
    on them. The person moves or archives them first; the message names them.
    """
    below = (
        Objective.objects.filter(pk__in=subtree_ids(Objective._meta.db_table, [objective.pk]))
        .exclude(pk=objective.pk)
        .active()
    )
    titles = list(below.order_by("title", "pk").values_list("title", flat=True)[: NAMED_CHILDREN + 1])
    if not titles:
        return
    total = len(titles) if len(titles) <= NAMED_CHILDREN else below.count()
    names = ", ".join(f"“{title}”" for title in titles[:NAMED_CHILDREN])
    if total > NAMED_CHILDREN:
        names = _("%(names)s and %(count)d more") % {"names": names, "count": total - NAMED_CHILDREN}
    raise ValidationError(
        {
            "status": ngettext(
                "An active objective still hangs below this one: %(names)s. Move it or archive it first.",
                "Active objectives still hang below this one: %(names)s. Move them or archive them first.",
                total,
            )
            % {"names": names}
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
    _check_horizon(starts_on, ends_on)
    if status not in ObjectiveStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    _lock_hierarchy()
    _check_parent(objective=None, parent=parent)
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
    if status == ObjectiveStatus.ARCHIVED:
        # Under the lock: no sub-objective can be created or moved below it meanwhile.
        _lock_hierarchy()
        _check_archivable(objective)
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

"""Writes on flags and notifications that people make from the pages.

The engine raises and resolves flags; a manager may accept one as an exception (it
stays visible, it stops counting as open), and a person marks their notifications read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alignment import figures
from alignment.models import Flag, Notification
from org import roles


def flag_subject_unit_id(flag: Flag) -> int | None:
    if flag.key_result_id is not None:
        return flag.key_result.objective.unit_id
    subject = flag.practice or flag.means or flag.objective
    return subject.unit_id if subject is not None else None


def can_act_on_flag(user, flag: Flag) -> bool:
    """Managers act on flags about records of their subtree (executives: of theirs, so everywhere)."""
    return roles.can_manage_unit(user, flag_subject_unit_id(flag))


def require_flag_manager(user, flag: Flag) -> None:
    if not can_act_on_flag(user, flag):
        raise PermissionDenied(_("Only a manager of the flagged record's unit can act on this flag."))


@transaction.atomic
def flag_acknowledge(*, flag: Flag, by, reason: str) -> Flag:
    require_flag_manager(by, flag)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why this is an accepted exception.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    # Conditional update: a flag resolved or acknowledged meanwhile is left as it is.
    now = timezone.now()
    updated = Flag.objects.filter(pk=flag.pk, resolved_at__isnull=True, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by, acknowledgement_reason=reason
    )
    if not updated:
        raise ValidationError(_("This flag is no longer open: it was resolved or acknowledged meanwhile."))
    flag.acknowledged_at, flag.acknowledged_by, flag.acknowledgement_reason = now, by, reason
    # An accepted exception stops counting as open: the unit's counts on the dashboard follow.
    figures.refresh_open_counts(flag_subject_unit_id(flag), [flag.kind])
    return flag


def notification_mark_read(*, notification: Notification, by) -> bool:
    if notification.recipient_id != by.pk:
        raise PermissionDenied(_("This notification is not yours."))
    return bool(Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now()))


def notifications_mark_all_read(*, by) -> int:
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())


#: How many flags one bulk action may touch (one inbox page, with room to spare).
BULK_LIMIT = 100


@transaction.atomic
def flags_acknowledge(*, flags: list[Flag], by, reason: str) -> int:
    """Accept several open flags as exceptions with one reason: all or nothing."""
    if len(flags) > BULK_LIMIT:
        raise ValidationError(_("Choose at most %(n)d flags at once.") % {"n": BULK_LIMIT})
    for flag in flags:
        require_flag_manager(by, flag)
    for flag in flags:
        flag_acknowledge(flag=flag, by=by, reason=reason)
    return len(flags)


@transaction.atomic
def flags_assign(*, flags: list[Flag], by, owner) -> int:
    """Make ``owner`` the owner of the flagged records (who answers for them, and who is
    told about their flags). Each save goes through the model so its history records who did it."""
    if len(flags) > BULK_LIMIT:
        raise ValidationError(_("Choose at most %(n)d flags at once.") % {"n": BULK_LIMIT})
    if not owner.is_active:
        raise ValidationError({"owner": _("This person's account is disabled.")})
    for flag in flags:
        require_flag_manager(by, flag)
    changed = 0
    for flag in flags:
        subject = flag.practice or flag.means or flag.objective
        if subject.owner_id != owner.pk:
            subject.owner = owner
            subject._history_user = by
            subject.save(update_fields=["owner"])
            changed += 1
    return changed

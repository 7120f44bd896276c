"""Telling owners that something they own was flagged: one digest, not one message per flag.

Each rule's run leaves each owner at most one in-app notification, counting the flags it
raised on their records and pointing at the first; a flag is raised once while its
problem lasts, so nothing is ever announced twice. Notifications are written set-based in
the same transaction as the flags they announce; e-mail, when a server is configured,
goes out afterwards, outside any transaction, as one message per owner and run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alignment.models import FLAG_SUBJECT, Flag, FlagKind, Notification, NotificationKind
from objectives.models import KeyResult, Objective
from practices.models import Means, Practice

logger = logging.getLogger(__name__)

SUBJECT_MODEL = {"practice": Practice, "means": Means, "objective": Objective, "key_result": KeyResult}
FLAG = Flag._meta.db_table
NOTIFICATION = Notification._meta.db_table

#: At most this many flags are listed in one e-mail; the rest are summed up in a line.
EMAIL_LINES = 50
#: A first sweep over a large organisation can raise tens of thousands of flags; mail
#: goes out in batches of this many notifications, the rest wait for the in-app inbox.
EMAIL_BATCH = 2000


def owner_notifications_sql(subject: str, raised: str) -> str:
    """``INSERT … SELECT`` of one digest per owner of the flags in ``raised(id, subject_id)``."""
    table = SUBJECT_MODEL[subject]._meta.db_table
    return (
        f"INSERT INTO {NOTIFICATION} (recipient_id, kind, flag_id, count, created_at)"  # noqa: S608 (model names)
        f" SELECT s.owner_id, '{NotificationKind.FLAG_DIGEST}', min({raised}.id), count(*), %(now)s"
        f" FROM {raised} JOIN {table} s ON s.id = {raised}.subject_id"
        f" WHERE s.owner_id IS NOT NULL GROUP BY s.owner_id ON CONFLICT DO NOTHING"
    )


def notify_owners(kind: FlagKind, *, raised_at: datetime) -> int:
    """Notify the owners of the ``kind`` flags raised at ``raised_at`` (one engine run)."""
    subject = FLAG_SUBJECT[kind]
    table = SUBJECT_MODEL[subject]._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NOTIFICATION} (recipient_id, kind, flag_id, count, created_at)"  # noqa: S608 (model names)
            f" SELECT s.owner_id, %(digest)s, min(f.id), count(*), %(now)s"
            f" FROM {FLAG} f JOIN {table} s ON s.id = f.{subject}_id"
            f" WHERE f.kind = %(kind)s AND f.raised_at = %(now)s AND f.resolved_at IS NULL"
            f" AND s.owner_id IS NOT NULL GROUP BY s.owner_id ON CONFLICT DO NOTHING",
            {
                "now": connection.ops.adapt_datetimefield_value(raised_at),
                "kind": str(kind),
                "digest": NotificationKind.FLAG_DIGEST.value,
            },
        )
        return cursor.rowcount


def send_emails(*, raised_at: datetime) -> int:
    """E-mail each owner one digest of the flags raised at ``raised_at``. Returns mails sent.

    Rows are claimed (``emailed_at`` set) before sending, with a conditional update, so
    two workers never mail the same notification; a failed send gives the claim back.
    """
    if not getattr(settings, "RAISON_EMAIL_ENABLED", False):
        return 0
    pending = list(
        Notification.objects.filter(flag__raised_at=raised_at, flag__resolved_at__isnull=True, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient", "flag", "flag__practice", "flag__means", "flag__objective", "flag__key_result")
        .order_by("recipient_id", "pk")[:EMAIL_BATCH]
    )
    if not pending:
        return 0
    claimed_at = timezone.now()
    ids = [n.pk for n in pending]
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=claimed_at)
    mine = set(Notification.objects.filter(pk__in=ids, emailed_at=claimed_at).values_list("pk", flat=True))
    by_recipient = defaultdict(list)
    for notification in pending:
        if notification.pk in mine:
            by_recipient[notification.recipient].append(notification)
    sent = 0
    mail = get_connection(fail_silently=False)
    for recipient, notifications in by_recipient.items():
        try:
            mail.send_messages([_digest(recipient, notifications, raised_at=raised_at)])
            sent += 1
        except Exception:
            logger.exception("could not e-mail %s about %d new flags", recipient.pk, len(notifications))
            Notification.objects.filter(pk__in=[n.pk for n in notifications], emailed_at=claimed_at).update(
                emailed_at=None
            )
    return sent


def _raised_for(recipient, raised_at: datetime) -> list[Flag]:
    """The flags one run raised on what ``recipient`` owns, at most EMAIL_LINES of them."""
    owned = Q()
    for subject in SUBJECT_MODEL:
        owned |= Q(**{f"{subject}__owner": recipient})
    return list(
        Flag.objects.filter(owned, raised_at=raised_at, resolved_at__isnull=True)
        .select_related("practice", "means", "objective", "key_result")
        .order_by("pk")[:EMAIL_LINES]
    )


def _digest(recipient, notifications: list[Notification], *, raised_at: datetime) -> EmailMessage:
    count = sum(n.count for n in notifications)
    subject = ngettext(
        "Raison: %(count)d new alignment flag on something you own",
        "Raison: %(count)d new alignment flags on things you own",
        count,
    ) % {"count": count}
    lines = [
        _("Raison found these problems on records you own:"),
        "",
        *(f"- {flag.get_kind_display()}: {flag.subject}" for flag in _raised_for(recipient, raised_at)),
    ]
    if count > EMAIL_LINES:
        lines.append(_("… and %(more)d more: see your flags inbox.") % {"more": count - EMAIL_LINES})
    lines += ["", _("Link them to an objective, retire them, or acknowledge the exception with a reason.")]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[recipient.email])

"""Questions on records, answered at the lowest level that can: the seed's subsidiarity.

"Find the answer at the level where the question arises, and take up to the level above
only what cannot be settled there." A question on an objective, a means, a practice or a
flag goes to the managers of the record's unit. If nobody there answers within
``QUESTION_ESCALATION_DAYS``, :func:`escalate_due` hands it to the parent unit's managers,
then further up; a unit without managers passes it straight on. Answering at any level
closes it for everyone: managers' rights cover their subtree, so the unit above can
always answer what sits below it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alignment.models import Flag, Notification, NotificationKind, Question, QuestionHandover, QuestionStatus
from alignment.services import flag_subject_unit_id
from objectives.models import Objective
from org import roles
from org.hierarchy import ancestor_ids
from org.models import MANAGING_ROLES, Membership, Unit
from practices.models import Means, Practice

SUBJECTS = {"objective": Objective, "means": Means, "practice": Practice, "flag": Flag}


def subject_unit_id(subject) -> int:
    if isinstance(subject, Flag):
        return flag_subject_unit_id(subject)
    return subject.unit_id


def _managers(unit_id: int) -> list[int]:
    return list(
        Membership.objects.filter(unit_id=unit_id, role__in=MANAGING_ROLES, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _hand_to(question: Question, unit_id: int, *, at, escalated: bool) -> None:
    """Give the question to ``unit_id``, or the nearest unit above it that has managers."""
    chain = dict(
        Unit.objects.filter(pk__in=ancestor_ids(Unit._meta.db_table, [unit_id])).values_list("pk", "parent_id")
    )
    current: int | None = unit_id
    while current is not None:
        handlers = _managers(current)
        QuestionHandover.objects.create(question=question, unit_id=current, at=at, escalated=escalated)
        if handlers or chain.get(current) is None:
            break
        # Nobody to answer here: it climbs at once, which the history shows as an escalation.
        current, escalated = chain.get(current), True
    question.unit_id = current
    question.handed_at = at
    Question.objects.filter(pk=question.pk).update(unit_id=current, handed_at=at)
    Notification.objects.bulk_create(
        [Notification(recipient_id=user_id, kind=NotificationKind.QUESTION, question=question) for user_id in handlers]
    )


@transaction.atomic
def ask(*, by, subject, text: str) -> Question:
    roles.require_member(by)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your question.")})
    now = timezone.now()
    unit_id = subject_unit_id(subject)
    field = next(name for name, model in SUBJECTS.items() if isinstance(subject, model))
    question = Question(text=text, asked_by=by, unit_id=unit_id, handed_at=now, **{field: subject})
    question.full_clean(exclude=["unit"])
    question.save()
    _hand_to(question, unit_id, at=now, escalated=False)
    return question


def can_answer(user, question: Question) -> bool:
    return question.status == QuestionStatus.OPEN and roles.can_manage_unit(user, question.unit_id)


@transaction.atomic
def answer(*, by, question: Question, text: str) -> Question:
    # Locked: two managers answering at once give one answer, the second is told.
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status != QuestionStatus.OPEN:
        raise ValidationError(_("This question was answered meanwhile."))
    if not roles.can_manage_unit(by, question.unit_id):
        raise PermissionDenied(_("Only a manager of the unit that has this question (or of one above) can answer it."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your answer.")})
    question.status = QuestionStatus.ANSWERED
    question.answer = text
    question.answered_by = by
    question.answered_at = timezone.now()
    question.full_clean()
    question.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    if question.asked_by_id and question.asked_by_id != by.pk:
        Notification.objects.create(recipient_id=question.asked_by_id, kind=NotificationKind.ANSWER, question=question)
    return question


def escalate_due(*, now=None) -> int:
    """Hand every question left unanswered too long to the unit above; returns how many climbed.

    Each climb is a conditional update on the question's current holder, so two runs at
    once (or a run racing an answer) move it one step at most.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.QUESTION_ESCALATION_DAYS)
    climbed = 0
    due = Question.objects.filter(status=QuestionStatus.OPEN, handed_at__lt=cutoff, unit__parent__isnull=False)
    for question in due.select_related("unit").iterator(chunk_size=200):
        with transaction.atomic():
            won = Question.objects.filter(
                pk=question.pk, status=QuestionStatus.OPEN, unit_id=question.unit_id, handed_at=question.handed_at
            ).update(handed_at=now)
            if not won:
                continue
            _hand_to(question, question.unit.parent_id, at=now, escalated=True)
            climbed += 1
    return climbed


def escalate_flags(*, now=None) -> int:
    """Open flags nobody handled within ``FLAG_ESCALATION_DAYS`` climb one unit; returns how many.

    Set-based, one UPDATE per level: a flag climbs only while its unit has a unit that many
    levels above. The managers of each unit that receives flags get one notification for
    the run, pointing at the first of them and counting the rest.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FLAG_ESCALATION_DAYS)
    parents = dict(Unit.objects.values_list("pk", "parent_id"))

    def ancestor(unit_id: int | None, levels: int) -> int | None:
        for _step in range(levels):
            unit_id = parents.get(unit_id)
        return unit_id

    depth = {pk: next(d for d in range(len(parents) + 1) if ancestor(pk, d + 1) is None) for pk in parents}
    stale = Flag.objects.open().filter(Q(escalated_at__lt=cutoff) | Q(escalated_at__isnull=True, raised_at__lt=cutoff))
    climbed = 0
    received: dict[int, list[int]] = {}
    for level in range(max(depth.values(), default=0)):
        units = [pk for pk, d in depth.items() if d > level]
        mine = stale.filter(escalation_level=level).filter(
            Q(practice__unit__in=units)
            | Q(means__unit__in=units)
            | Q(objective__unit__in=units)
            | Q(key_result__objective__unit__in=units)
        )
        rows = list(mine.with_subject_unit().values_list("pk", "subject_unit"))
        if not rows:
            continue
        with transaction.atomic():
            # Conditional on the level read: a second run at once moves nothing twice.
            climbed += Flag.objects.filter(pk__in=[pk for pk, _unit in rows], escalation_level=level).update(
                escalation_level=level + 1, escalated_at=now
            )
        for pk, unit_id in rows:
            received.setdefault(ancestor(unit_id, level + 1), []).append(pk)
    notes = []
    for unit_id, flag_ids in received.items():
        for user_id in _managers(unit_id):
            notes.append(
                Notification(
                    recipient_id=user_id,
                    kind=NotificationKind.FLAG_ESCALATION,
                    flag_id=min(flag_ids),
                    count=len(flag_ids),
                )
            )
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return climbed

"""The engine's records: flags on what lost its purpose, the notifications they cause,
and the dashboard's figures the engine keeps up to date (``alignment.figures``).

Flags refer to objectives, means and practices by string, never by importing them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class FlagKind(models.TextChoices):
    ORPHAN_PRACTICE = "orphan_practice", _("Orphan practice")
    UNROOTED_PRACTICE = "unrooted_practice", _("Unrooted practice")
    PURPOSELESS_MEANS = "purposeless_means", _("Purposeless means")
    UNROOTED_MEANS = "unrooted_means", _("Unrooted means")
    UNRESOURCED_OBJECTIVE = "unresourced_objective", _("Unresourced objective")
    UNPRACTISED_OBJECTIVE = "unpractised_objective", _("Unpractised objective")
    MISMATCHED_MEANS = "mismatched_means", _("Mismatched means")
    STALLED_KEY_RESULT = "stalled_key_result", _("Stalled key result")


#: Which subject column each kind of flag uses.
FLAG_SUBJECT = {
    FlagKind.ORPHAN_PRACTICE: "practice",
    FlagKind.UNROOTED_PRACTICE: "practice",
    FlagKind.MISMATCHED_MEANS: "practice",
    FlagKind.PURPOSELESS_MEANS: "means",
    FlagKind.UNROOTED_MEANS: "means",
    FlagKind.UNRESOURCED_OBJECTIVE: "objective",
    FlagKind.UNPRACTISED_OBJECTIVE: "objective",
    FlagKind.STALLED_KEY_RESULT: "key_result",
}

#: The subject columns a flag may use, exactly one at a time.
SUBJECT_COLUMNS = ("practice", "means", "objective", "key_result")


def _exactly_one_subject() -> Q:
    condition = Q()
    for column in SUBJECT_COLUMNS:
        condition |= Q(**{f"{c}__isnull": c != column for c in SUBJECT_COLUMNS})
    return condition


def _subject_matches_kind() -> Q:
    condition = Q()
    for column in SUBJECT_COLUMNS:
        kinds = [k for k, col in FLAG_SUBJECT.items() if col == column]
        condition |= Q(kind__in=kinds, **{f"{column}__isnull": False})
    return condition


class FlagQuerySet(models.QuerySet):
    def with_subject_unit(self):
        """``subject_unit``: the unit of the flagged record (a key result's is its objective's)."""
        return self.annotate(
            subject_unit=Coalesce(
                "practice__unit_id", "means__unit_id", "objective__unit_id", "key_result__objective__unit_id"
            )
        )

    def unresolved(self):
        return self.filter(resolved_at__isnull=True)

    def open(self):
        """Problems still counting: not resolved and not accepted as an exception."""
        return self.filter(resolved_at__isnull=True, acknowledged_at__isnull=True)

    def acknowledged(self):
        return self.filter(resolved_at__isnull=True, acknowledged_at__isnull=False)


class Flag(models.Model):
    """One problem the alignment engine found; resolved flags are kept as history."""

    kind = models.CharField(_("kind"), max_length=32, choices=FlagKind.choices)
    practice = models.ForeignKey(
        "practices.Practice", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    means = models.ForeignKey("practices.Means", null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    objective = models.ForeignKey(
        "objectives.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    key_result = models.ForeignKey(
        "objectives.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Subsidiarity: how many units up an open flag has climbed because nobody handled it.
    # db_default: the engine inserts flags in raw SQL.
    escalation_level = models.PositiveSmallIntegerField(_("escalated by"), default=0, db_default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="flag_exactly_one_subject", condition=_exactly_one_subject()),
            models.CheckConstraint(name="flag_subject_matches_kind", condition=_subject_matches_kind()),
            models.CheckConstraint(
                name="flag_acknowledged_with_reason",
                condition=Q(acknowledged_at__isnull=True) | ~Q(acknowledgement_reason=""),
            ),
            models.UniqueConstraint(
                fields=["kind", "practice"],
                condition=Q(resolved_at__isnull=True, practice__isnull=False),
                name="flag_one_unresolved_per_practice",
            ),
            models.UniqueConstraint(
                fields=["kind", "means"],
                condition=Q(resolved_at__isnull=True, means__isnull=False),
                name="flag_one_unresolved_per_means",
            ),
            models.UniqueConstraint(
                fields=["kind", "objective"],
                condition=Q(resolved_at__isnull=True, objective__isnull=False),
                name="flag_one_unresolved_per_objective",
            ),
            models.UniqueConstraint(
                fields=["kind", "key_result"],
                condition=Q(resolved_at__isnull=True, key_result__isnull=False),
                name="flag_one_unresolved_per_key_result",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "resolved_at"], name="flag_kind_resolved"),
            # The newest unresolved flags (the dashboard's list, the inbox's order) without sorting
            # them all: one sweep raises tens of thousands of flags with the same raised_at.
            models.Index(
                fields=["-raised_at", "-id"], condition=Q(resolved_at__isnull=True), name="flag_unresolved_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def subject(self):
        return self.practice or self.means or self.objective or self.key_result

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.acknowledged_at is None


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


class Question(models.Model):
    """A question someone asks about a record ("why do we still use X?"): subsidiarity at work.

    It goes to the managers of the record's unit; when nobody there answers within
    ``QUESTION_ESCALATION_DAYS`` it climbs to the parent unit, then further up. An answer at
    any level closes it for everyone below. ``unit`` and ``handed_at`` say who has it now;
    :class:`QuestionHandover` keeps who had it when.
    """

    objective = models.ForeignKey(
        "objectives.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    means = models.ForeignKey(
        "practices.Means", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    practice = models.ForeignKey(
        "practices.Practice", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    flag = models.ForeignKey(Flag, null=True, blank=True, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"), max_length=2000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("asked by")
    )
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("now with"))
    handed_at = models.DateTimeField(_("with them since"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True, max_length=4000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="question_exactly_one_subject",
                condition=(
                    Q(objective__isnull=False, means__isnull=True, practice__isnull=True, flag__isnull=True)
                    | Q(objective__isnull=True, means__isnull=False, practice__isnull=True, flag__isnull=True)
                    | Q(objective__isnull=True, means__isnull=True, practice__isnull=False, flag__isnull=True)
                    | Q(objective__isnull=True, means__isnull=True, practice__isnull=True, flag__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="question_answered_with_answer",
                condition=Q(status=QuestionStatus.OPEN) | (~Q(answer="") & Q(answered_at__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["status", "unit"], name="question_open_by_unit")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def subject(self):
        return self.objective or self.means or self.practice or self.flag


class QuestionHandover(models.Model):
    """Who had a question when: asked in a unit, then each climb to the unit above."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="handovers")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("from"))
    escalated = models.BooleanField(_("escalated"), default=False)

    class Meta:
        verbose_name = _("question handover")
        verbose_name_plural = _("question handovers")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} → {self.unit_id}"


class NotificationKind(models.TextChoices):
    FLAG = "flag", _("A flag on something you own")
    FLAG_DIGEST = "flag_digest", _("New flags on things you own")
    FLAG_ESCALATION = "flag_escalation", _("Flags nobody below you handled")
    QUESTION = "question", _("A question for your unit")
    ANSWER = "answer", _("An answer to your question")


class Notification(models.Model):
    """An in-app message to a person: new flags on what they own (one digest per engine run,
    pointing at the first of them), a question for their unit, the answer to theirs, or a
    summary (an import's outcome) that carries its own text and link."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices, default=NotificationKind.FLAG)
    flag = models.ForeignKey(
        Flag, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("flag")
    )
    #: How many flags a digest announces (the flag is the first of them).
    count = models.PositiveIntegerField(_("how many"), default=1)
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # Database defaults: the engine notifies with set-based INSERTs that name only its columns.
    message = models.CharField(_("message"), max_length=300, blank=True, default="", db_default="")
    link = models.CharField(_("link"), max_length=200, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # No repeat notification for the same open flag, even if two engine runs race.
            models.UniqueConstraint(fields=["recipient", "flag"], name="notification_once_per_flag"),
            models.CheckConstraint(
                condition=Q(flag__isnull=False) | Q(question__isnull=False) | ~Q(message=""),
                name="notification_flag_or_message",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.flag or self.question or self.message}"


#: The kinds that say a practice or a means is not aligned: an active practice or means
#: is aligned exactly when it has none of these unresolved (acknowledged or not), that
#: is when one of its objectives has a complete chain of active objectives up to an
#: active strategic root. The score and the flags share this one definition.
UNALIGNED_KINDS = {
    "practice": (FlagKind.ORPHAN_PRACTICE, FlagKind.UNROOTED_PRACTICE),
    "means": (FlagKind.PURPOSELESS_MEANS, FlagKind.UNROOTED_MEANS),
}


# --- The dashboard's figures, kept by the engine ------------------------------------------
#
# Live re-checks recompute the rows a change can affect from the base tables, the sweep
# recomputes them all: the dashboard reads a handful of rows instead of walking the
# organisation (see alignment/figures.py). A missing row means zero.


class UnitFigures(models.Model):
    """One unit's active practices and means, and how many of them are aligned."""

    unit = models.OneToOneField(
        "org.Unit", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    practices = models.PositiveIntegerField(_("active practices"), default=0)
    practices_aligned = models.PositiveIntegerField(_("aligned practices"), default=0)
    means = models.PositiveIntegerField(_("active means"), default=0)
    means_aligned = models.PositiveIntegerField(_("aligned means"), default=0)

    class Meta:
        verbose_name = _("unit figures")
        verbose_name_plural = _("unit figures")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.practices_aligned}/{self.practices}, {self.means_aligned}/{self.means}"


class OpenFlagCount(models.Model):
    """How many flags of one kind are open (unresolved, not acknowledged) on one unit's records."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=32, choices=FlagKind.choices)
    count = models.PositiveIntegerField(_("open flags"), default=0)

    class Meta:
        verbose_name = _("open flag count")
        verbose_name_plural = _("open flag counts")
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="open_flag_count_once_per_unit_kind")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind}: {self.count}"


class ObjectiveRoot(models.Model):
    """The strategic objective at the top of each objective's chain (whatever the statuses on the way).

    Lets a re-check count one unit's practices under one strategic objective through a
    few thousand index lookups instead of walking that objective's whole subtree.
    """

    objective = models.OneToOneField(
        "objectives.Objective", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    root = models.ForeignKey("objectives.Objective", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("strategic objective above")
        verbose_name_plural = _("strategic objectives above")

    def __str__(self) -> str:
        return f"{self.objective_id} → {self.root_id}"


class ObjectiveCoverage(models.Model):
    """One unit's distinct active means and practices linked anywhere below a strategic objective."""

    objective = models.ForeignKey(
        "objectives.Objective", on_delete=models.CASCADE, related_name="coverage", verbose_name=_("strategic objective")
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    means = models.PositiveIntegerField(_("means"), default=0)
    practices = models.PositiveIntegerField(_("practices"), default=0)

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        constraints = [models.UniqueConstraint(fields=["objective", "unit"], name="coverage_once_per_root_unit")]

    def __str__(self) -> str:
        return f"{self.objective_id}/{self.unit_id}: {self.means} means, {self.practices} practices"


class FlagDay(models.Model):
    """Flags raised and resolved on one day (in the site's time zone)."""

    day = models.DateField(_("day"), primary_key=True)
    raised = models.PositiveIntegerField(_("raised"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)

    class Meta:
        verbose_name = _("flags of the day")
        verbose_name_plural = _("flags per day")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: +{self.raised} -{self.resolved}"

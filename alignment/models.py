"""The engine's records: flags on what lost its purpose, and the notifications they cause.

Flags refer to objectives, means and practices by string, never by importing them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FlagKind(models.TextChoices):
    ORPHAN_PRACTICE = "orphan_practice", _("Orphan practice")
    UNROOTED_PRACTICE = "unrooted_practice", _("Unrooted practice")
    PURPOSELESS_MEANS = "purposeless_means", _("Purposeless means")
    UNRESOURCED_OBJECTIVE = "unresourced_objective", _("Unresourced objective")
    UNPRACTISED_OBJECTIVE = "unpractised_objective", _("Unpractised objective")
    MISMATCHED_MEANS = "mismatched_means", _("Mismatched means")


#: Which subject column each kind of flag uses.
FLAG_SUBJECT = {
    FlagKind.ORPHAN_PRACTICE: "practice",
    FlagKind.UNROOTED_PRACTICE: "practice",
    FlagKind.MISMATCHED_MEANS: "practice",
    FlagKind.PURPOSELESS_MEANS: "means",
    FlagKind.UNRESOURCED_OBJECTIVE: "objective",
    FlagKind.UNPRACTISED_OBJECTIVE: "objective",
}


class FlagQuerySet(models.QuerySet):
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
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement_reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="flag_exactly_one_subject",
                condition=(
                    Q(practice__isnull=False, means__isnull=True, objective__isnull=True)
                    | Q(practice__isnull=True, means__isnull=False, objective__isnull=True)
                    | Q(practice__isnull=True, means__isnull=True, objective__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="flag_subject_matches_kind",
                condition=(
                    Q(
                        kind__in=[k for k, col in FLAG_SUBJECT.items() if col == "practice"],
                        practice__isnull=False,
                    )
                    | Q(kind__in=[k for k, col in FLAG_SUBJECT.items() if col == "means"], means__isnull=False)
                    | Q(
                        kind__in=[k for k, col in FLAG_SUBJECT.items() if col == "objective"],
                        objective__isnull=False,
                    )
                ),
            ),
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
        ]
        indexes = [
            models.Index(fields=["kind", "resolved_at"], name="flag_kind_resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def subject(self):
        return self.practice or self.means or self.objective

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.acknowledged_at is None


class Notification(models.Model):
    """An in-app message to a person: about a flag on something they own, or a summary
    (an import's outcome) that carries its own text and link instead of a flag."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    flag = models.ForeignKey(
        Flag, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("flag")
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
                condition=Q(flag__isnull=False) | ~Q(message=""), name="notification_flag_or_message"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.flag or self.message}"

"""Objectives: the strategy, from strategic roots down to sub-objectives."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from tree_queries.fields import TreeNodeForeignKey
from tree_queries.models import TreeNode
from tree_queries.query import TreeQuerySet

from org.hierarchy import ancestor_ids, subtree_ids


class ObjectiveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    ARCHIVED = "archived", _("Archived")


class ObjectiveQuerySet(TreeQuerySet):
    def active(self):
        return self.filter(status=ObjectiveStatus.ACTIVE)

    def roots(self):
        return self.filter(parent__isnull=True)

    def for_units(self, unit_ids):
        return self.filter(unit_id__in=unit_ids)

    def subtree_of(self, objective_ids):
        return self.filter(pk__in=subtree_ids(self.model._meta.db_table, objective_ids))

    def chain_of(self, objective_ids):
        """The objectives and every ancestor up to their roots."""
        return self.filter(pk__in=ancestor_ids(self.model._meta.db_table, objective_ids))


class Objective(TreeNode):
    """What the organisation wants to achieve, and why (the statement)."""

    parent = TreeNodeForeignKey(
        "self",
        null=True,
        blank=True,
        # Objectives are archived, not deleted; deleting one with children must be deliberate.
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent objective"),
        help_text=_("Leave empty for a strategic objective (a root)."),
    )
    title = models.CharField(_("title"), max_length=200)
    statement = models.TextField(_("statement"), help_text=_("Why this objective exists, in plain words."))
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="objectives", verbose_name=_("owning unit")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_objectives",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.DRAFT, db_index=True
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped on every edit so a second person saving a stale form is refused, not obeyed.
    version = models.PositiveIntegerField(_("version"), default=1)
    # When it last became active: the engine gives a new objective a grace period.
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)
    # Rolled up from key results and sub-objectives by objectives.key_results; a fraction 0–1.
    progress = models.FloatField(_("progress"), null=True, blank=True, editable=False)

    objects = ObjectiveQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at", "progress", "activated_at"])

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="objective_not_own_parent"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="objective_horizon_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ObjectiveStatus]), name="objective_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="objective_unit_status"),
            # The list's order: a page is read off the index instead of sorting every objective.
            models.Index(fields=["title", "id"], name="objective_title_id"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_strategic(self) -> bool:
        return self.parent_id is None

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end of the horizon cannot come before its start.")})


class MetricKind(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENTAGE = "percentage", _("Percentage")
    CURRENCY = "currency", _("Amount of money")
    BOOLEAN = "boolean", _("Yes or no")
    MILESTONE = "milestone", _("Milestone (per cent done)")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase to the target")
    DECREASE = "decrease", _("Decrease to the target")
    WITHIN = "within", _("Keep between start and target")


class Confidence(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


class KeyResult(models.Model):
    """A measure of an objective: where it starts, where it should get to, by when.

    ``current_value``, ``confidence``, ``progress`` and ``last_check_in_at`` repeat the
    latest check-in so pages and the engine read one row, not the check-in history.
    """

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="key_results", verbose_name=_("objective")
    )
    title = models.CharField(_("title"), max_length=200)
    metric_kind = models.CharField(_("kind of measure"), max_length=16, choices=MetricKind.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.INCREASE)
    start_value = models.DecimalField(_("start"), max_digits=18, decimal_places=4, default=0)
    target_value = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO code such as EUR, for an amount of money.")
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("How much this key result counts in its objective's progress.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_key_results",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    current_value = models.DecimalField(_("current value"), max_digits=18, decimal_places=4, null=True, blank=True)
    confidence = models.CharField(_("confidence"), max_length=16, choices=Confidence.choices, blank=True)
    progress = models.FloatField(_("progress"), null=True, blank=True)
    last_check_in_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("key result")
        verbose_name_plural = _("key results")
        ordering = ["objective", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="keyresult_weight_positive"),
            models.CheckConstraint(
                condition=Q(metric_kind__in=[k.value for k in MetricKind]), name="keyresult_metric_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(direction=Direction.INCREASE, target_value__gt=F("start_value"))
                    | Q(direction=Direction.DECREASE, target_value__lt=F("start_value"))
                    | Q(direction=Direction.WITHIN, target_value__gte=F("start_value"))
                ),
                name="keyresult_target_matches_direction",
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=1),
                name="keyresult_progress_fraction",
            ),
        ]
        indexes = [models.Index(fields=["confidence", "due_on"], name="keyresult_by_confidence")]

    def __str__(self) -> str:
        return self.title

    @property
    def unit(self):
        """The unit a key result answers to: its objective's (pages select it with the key result)."""
        return self.objective.unit


class CheckIn(models.Model):
    """Where a key result stands on a day, how confident its owner is, and why.

    Check-ins are never edited: the list of them is the key result's history.
    """

    key_result = models.ForeignKey(
        KeyResult, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("key result")
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    confidence = models.CharField(_("confidence"), max_length=16, choices=Confidence.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__in=[c.value for c in Confidence]), name="checkin_confidence_valid"
            ),
        ]
        indexes = [models.Index(fields=["key_result", "-created_at"], name="checkin_latest")]

    def __str__(self) -> str:
        # Not the key result's title: an inline lists many check-ins of one key result.
        return f"{self.value} ({self.get_confidence_display()}, {self.created_at:%Y-%m-%d})"

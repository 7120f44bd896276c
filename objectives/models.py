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

    objects = ObjectiveQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

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

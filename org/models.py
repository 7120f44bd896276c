"""The organisation: units in a tree, and each person's role in a unit.

Raison's bottom layer: objectives, means and practices belong to a unit, and every
right is decided from memberships (see ``org.roles``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from tree_queries.models import TreeNode
from tree_queries.query import TreeQuerySet

from org.hierarchy import subtree_ids


class Role(models.TextChoices):
    EXECUTIVE = "executive", _("Executive")
    MANAGER = "manager", _("Manager")
    EMPLOYEE = "employee", _("Employee")


#: Roles whose rights cover a unit's whole subtree (an executive can do all a manager can).
MANAGING_ROLES = (Role.EXECUTIVE, Role.MANAGER)


class UnitQuerySet(TreeQuerySet):
    def subtree_of(self, unit_ids):
        """Units in the subtrees rooted at ``unit_ids`` (the roots included), one recursive query."""
        return self.filter(pk__in=subtree_ids(self.model._meta.db_table, unit_ids))


class Unit(TreeNode):
    """An organisational unit: company, division, team."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=60, unique=True, help_text=_("Short unique identifier."))

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one unit; rights of managers and executives cover the subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.EMPLOYEE)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="membership_one_role_per_unit"),
            models.CheckConstraint(condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"

"""The one record the project's plumbing keeps: which create form was already used."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormToken(models.Model):
    """A create form, sent once.

    Each create form carries a random token, issued when it is rendered. The create
    inserts this row in the same transaction as the record: a resend or a double click
    brings the same token, the unique constraint refuses the second row (on PostgreSQL
    the second insert waits for the first transaction, then fails), and the second
    answer leads to the record the first one created.
    """

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    #: What the form created ("objective", "means", ...) and its primary key, once created.
    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("record"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("form token")
        verbose_name_plural = _("form tokens")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"

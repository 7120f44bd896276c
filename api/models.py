"""Tokens that integrations present as ``Authorization: Bearer <token>``.

Only a SHA-256 digest of each token is stored: a copy of the database (a backup, a
leaked dump) gives no way to call the API. The tokens are long random strings, so a
fast digest is enough; a slow password hash would only cost time on every request.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: Every token starts with this, so a secret scanner (or a person) recognises one in a leak.
TOKEN_PREFIX = "rsn_"  # noqa: S105 — a public marker, not a secret


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Not revoked, and its person can still sign in."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("What uses this token."))
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    #: The first characters of the token, enough to tell tokens apart in the admin and in logs.
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(digest=""), name="apitoken_digest_set"),
        ]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

"""Issuing, using and revoking API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, token_digest

#: ``last_used_at`` is written at most this often per token: one UPDATE per request would
#: turn every read of the API into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], digest=token_digest(raw), hint=raw[:10])
    return token, raw


def token_authenticate(raw: str) -> ApiToken | None:
    """The usable token with this value (its person loaded), or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=token_digest(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        token.last_used_at = now
    return token


def token_revoke(token: ApiToken) -> bool:
    """Revoke a token now; False if it already was."""
    return bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))

"""Small text filters shared by every page."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def since(value: datetime | None) -> str:
    """Like ``timesince``, but never "0 minutes": under a minute reads "less than a minute"
    (the templates say "… ago" around it)."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return _("less than a minute")
    return timesince(value)

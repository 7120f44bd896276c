"""Request rates per person (token or session) and per address for anonymous calls.

The rates come from ``settings.RAISON_API_THROTTLE_RATES`` at each request rather
than DRF's import-time copy, so operators and tests can change them.
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRate:
    def get_rate(self):
        return settings.RAISON_API_THROTTLE_RATES.get(self.scope)


class PersonThrottle(_SettingsRate, UserRateThrottle):
    scope = "user"


class AnonymousThrottle(_SettingsRate, AnonRateThrottle):
    scope = "anon"

"""Logging filters: what an operator reads in the console log."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class OneLineForbidden(logging.Filter):
    """Drop the traceback of an ordinary 403 logged by ``django.request``.

    A refused action (a person without the role for a unit) raises ``PermissionDenied``
    by design; Django logs it with the whole traceback, which buried real errors under
    pages of expected ones. The one line "Forbidden (Permission denied): /path" stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            exc = record.exc_info[1]
            if isinstance(exc, PermissionDenied):
                record.exc_info = None
                record.exc_text = None
        return True

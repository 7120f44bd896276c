"""One translation from the domain's exceptions to HTTP, for every API view.

The services speak Django: ``PermissionDenied`` (403), ``ValidationError`` with field
names (400, the messages under the same names), ``EditConflict`` (409, with the
version to start again from). DRF already maps ``PermissionDenied`` and ``Http404``.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from raison.editing import EditConflict


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    detail = get_error_detail(error)
    if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    elif not isinstance(detail, dict):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return serializers.ValidationError(detail)


def handle(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE, but with its HTML error page.
        body = {"detail": _("The request body is too large.")}
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, EditConflict):
        if exc.current is None:
            exc = Http404(_("This record no longer exists."))
        else:
            message = _(
                "This record was changed by someone else since you read it: it is now at version %(version)d. "
                "Read it again and send your change with that version."
            ) % {"version": exc.current.version}
            body = {"detail": message, "current_version": exc.current.version}
            return Response(body, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, DjangoValidationError):
        exc = as_drf_error(exc)
    return exception_handler(exc, context)

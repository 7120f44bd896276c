"""What every API view shares: documented error responses and reading query filters."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from api.serializers import ConflictSerializer, ErrorSerializer

VALIDATION = OpenApiResponse(OpenApiTypes.OBJECT, description="Field names with their messages.")
DENIED = OpenApiResponse(ErrorSerializer, description="Your role does not allow this.")
MISSING = OpenApiResponse(ErrorSerializer, description="No such record.")
CONFLICT = OpenApiResponse(ConflictSerializer, description="Someone changed the record since you read it.")

WRITE_ERRORS = {400: VALIDATION, 403: DENIED, 404: MISSING}
EDIT_ERRORS = {**WRITE_ERRORS, 409: CONFLICT}


def query_filters(request, serializer_class: type[serializers.Serializer]) -> dict:
    """Query parameters through a serializer: a bad value (a NUL byte, a word for a number) is a 400."""
    filters = serializer_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data

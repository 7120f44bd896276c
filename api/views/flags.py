"""Flags the alignment engine raised: everyone reads them; managers of the flagged record's unit acknowledge."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins
from rest_framework.response import Response

from alignment import selectors, services
from api import serializers as s
from api.pagination import NewestFirstPagination
from api.views import access
from api.views.common import MISSING, WRITE_ERRORS, query_filters
from org import roles


class FlagList(mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.FlagSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        filters = query_filters(self.request, s.FlagFilterSerializer)
        return selectors.inbox_flags(
            state=filters["state"],
            kind=filters.get("kind", ""),
            unit_id=filters.get("unit"),
            within_units=roles.managed_unit_ids(self.request.user) if filters["mine"] else None,
        )

    @extend_schema(parameters=[s.FlagFilterSerializer], summary="List flags, newest first")
    def get(self, request):
        return self.list(request)


class FlagDetail(generics.GenericAPIView):
    serializer_class = s.FlagSerializer

    @extend_schema(responses={200: s.FlagSerializer, 404: MISSING}, summary="Read a flag")
    def get(self, request, pk: int):
        return Response(s.FlagSerializer(access.get_flag(pk)).data)


class FlagAcknowledge(generics.GenericAPIView):
    serializer_class = s.AcknowledgeSerializer

    @extend_schema(
        request=s.AcknowledgeSerializer,
        responses={200: s.FlagSerializer, **WRITE_ERRORS},
        summary="Accept a flag as an exception",
        description="The flag stays visible with the reason and stops counting as open.",
    )
    def post(self, request, pk: int):
        flag = access.get_flag_for_action(request, pk)
        data = s.AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.flag_acknowledge(flag=flag, by=request.user, reason=data.validated_data["reason"])
        return Response(s.FlagSerializer(flag).data)

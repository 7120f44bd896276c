"""Key results and check-ins: an integration reads progress and posts where a measure stands."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status
from rest_framework.response import Response

from api import serializers as s
from api.views import access
from api.views.common import MISSING, WRITE_ERRORS
from objectives import key_results, services
from objectives.models import KeyResult


def _key_result(pk: int) -> KeyResult:
    key_result = KeyResult.objects.select_related("objective", "objective__unit", "owner").filter(pk=pk).first()
    if key_result is None:
        raise Http404(_("No such key result."))
    return key_result


class ObjectiveKeyResults(mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.KeyResultSerializer

    def get_queryset(self):
        return KeyResult.objects.filter(objective=access.get_objective(self.kwargs["pk"])).select_related("owner")

    @extend_schema(summary="List an objective's key results")
    def get(self, request, pk: int):
        return self.list(request)

    @extend_schema(
        request=s.KeyResultCreateSerializer,
        responses={201: s.KeyResultSerializer, **WRITE_ERRORS},
        summary="Set a key result on an objective",
        description="Managers of the objective's unit (executives for a strategic objective).",
    )
    def post(self, request, pk: int):
        objective = access.get_objective(pk)
        services.require_edit(request.user, objective)
        data = s.KeyResultCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        key_result = key_results.key_result_create(
            by=request.user, objective=objective, title=values.pop("title"), owner=request.user, **values
        )
        return Response(s.KeyResultSerializer(key_result).data, status=status.HTTP_201_CREATED)


class KeyResultDetail(generics.GenericAPIView):
    serializer_class = s.KeyResultSerializer

    @extend_schema(responses={200: s.KeyResultSerializer, 404: MISSING}, summary="Read a key result")
    def get(self, request, pk: int):
        return Response(s.KeyResultSerializer(_key_result(pk)).data)


class KeyResultCheckIns(mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.CheckInSerializer

    def get_queryset(self):
        return _key_result(self.kwargs["pk"]).check_ins.select_related("by")

    @extend_schema(summary="List a key result's check-ins")
    def get(self, request, pk: int):
        return self.list(request)

    @extend_schema(
        request=s.CheckInCreateSerializer,
        responses={201: s.CheckInSerializer, **WRITE_ERRORS},
        summary="Check in on a key result",
        description="Its owner, or a manager of its objective's unit: the value today, a confidence, a comment.",
    )
    def post(self, request, pk: int):
        key_result = _key_result(pk)
        if not key_results.can_check_in(request.user, key_result):
            raise PermissionDenied(_("Only the owner of this key result or a manager of its unit can check in."))
        data = s.CheckInCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = key_results.check_in(by=request.user, key_result=key_result, **data.validated_data)
        return Response(s.CheckInSerializer(entry).data, status=status.HTTP_201_CREATED)

"""Objectives: the strategy, read by everyone signed in, written by executives and managers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status
from rest_framework.response import Response

from api import serializers as s
from api.views import access
from api.views.common import EDIT_ERRORS, MISSING, WRITE_ERRORS, query_filters
from objectives import selectors, services


class ObjectiveList(mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.ObjectiveSerializer

    def get_queryset(self):
        filters = query_filters(self.request, s.ObjectiveFilterSerializer)
        queryset = selectors.objective_list(
            q=filters.get("q", ""), unit_id=filters.get("unit"), status=filters.get("status", "")
        )
        if "parent" in filters:
            queryset = queryset.filter(parent_id=filters["parent"])
        if filters.get("strategic") is not None:
            queryset = queryset.filter(parent__isnull=filters["strategic"])
        return queryset

    @extend_schema(parameters=[s.ObjectiveFilterSerializer], summary="List objectives")
    def get(self, request):
        return self.list(request)

    @extend_schema(
        request=s.ObjectiveCreateSerializer,
        responses={201: s.ObjectiveSerializer, **WRITE_ERRORS},
        summary="Create an objective",
        description="A strategic objective (no parent) needs an executive of the unit; a sub-objective, a manager.",
    )
    def post(self, request):
        access.require_some_managed_unit(request, _("Only executives and managers can create objectives."))
        data = s.ObjectiveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objective = services.objective_create(by=request.user, **data.validated_data)
        return Response(s.ObjectiveSerializer(objective).data, status=status.HTTP_201_CREATED)


class ObjectiveDetail(generics.GenericAPIView):
    serializer_class = s.ObjectiveSerializer

    @extend_schema(responses={200: s.ObjectiveSerializer, 404: MISSING}, summary="Read an objective")
    def get(self, request, pk: int):
        return Response(s.ObjectiveSerializer(access.get_objective(pk)).data)

    @extend_schema(
        request=s.ObjectiveUpdateSerializer,
        responses={200: s.ObjectiveSerializer, **EDIT_ERRORS},
        summary="Edit an objective",
        description="Send the `version` you read; if someone saved since, the answer is 409 with the current version.",
    )
    def patch(self, request, pk: int):
        objective = access.get_objective_for_edit(request, pk)
        data = s.ObjectiveUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version")
        services.objective_update(objective=objective, by=request.user, expected_version=version, **changes)
        return Response(s.ObjectiveSerializer(objective).data)


class ObjectiveStatusChange(generics.GenericAPIView):
    serializer_class = s.ObjectiveStatusSerializer

    @extend_schema(
        request=s.ObjectiveStatusSerializer,
        responses={200: s.ObjectiveSerializer, **EDIT_ERRORS},
        summary="Change an objective's status",
    )
    def post(self, request, pk: int):
        objective = access.get_objective_for_edit(request, pk)
        data = s.ObjectiveStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.objective_set_status(
            objective=objective,
            by=request.user,
            status=data.validated_data["status"],
            expected_version=data.validated_data["version"],
        )
        return Response(s.ObjectiveSerializer(objective).data)

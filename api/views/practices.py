"""Means and practices: read by everyone signed in, written by managers of their unit's subtree."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status
from rest_framework.response import Response

from alignment import trace
from api import serializers as s
from api.views import access
from api.views.common import EDIT_ERRORS, MISSING, WRITE_ERRORS, query_filters
from org import roles
from org.models import Unit
from practices import selectors, services

_CREATE_REFUSED = _("Only managers create means and practices; anyone can propose a practice.")


def _unit(filters: dict) -> Unit | None:
    return Unit.objects.filter(pk=filters["unit"]).first() if "unit" in filters else None


def _versioned(serializer_class, request) -> tuple[dict, int]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    changes = dict(data.validated_data)
    return changes, changes.pop("version")


# --- Means -------------------------------------------------------------------------


class MeansList(mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.MeansSerializer

    def get_queryset(self):
        filters = query_filters(self.request, s.MeansFilterSerializer)
        unit = _unit(filters)
        if "unit" in filters and unit is None:
            return selectors.means_list().none()
        return selectors.means_list(
            q=filters.get("q", ""), unit=unit, kind=filters.get("kind", ""), status=filters.get("status", "")
        )

    @extend_schema(parameters=[s.MeansFilterSerializer], summary="List means")
    def get(self, request):
        return self.list(request)

    @extend_schema(
        request=s.MeansCreateSerializer,
        responses={201: s.MeansSerializer, **WRITE_ERRORS},
        summary="Create a means",
        description="Managers create means in the units they manage.",
    )
    def post(self, request):
        access.require_some_managed_unit(request, _CREATE_REFUSED)
        data = s.MeansCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        means = services.means_create(by=request.user, **data.validated_data)
        return Response(s.MeansSerializer(means).data, status=status.HTTP_201_CREATED)


class MeansDetail(generics.GenericAPIView):
    serializer_class = s.MeansSerializer

    @extend_schema(responses={200: s.MeansSerializer, 404: MISSING}, summary="Read a means")
    def get(self, request, pk: int):
        return Response(s.MeansSerializer(access.get_means(pk)).data)

    @extend_schema(
        request=s.MeansUpdateSerializer,
        responses={200: s.MeansSerializer, **EDIT_ERRORS},
        summary="Edit a means",
        description="Send the `version` you read; if someone saved since, the answer is 409 with the current version.",
    )
    def patch(self, request, pk: int):
        means = access.get_means_for_edit(request, pk)
        changes, version = _versioned(s.MeansUpdateSerializer, request)
        services.means_update(means=means, by=request.user, expected_version=version, **changes)
        return Response(s.MeansSerializer(means).data)


class MeansStatusChange(generics.GenericAPIView):
    serializer_class = s.MeansStatusSerializer

    @extend_schema(
        request=s.MeansStatusSerializer,
        responses={200: s.MeansSerializer, **EDIT_ERRORS},
        summary="Change a means' status",
    )
    def post(self, request, pk: int):
        means = access.get_means_for_edit(request, pk)
        changes, version = _versioned(s.MeansStatusSerializer, request)
        services.means_set_status(means=means, by=request.user, status=changes["status"], expected_version=version)
        return Response(s.MeansSerializer(means).data)


# --- Practices ---------------------------------------------------------------------


class PracticeList(mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.PracticeSerializer

    def get_queryset(self):
        filters = query_filters(self.request, s.PracticeFilterSerializer)
        unit = _unit(filters)
        if "unit" in filters and unit is None:
            return selectors.practice_list().none()
        queryset = selectors.practice_list(q=filters.get("q", ""), unit=unit, status=filters.get("status", ""))
        return queryset.select_related("proposed_by")

    @extend_schema(parameters=[s.PracticeFilterSerializer], summary="List practices")
    def get(self, request):
        return self.list(request)

    @extend_schema(
        request=s.PracticeCreateSerializer,
        responses={201: s.PracticeSerializer, **WRITE_ERRORS},
        summary="Create a practice",
        description="Managers create active practices in the units they manage.",
    )
    def post(self, request):
        access.require_some_managed_unit(request, _CREATE_REFUSED)
        data = s.PracticeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        practice = services.practice_create(by=request.user, **data.validated_data)
        return Response(s.PracticeSerializer(practice).data, status=status.HTTP_201_CREATED)


class PracticeDetail(generics.GenericAPIView):
    serializer_class = s.PracticeSerializer

    @extend_schema(responses={200: s.PracticeSerializer, 404: MISSING}, summary="Read a practice")
    def get(self, request, pk: int):
        return Response(s.PracticeSerializer(access.get_practice(pk)).data)

    @extend_schema(
        request=s.PracticeUpdateSerializer,
        responses={200: s.PracticeSerializer, **EDIT_ERRORS},
        summary="Edit a practice",
        description="Send the `version` you read; if someone saved since, the answer is 409 with the current version.",
    )
    def patch(self, request, pk: int):
        practice = access.get_practice_for_edit(request, pk)
        changes, version = _versioned(s.PracticeUpdateSerializer, request)
        services.practice_update(practice=practice, by=request.user, expected_version=version, **changes)
        return Response(s.PracticeSerializer(practice).data)


class PracticeStatusChange(generics.GenericAPIView):
    serializer_class = s.PracticeStatusSerializer

    @extend_schema(
        request=s.PracticeStatusSerializer,
        responses={200: s.PracticeSerializer, **EDIT_ERRORS},
        summary="Change a practice's status",
        description="Active or retired; proposals are adopted or declined on the proposals page.",
    )
    def post(self, request, pk: int):
        practice = access.get_practice_for_edit(request, pk)
        changes, version = _versioned(s.PracticeStatusSerializer, request)
        services.practice_set_status(
            practice=practice, by=request.user, status=changes["status"], expected_version=version
        )
        return Response(s.PracticeSerializer(practice).data)


# --- Proposals ---------------------------------------------------------------------


class PracticePropose(generics.GenericAPIView):
    serializer_class = s.ProposeSerializer

    @extend_schema(
        request=s.ProposeSerializer,
        responses={201: s.PracticeSerializer, 400: WRITE_ERRORS[400], 403: WRITE_ERRORS[403]},
        summary="Propose a practice",
        description="Anyone in a unit brings a practice in; a manager of that unit adopts or declines it.",
    )
    def post(self, request):
        units = Unit.objects.filter(pk__in=roles.member_unit_ids(request.user))
        data = s.ProposeSerializer(data=request.data, units=units)
        data.is_valid(raise_exception=True)
        practice = services.practice_propose(by=request.user, **data.validated_data)
        return Response(s.PracticeSerializer(practice).data, status=status.HTTP_201_CREATED)


class PracticeAdopt(generics.GenericAPIView):
    serializer_class = s.AdoptSerializer

    @extend_schema(
        request=s.AdoptSerializer,
        responses={200: s.PracticeSerializer, **WRITE_ERRORS},
        summary="Adopt a proposal under an objective",
    )
    def post(self, request, pk: int):
        practice = access.get_practice_for_edit(request, pk)
        data = s.AdoptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.practice_adopt(practice=practice, by=request.user, **data.validated_data)
        return Response(s.PracticeSerializer(practice).data)


class PracticeDecline(generics.GenericAPIView):
    serializer_class = s.DeclineSerializer

    @extend_schema(
        request=s.DeclineSerializer,
        responses={200: s.PracticeSerializer, **WRITE_ERRORS},
        summary="Decline a proposal, saying why",
    )
    def post(self, request, pk: int):
        practice = access.get_practice_for_edit(request, pk)
        data = s.DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.practice_decline(practice=practice, by=request.user, reason=data.validated_data["reason"])
        return Response(s.PracticeSerializer(practice).data)


# --- The "why" trace -----------------------------------------------------------------


class PracticeTrace(generics.GenericAPIView):
    serializer_class = s.TraceSerializer

    @extend_schema(responses={200: s.TraceSerializer, 404: MISSING}, summary="Why a practice exists")
    def get(self, request, pk: int):
        return Response(s.TraceSerializer(trace.practice_trace(access.get_practice(pk))).data)


class MeansTrace(generics.GenericAPIView):
    serializer_class = s.TraceSerializer

    @extend_schema(responses={200: s.TraceSerializer, 404: MISSING}, summary="Why a means exists")
    def get(self, request, pk: int):
        return Response(s.TraceSerializer(trace.means_trace(access.get_means(pk))).data)

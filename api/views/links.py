"""The three kinds of link, each with its rationale: practice → objective, practice → means, means → objective.

Anyone signed in reads them; managers of the subject's unit (the practice, or the
means) create and delete them, as on the pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import serializers as s
from api.views import access
from api.views.common import MISSING, WRITE_ERRORS
from practices import services
from practices.models import MeansObjective, PracticeMeans, PracticeObjective

# (Comments, not docstrings, on these bases: drf-spectacular would publish a view's
# docstring as the description of each operation.)


class _Ends:
    # Which two kinds of record a link joins; loads its subject the way the pages do.

    subject = ""  # "practice" or "means"
    target = ""  # "objective" or "means"

    def get_subject(self, pk: int):
        return access.get_practice(pk) if self.subject == "practice" else access.get_means(pk)

    def get_subject_for_edit(self, request, pk: int):
        if self.subject == "practice":
            return access.get_practice_for_edit(request, pk)
        return access.get_means_for_edit(request, pk)


class _Links(_Ends, mixins.ListModelMixin, generics.GenericAPIView):
    # Subclasses name the link model, its two ends, the service and the serializers.

    model = None
    input_serializer = None
    link_service = None

    def get_queryset(self):
        subject = self.get_subject(self.kwargs["pk"])
        return self.model.objects.filter(**{self.subject: subject}).select_related("created_by")

    def get(self, request, pk: int):
        return self.list(request)

    def post(self, request, pk: int):
        subject = self.get_subject_for_edit(request, pk)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = type(self).link_service(
            **{self.subject: subject, self.target: data.validated_data[self.target]},
            by=request.user,
            rationale=data.validated_data["rationale"],
        )
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


class _Unlink(_Ends, generics.GenericAPIView):
    unlink_service = None

    def delete(self, request, pk: int, target_pk: int):
        subject = self.get_subject_for_edit(request, pk)
        target = access.get_objective(target_pk) if self.target == "objective" else access.get_means(target_pk)
        try:
            removed = type(self).unlink_service(**{self.subject: subject, self.target: target}, by=request.user)
        except ValidationError as error:
            # The only refusal left once rights are checked: the link is not there (any more).
            raise NotFound(" ".join(error.messages)) from None
        if removed is None:
            # Unlinked meanwhile (or never linked): nothing was deleted by this request.
            raise NotFound(_("This link does not exist (any more)."))
        return Response(status=status.HTTP_204_NO_CONTENT)


_DELETE = {"request": None, "responses": {204: None, 403: WRITE_ERRORS[403], 404: MISSING}}


class PracticeObjectiveLinks(_Links):
    model, subject, target = PracticeObjective, "practice", "objective"
    serializer_class = s.PracticeObjectiveSerializer
    input_serializer = s.LinkObjectiveSerializer
    link_service = services.practice_link_objective

    @extend_schema(summary="Objectives a practice lives")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        request=s.LinkObjectiveSerializer,
        responses={201: s.PracticeObjectiveSerializer, **WRITE_ERRORS},
        summary="Link a practice to an objective",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class PracticeObjectiveUnlink(_Unlink):
    subject, target = "practice", "objective"
    unlink_service = services.practice_unlink_objective

    @extend_schema(**_DELETE, summary="Unlink a practice from an objective")
    def delete(self, request, pk: int, target_pk: int):
        return super().delete(request, pk, target_pk)


class PracticeMeansLinks(_Links):
    model, subject, target = PracticeMeans, "practice", "means"
    serializer_class = s.PracticeMeansSerializer
    input_serializer = s.LinkMeansSerializer
    link_service = services.practice_link_means

    @extend_schema(summary="Means a practice relies on")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        request=s.LinkMeansSerializer,
        responses={201: s.PracticeMeansSerializer, **WRITE_ERRORS},
        summary="Say a practice relies on a means",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class PracticeMeansUnlink(_Unlink):
    subject, target = "practice", "means"
    unlink_service = services.practice_unlink_means

    @extend_schema(**_DELETE, summary="Unlink a practice from a means")
    def delete(self, request, pk: int, target_pk: int):
        return super().delete(request, pk, target_pk)


class MeansObjectiveLinks(_Links):
    model, subject, target = MeansObjective, "means", "objective"
    serializer_class = s.MeansObjectiveSerializer
    input_serializer = s.LinkObjectiveSerializer
    link_service = services.means_link_objective

    @extend_schema(summary="Objectives a means serves")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        request=s.LinkObjectiveSerializer,
        responses={201: s.MeansObjectiveSerializer, **WRITE_ERRORS},
        summary="Link a means to an objective",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class MeansObjectiveUnlink(_Unlink):
    subject, target = "means", "objective"
    unlink_service = services.means_unlink_objective

    @extend_schema(**_DELETE, summary="Unlink a means from an objective")
    def delete(self, request, pk: int, target_pk: int):
        return super().delete(request, pk, target_pk)

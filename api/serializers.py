"""What the API reads and writes. Input serializers only validate shapes and types;
the services decide rights and domain rules, as they do for the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alignment.models import Flag, FlagKind
from objectives.models import CheckIn, Confidence, Direction, KeyResult, MetricKind, Objective, ObjectiveStatus
from org.models import Unit
from practices.models import (
    Means,
    MeansKind,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)

#: Long texts are capped: a statement or description is a few paragraphs, not a book.
LONG_TEXT = 20_000
#: Versions and ids are stored as 32/64-bit integers; larger numbers are refused, never sent to the database.
MAX_VERSION = 2_147_483_647
MAX_ID = 2**63 - 1


def _id_filter(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class _OwnerMixin(serializers.Serializer):
    owner = serializers.SerializerMethodField(help_text=_("User name of the owner."))

    def get_owner(self, obj) -> str | None:
        return _username(obj.owner)


# --- Objectives ----------------------------------------------------------------------


class ObjectiveSerializer(_OwnerMixin, serializers.ModelSerializer):
    is_strategic = serializers.BooleanField(read_only=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "title",
            "statement",
            "unit",
            "parent",
            "is_strategic",
            "owner",
            "status",
            "starts_on",
            "ends_on",
            "progress",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ObjectiveFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, help_text=_("Words in the title or statement."))
    unit = _id_filter(_("A unit and its subtree."))
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices, required=False)
    parent = _id_filter(_("Direct children of this objective."))
    strategic = serializers.BooleanField(required=False, allow_null=True, default=None)


class ObjectiveCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    statement = serializers.CharField(max_length=LONG_TEXT)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Leave empty for a strategic objective (executives only)."),
    )
    status = serializers.ChoiceField(
        choices=[ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE], default=ObjectiveStatus.DRAFT
    )
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_VERSION,
        help_text=_("The version you read: a stale one is refused with 409 and the current version."),
    )


class ObjectiveUpdateSerializer(VersionedSerializer):
    title = serializers.CharField(max_length=200, required=False)
    statement = serializers.CharField(max_length=LONG_TEXT, required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class ObjectiveStatusSerializer(VersionedSerializer):
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices)


# --- Means and practices -------------------------------------------------------------


class MeansSerializer(_OwnerMixin, serializers.ModelSerializer):
    # A plain string: an empty address is "" and not a URI, which a strict client would reject.
    url = serializers.CharField(read_only=True, help_text=_("Where the tool lives, or an empty string."))

    class Meta:
        model = Means
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "url",
            "unit",
            "owner",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PracticeSerializer(_OwnerMixin, serializers.ModelSerializer):
    proposed_by = serializers.SerializerMethodField()

    class Meta:
        model = Practice
        fields = [
            "id",
            "name",
            "description",
            "unit",
            "owner",
            "status",
            "proposed_by",
            "decision_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_proposed_by(self, obj) -> str | None:
        return _username(obj.proposed_by)


class MeansFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, help_text=_("Words in the name or description."))
    unit = _id_filter(_("A unit and its subtree."))
    kind = serializers.ChoiceField(choices=MeansKind.choices, required=False)
    status = serializers.ChoiceField(choices=MeansStatus.choices, required=False)


class PracticeFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, help_text=_("Words in the name or description."))
    unit = _id_filter(_("A unit and its subtree."))
    status = serializers.ChoiceField(choices=PracticeStatus.choices, required=False)


class MeansCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MeansKind.choices)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")


class MeansUpdateSerializer(VersionedSerializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=MeansKind.choices, required=False)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    url = serializers.URLField(max_length=200, required=False, allow_blank=True)


class MeansStatusSerializer(VersionedSerializer):
    status = serializers.ChoiceField(choices=MeansStatus.choices)


class PracticeCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


class PracticeUpdateSerializer(VersionedSerializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)


class ProposeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("The unit it comes from, one of yours; its managers decide. Default: your unit."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        # As on the proposals page: a proposal comes from one of the person's own units.
        if units is not None:
            self.fields["unit"].queryset = units


class AdoptSerializer(serializers.Serializer):
    objective = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.all(), help_text=_("The active objective the practice will live.")
    )
    rationale = serializers.CharField(max_length=300, help_text=_("One sentence: why does this link exist?"))


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text=_("Why it is declined, for the person who proposed it."))


class PracticeStatusSerializer(VersionedSerializer):
    # As on the pages: proposals are adopted or declined, not switched by a status change.
    status = serializers.ChoiceField(choices=[PracticeStatus.ACTIVE, PracticeStatus.RETIRED])


# --- Links -------------------------------------------------------------------------


class _LinkSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField(help_text=_("User name of who made the link."))

    def get_created_by(self, obj) -> str | None:
        return _username(obj.created_by)


class PracticeObjectiveSerializer(_LinkSerializer):
    class Meta:
        model = PracticeObjective
        fields = ["id", "practice", "objective", "rationale", "created_by", "created_at"]
        read_only_fields = fields


class PracticeMeansSerializer(_LinkSerializer):
    class Meta:
        model = PracticeMeans
        fields = ["id", "practice", "means", "rationale", "created_by", "created_at"]
        read_only_fields = fields


class MeansObjectiveSerializer(_LinkSerializer):
    class Meta:
        model = MeansObjective
        fields = ["id", "means", "objective", "rationale", "created_by", "created_at"]
        read_only_fields = fields


class _RationaleSerializer(serializers.Serializer):
    rationale = serializers.CharField(max_length=300, help_text=_("One sentence: why does this link exist?"))


class LinkObjectiveSerializer(_RationaleSerializer):
    objective = serializers.PrimaryKeyRelatedField(queryset=Objective.objects.all())


class LinkMeansSerializer(_RationaleSerializer):
    means = serializers.PrimaryKeyRelatedField(queryset=Means.objects.all())


# --- Flags ---------------------------------------------------------------------------


class FlagSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    subject_type = serializers.SerializerMethodField()
    subject_id = serializers.SerializerMethodField()
    subject_name = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField(help_text=_("The unit of the flagged record."))
    acknowledged_by = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Flag
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject_type",
            "subject_id",
            "subject_name",
            "unit",
            "is_open",
            "raised_at",
            "resolved_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_reason",
        ]
        read_only_fields = fields

    def get_subject_type(self, flag) -> str:
        return "practice" if flag.practice_id else "means" if flag.means_id else "objective"

    def get_subject_id(self, flag) -> int:
        return flag.practice_id or flag.means_id or flag.objective_id

    def get_subject_name(self, flag) -> str:
        return str(flag.subject)

    def get_unit(self, flag) -> int:
        return flag.subject.unit_id

    def get_acknowledged_by(self, flag) -> str | None:
        return _username(flag.acknowledged_by)


class FlagFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open", "acknowledged", "resolved"], default="open")
    kind = serializers.ChoiceField(choices=FlagKind.choices, required=False)
    unit = _id_filter(_("A unit and its subtree."))
    mine = serializers.BooleanField(
        required=False, default=False, help_text=_("Only flags on records of the units you manage.")
    )


class AcknowledgeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text=_("Why this is an accepted exception."))


# --- Trace ---------------------------------------------------------------------------


class TraceObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices)
    is_strategic = serializers.BooleanField()


class TracedLinkSerializer(serializers.Serializer):
    objective = TraceObjectiveSerializer()
    rationale = serializers.CharField()
    linked_by = serializers.SerializerMethodField()
    linked_at = serializers.DateTimeField()
    chain = TraceObjectiveSerializer(many=True, help_text=_("The linked objective, then each parent up to the root."))
    is_rooted = serializers.BooleanField(
        help_text=_("Every objective up the chain is active and it reaches a strategic objective.")
    )
    sentence = serializers.CharField()

    def get_linked_by(self, link) -> str | None:
        return _username(link.linked_by)


class TraceSerializer(serializers.Serializer):
    summary = serializers.CharField()
    is_explained = serializers.BooleanField(
        help_text=_("At least one link climbs through active objectives to an active strategic objective.")
    )
    roots = TraceObjectiveSerializer(many=True)
    links = TracedLinkSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- Key results and check-ins ---------------------------------------------------------


class KeyResultSerializer(_OwnerMixin, serializers.ModelSerializer):
    # Empty until the first check-in.
    confidence = serializers.ChoiceField(choices=Confidence.choices, allow_blank=True, read_only=True)

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "title",
            "metric_kind",
            "direction",
            "start_value",
            "target_value",
            "currency",
            "weight",
            "owner",
            "due_on",
            "current_value",
            "confidence",
            "progress",
            "last_check_in_at",
            "version",
        ]
        read_only_fields = fields


class KeyResultCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    metric_kind = serializers.ChoiceField(choices=MetricKind.choices)
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.INCREASE)
    start_value = serializers.DecimalField(max_digits=18, decimal_places=4, default=0)
    target_value = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    weight = serializers.IntegerField(min_value=1, max_value=100, default=1)
    due_on = serializers.DateField(required=False, allow_null=True)


class CheckInSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField(help_text=_("User name of who checked in."))

    class Meta:
        model = CheckIn
        fields = ["id", "key_result", "value", "confidence", "comment", "by", "created_at"]
        read_only_fields = fields

    def get_by(self, obj) -> str | None:
        return _username(obj.by)


class CheckInCreateSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=18, decimal_places=4)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

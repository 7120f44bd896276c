"""The administrator's view of the engine's flags and notifications."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from alignment.models import Flag, Notification, Question, QuestionHandover


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject_display", "raised_at", "resolved_at", "acknowledged_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), ("acknowledged_at", admin.EmptyFieldListFilter)]
    list_select_related = ["practice", "means", "objective"]
    date_hierarchy = "raised_at"
    # The engine owns flags: an administrator reads them and may acknowledge, never forges them.
    readonly_fields = ["kind", "practice", "means", "objective", "raised_at", "resolved_at"]
    fields = [*readonly_fields, "acknowledged_by", "acknowledged_at", "acknowledgement_reason"]
    raw_id_fields = ["acknowledged_by"]

    @admin.display(description=_("subject"))
    def subject_display(self, flag):
        return str(flag.subject)

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "flag", "count", "question", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    # Each row prints its flag, which prints its subject: all of them in the list's query.
    list_select_related = [
        "recipient",
        "flag",
        "flag__practice",
        "flag__means",
        "flag__objective",
        "flag__key_result",
        "question",
    ]
    raw_id_fields = ["recipient", "flag", "question"]


class QuestionHandoverInline(admin.TabularInline):
    model = QuestionHandover
    extra = 0
    readonly_fields = ["unit", "at", "escalated"]
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "status", "unit", "asked_by", "asked_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["text", "answer"]
    list_select_related = ["unit", "asked_by"]
    raw_id_fields = ["objective", "means", "practice", "flag", "asked_by", "answered_by", "unit"]
    inlines = [QuestionHandoverInline]

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from objectives.models import CheckIn, KeyResult, Objective


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["indented_title", "status", "unit", "owner", "starts_on", "ends_on", "updated_at"]
    list_filter = ["status", "unit"]
    search_fields = ["title", "statement"]
    autocomplete_fields = ["parent", "unit", "owner"]
    readonly_fields = ["created_at", "updated_at", "version"]
    list_select_related = ["unit", "owner"]
    history_list_display = ["status", "parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_tree_fields()

    def get_ordering(self, request):
        return []

    @admin.display(description=_("title"))
    def indented_title(self, objective):
        return "— " * getattr(objective, "tree_depth", 0) + objective.title


class CheckInInline(admin.TabularInline):
    model = CheckIn
    extra = 0
    readonly_fields = ["value", "confidence", "comment", "by", "created_at"]
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(KeyResult)
class KeyResultAdmin(SimpleHistoryAdmin):
    list_display = ["title", "objective", "metric_kind", "current_value", "target_value", "confidence", "owner"]
    list_filter = ["metric_kind", "confidence"]
    search_fields = ["title", "objective__title"]
    autocomplete_fields = ["objective", "owner"]
    list_select_related = ["objective", "owner"]
    readonly_fields = ["current_value", "confidence", "progress", "last_check_in_at", "created_at", "updated_at"]
    inlines = [CheckInInline]

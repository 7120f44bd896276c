from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from objectives.models import Objective


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

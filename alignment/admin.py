"""The administrator's view of the organisation and of the engine's flags."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from alignment.models import Flag, Membership, Notification, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        # Tree order, so the list reads like the organisation chart.
        return super().get_queryset(request).with_tree_fields().select_related("parent")

    def get_ordering(self, request):
        return []

    @admin.display(description=_("name"))
    def indented_name(self, unit):
        return "— " * getattr(unit, "tree_depth", 0) + unit.name


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


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
    list_display = ["recipient", "flag", "created_at", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "flag"]
    raw_id_fields = ["recipient", "flag"]

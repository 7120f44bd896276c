"""The administrator's view of the organisation: units as a tree, people's roles."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from org.models import Membership, Unit


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

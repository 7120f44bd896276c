from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from practices.models import (
    Means,
    MeansObjective,
    Practice,
    PracticeMeans,
    PracticeObjective,
    Practitioner,
)


class LinkAdminMixin:
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class LinkInlineMixin:
    # Each inline row prints its link ("practice → means"): load both ends with the rows.
    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.autocomplete_fields, *self.related_ends, "created_by")


class MeansObjectiveInline(LinkInlineMixin, admin.TabularInline):
    related_ends = ["means"]
    model = MeansObjective
    extra = 0
    autocomplete_fields = ["objective"]
    readonly_fields = ["created_by", "created_at"]


class PracticeObjectiveInline(LinkInlineMixin, admin.TabularInline):
    related_ends = ["practice"]
    model = PracticeObjective
    extra = 0
    autocomplete_fields = ["objective"]
    readonly_fields = ["created_by", "created_at"]


class PracticeMeansInline(LinkInlineMixin, admin.TabularInline):
    related_ends = ["practice"]
    model = PracticeMeans
    extra = 0
    autocomplete_fields = ["means"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Means)
class MeansAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "status", "unit", "owner", "updated_at"]
    list_filter = ["kind", "status", "unit"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["unit", "owner"]
    readonly_fields = ["created_at", "updated_at", "version"]
    list_select_related = ["unit", "owner"]
    inlines = [MeansObjectiveInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "status", "unit", "owner", "proposed_by", "updated_at"]
    list_filter = ["status", "unit"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["unit", "owner", "proposed_by"]
    readonly_fields = ["created_at", "updated_at", "version"]
    list_select_related = ["unit", "owner"]
    inlines = [PracticeObjectiveInline, PracticeMeansInline]


@admin.register(PracticeObjective)
class PracticeObjectiveAdmin(LinkAdminMixin, SimpleHistoryAdmin):
    list_display = ["practice", "objective", "rationale", "created_by", "created_at"]
    search_fields = ["practice__name", "objective__title", "rationale"]
    autocomplete_fields = ["practice", "objective"]
    list_select_related = ["practice", "objective", "created_by"]


@admin.register(PracticeMeans)
class PracticeMeansAdmin(LinkAdminMixin, SimpleHistoryAdmin):
    list_display = ["practice", "means", "rationale", "created_by", "created_at"]
    search_fields = ["practice__name", "means__name", "rationale"]
    autocomplete_fields = ["practice", "means"]
    list_select_related = ["practice", "means", "created_by"]


@admin.register(MeansObjective)
class MeansObjectiveAdmin(LinkAdminMixin, SimpleHistoryAdmin):
    list_display = ["means", "objective", "rationale", "created_by", "created_at"]
    search_fields = ["means__name", "objective__title", "rationale"]
    autocomplete_fields = ["means", "objective"]
    list_select_related = ["means", "objective", "created_by"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["user", "practice", "created_at"]
    autocomplete_fields = ["user", "practice"]
    list_select_related = ["user", "practice"]

from django.contrib import admin

from interop.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "format", "unit", "created_by", "status", "progress", "created_at"]
    list_filter = ["status", "format"]
    list_select_related = ["unit", "created_by"]
    exclude = ["payload"]
    readonly_fields = [
        "created_by",
        "unit",
        "format",
        "filename",
        "status",
        "progress",
        "summary",
        "error",
        "finished_at",
    ]

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    Programme,
    SampleBatch,
    SampledCase,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "year")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("slug", "force", "programme", "status", "recording_time_limit_hours")
    list_filter = ("programme", "status", "force__region")
    search_fields = ("slug", "force__name")
    filter_horizontal = ("inspectors",)


@admin.register(SampleBatch)
class SampleBatchAdmin(admin.ModelAdmin):
    list_display = (
        "original_filename",
        "inspection",
        "status",
        "row_count",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("status",)
    readonly_fields = ("content_sha256", "errors", "uploaded_at")


@admin.register(SampledCase)
class SampledCaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "inspection", "record_type", "offence_group", "reported_at")
    list_filter = ("record_type", "inspection__programme", "offence_group")
    search_fields = ("reference",)
    raw_id_fields = ("batch",)


@admin.register(CaseReview)
class CaseReviewAdmin(SimpleHistoryAdmin):
    list_display = ("case", "kind", "reviewer", "updated_at")
    list_filter = ("kind", "record_type")
    raw_id_fields = ("case",)

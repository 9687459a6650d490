from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    Programme,
    SampleBatch,
    SampledCase,
    SignOffEvent,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "year")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "force",
        "programme",
        "status",
        "recording_time_limit_hours",
        "double_review_fraction",
    )
    list_filter = ("programme", "status", "force__region")
    search_fields = ("slug", "force__name")
    filter_horizontal = ("inspectors",)
    # Sign-off is a lead inspector's act in the review workspace, recorded there.
    readonly_fields = ("signed_off_by", "signed_off_at", "reopened_by", "reopened_at")


@admin.register(SignOffEvent)
class SignOffEventAdmin(admin.ModelAdmin):
    list_display = ("inspection", "action", "by", "at")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    list_display = (
        "reference",
        "inspection",
        "record_type",
        "offence_group",
        "reported_at",
        "assigned_to",
        "second_reviewer",
    )
    list_filter = ("record_type", "inspection__programme", "offence_group")
    search_fields = ("reference",)
    raw_id_fields = ("batch", "assigned_to", "second_reviewer")


@admin.register(CaseReview)
class CaseReviewAdmin(SimpleHistoryAdmin):
    list_display = ("case", "kind", "reviewer", "updated_at")
    list_filter = ("kind", "record_type")
    raw_id_fields = ("case",)

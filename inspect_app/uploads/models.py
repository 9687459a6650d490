"""What a completed workbook wrote to an inspection's drawn cases, so it can be taken back."""

from django.db import models

from inspect_app.core.querysets import ScopedQuerySet


class DrawnCaseEntry(models.Model):
    """One drawn case a completed workbook wrote to: the first review it recorded, and
    whether it filled in the case's missing summary.

    A drawn case belongs to the sample, not to the workbook, so withdrawing the
    workbook cannot remove its cases as a plain batch's withdrawal does: it
    removes exactly what these entries name, and leaves the drawn cases.
    """

    batch = models.ForeignKey(
        "inspections.SampleBatch", on_delete=models.CASCADE, related_name="drawn_entries"
    )
    case = models.ForeignKey(
        "inspections.SampledCase", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Kept (empty) if the review is deleted in the app: the withdrawal then sees it went.
    review = models.OneToOneField(
        "inspections.CaseReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filled_summary = models.BooleanField(
        default=False, help_text="The workbook filled in the summary the extract did not have."
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "batch__inspection__force"
    inspection_path = "batch__inspection"

    class Meta:
        verbose_name_plural = "drawn case entries"
        constraints = [
            models.UniqueConstraint(fields=["case", "batch"], name="one_entry_per_drawn_case"),
        ]

    def __str__(self):
        return f"batch {self.batch_id} on case {self.case_id}"

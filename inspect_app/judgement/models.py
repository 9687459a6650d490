"""What an inspection's judgement keeps: the programme's rules for judging, its grade bands,
the outliers it follows up and the findings it tracks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inspect_app.compliance.models import Metric
from inspect_app.core.querysets import ScopedQuerySet


class ProgrammeJudgement(models.Model):
    """How a programme is judged: the counting rules its figures were recorded under, and
    how many working days a force has to answer an outlier.

    Two programmes with different counting rules (e.g. "no-crime" became "cancelled
    crime" in April 2015) are not compared as like for like.
    """

    programme = models.OneToOneField(
        "inspections.Programme", on_delete=models.CASCADE, related_name="judgement"
    )
    counting_rules = models.CharField(
        max_length=120,
        blank=True,
        help_text="The counting rules' version, e.g. “2014” or “2015 (cancelled crime)”.",
    )
    response_working_days = models.PositiveSmallIntegerField(
        default=10,
        help_text="Working days a force has to check its data and answer an outlier.",
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "programme__inspections__force"

    def __str__(self):
        return f"Judgement rules of {self.programme}"


class GradeBandSet(models.Model):
    """One version of a programme's grade bands on the recording rate.

    ``bands`` is [{"grade": "outstanding", "from": 0.95}, …], each band from its lower
    bound up to the next; the newest version is the one in force, and an empty list
    means the bands were cleared.
    """

    programme = models.ForeignKey(
        "inspections.Programme", on_delete=models.CASCADE, related_name="grade_band_sets"
    )
    version = models.PositiveIntegerField()
    bands = models.JSONField(default=list)
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "programme__inspections__force"

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "version"], name="grade_bands_one_per_version"
            )
        ]

    def __str__(self):
        return f"Grade bands of {self.programme}, version {self.version}"

    def as_pairs(self) -> list[tuple[str, float]]:
        return [(band["grade"], float(band["from"])) for band in self.bands]


class OutlierLevel(models.TextChoices):
    ALERT = "alert", "Alert (outside the 95% limits)"
    ALARM = "alarm", "Alarm (outside the 99.8% limits)"


class OutlierSide(models.TextChoices):
    LOW = "low", "Below the limits"
    HIGH = "high", "Above the limits"


class OutlierOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    DATA_ERROR_CORRECTED = "data error corrected", "Data error corrected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class OutlierStatus(models.TextChoices):
    DETECTED = "detected", "Detected"
    TOLD = "force told", "Force told"
    RESPONDED = "response recorded", "Response recorded"
    CLOSED = "outcome recorded", "Outcome recorded"


class OutlierCase(models.Model):
    """A force figure outside the funnel's limits, followed up on a clock.

    Detected → the force told (when, by whom) → its response due after the programme's
    working days → the response recorded → the outcome (confirmed, data error corrected,
    withdrawn) with notes. A confirmed alarm is named in the force's published report.
    """

    Level = OutlierLevel
    Side = OutlierSide
    Outcome = OutlierOutcome
    Status = OutlierStatus

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="outlier_cases"
    )
    metric = models.CharField(max_length=30, choices=Metric.choices)
    level = models.CharField(max_length=10, choices=OutlierLevel.choices)
    side = models.CharField(max_length=10, choices=OutlierSide.choices)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    target_rate = models.FloatField(help_text="The programme rate the funnel was drawn around.")
    detected_at = models.DateTimeField(default=timezone.now)
    told_at = models.DateTimeField(null=True, blank=True)
    told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    response_at = models.DateTimeField(null=True, blank=True)
    response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response_text = models.TextField(blank=True)
    outcome = models.CharField(max_length=30, choices=OutlierOutcome.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "inspection__force"

    class Meta:
        ordering = ["inspection__programme", "inspection__force__name", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "metric"], name="outlier_one_case_per_figure"
            ),
            models.CheckConstraint(
                condition=Q(level__in=OutlierLevel.values), name="outlier_level_is_known"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=OutlierOutcome.values),
                name="outlier_outcome_is_known",
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display().split(' (')[0]}: {self.get_metric_display()}, " + (
            f"{self.inspection.force}"
        )

    @property
    def status(self) -> str:
        if self.outcome:
            return OutlierStatus.CLOSED
        if self.response_at:
            return OutlierStatus.RESPONDED
        if self.told_at:
            return OutlierStatus.TOLD
        return OutlierStatus.DETECTED

    @property
    def status_label(self) -> str:
        return OutlierStatus(self.status).label

    def is_overdue(self, today=None) -> bool:
        """Told, not yet answered, and past the day the answer was due."""
        today = today or timezone.localdate()
        return bool(self.due_on and not self.response_at and today > self.due_on)

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def rate(self) -> float:
        return self.numerator / self.denominator if self.denominator else 0.0


class FindingKind(models.TextChoices):
    CAUSE_OF_CONCERN = "cause of concern", "Cause of concern"
    RECOMMENDATION = "recommendation", "Recommendation"
    AREA_FOR_IMPROVEMENT = "area for improvement", "Area for improvement"


class FindingStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "being progressed", "Being progressed"
    COMPLETE = "complete", "Complete"
    CLOSED_AT_REINSPECTION = "closed at re-inspection", "Closed at re-inspection"


class Finding(models.Model):
    """A cause of concern, recommendation or area for improvement of one inspection, with
    its status, and the re-inspection whose figures show whether it worked."""

    Kind = FindingKind
    Status = FindingStatus

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(max_length=30, choices=FindingKind.choices)
    text = models.TextField()
    status = models.CharField(
        max_length=30, choices=FindingStatus.choices, default=FindingStatus.NEW
    )
    reinspection = models.ForeignKey(
        "inspections.Inspection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings_checked",
        help_text="The later inspection of the same force that checks this finding.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "inspection__force"

    class Meta:
        ordering = ["inspection", "kind", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FindingKind.values), name="finding_kind_is_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FindingStatus.values), name="finding_status_is_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class FindingUpdate(models.Model):
    """One step in a finding's status trail: who moved it to which status, when, and why."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=30, choices=FindingStatus.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "finding__inspection__force"

    class Meta:
        ordering = ["finding", "at", "pk"]

    def __str__(self):
        return f"{self.finding}: {self.get_status_display()}"

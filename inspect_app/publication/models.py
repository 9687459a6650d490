"""Published versions of an inspection's figures: frozen when published, never changed.

A published version holds its own copy of every figure, so reopening the
inspection and changing its reviews moves the live figures only. Both tables
refuse UPDATE and DELETE in the database itself (migration 0002); the one
exception is the demonstration's own versions, removed only by ``load_demo
--reset`` through ``publication.demo`` (see docs/publication.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from inspect_app.compliance.models import Metric, Scope
from inspect_app.core.querysets import ScopedQuerySet

#: The scopes a force's published version holds: the force as a whole and each offence group.
PUBLISHED_SCOPES = (Scope.INSPECTION, Scope.OFFENCE_GROUP)


class PublishedVersion(models.Model):
    """Version V of one inspection's published figures, with how they were worked out.

    It names the interval method, confidence and reliability threshold the
    figures were presented with, the counting rules and the code version that
    counted them, and a SHA-256 of the reviews they came from, so anyone can
    tell whether a later count used the same data. Version 1 is the first
    publication; every later one is a correction and carries a note saying
    what was corrected.
    """

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, related_name="published_versions"
    )
    number = models.PositiveIntegerField(help_text="1 for the first publication, then 2, 3…")
    note = models.TextField(blank=True, help_text="What this version corrected (after the first).")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when published from the command line.",
    )
    published_at = models.DateTimeField()
    method = models.CharField(max_length=10)
    confidence = models.FloatField()
    reliability_threshold = models.FloatField()
    recording_time_limit_hours = models.PositiveIntegerField()
    counting_rules = models.JSONField(help_text="Which reviews each figure counted (n and k).")
    code_version = models.CharField(max_length=100)
    reviews_sha256 = models.CharField(max_length=64)
    review_count = models.PositiveIntegerField()
    is_demo = models.BooleanField(
        default=False, help_text="Made by load_demo: its reset may remove it, nothing else may."
    )
    # Frozen with the figures: an alarm confirmed after publication waits for a new version.
    confirmed_alarms = models.JSONField(
        null=True,
        blank=True,
        help_text="The force's confirmed outlier alarms the report names: metric and side.",
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "inspection__force"

    class Meta:
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="published_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="published_version_number_from_one"
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(note=""), name="published_correction_has_a_note"
            ),
        ]

    def __str__(self):
        return f"{self.inspection.slug} version {self.number}"

    @property
    def named_alarms(self) -> list[dict]:
        """The confirmed alarms this version names (none for a version made before they were
        kept)."""
        return self.confirmed_alarms or []


class PublishedFigure(models.Model):
    """One frozen figure of a published version, with the fields of a compliance_report row.

    The rate, interval and reliability are kept as they were published (with
    the version's method and confidence), and the names of the force and the
    offence group as they stood then. Suppression of small counts is applied
    when the figure is shown (``publication.suppression``), not stored: the
    rule can only make more cells suppressed, never fewer.
    """

    version = models.ForeignKey(PublishedVersion, on_delete=models.PROTECT, related_name="figures")
    scope = models.CharField(max_length=20, choices=[(s.value, s.label) for s in PUBLISHED_SCOPES])
    inspection = models.CharField(max_length=100, help_text="The inspection's slug.")
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="+")
    force_code = models.CharField(max_length=20)
    force_name = models.CharField(max_length=100)
    offence_group = models.CharField(max_length=40, blank=True)
    offence_group_name = models.CharField(max_length=100, blank=True)
    offence_group_parent = models.CharField(max_length=40, blank=True)
    metric = models.CharField(max_length=30, choices=Metric.choices)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    rate = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    reliable = models.BooleanField(null=True)
    estimated_unrecorded = models.FloatField(null=True)
    estimated_unrecorded_low = models.FloatField(null=True)
    estimated_unrecorded_high = models.FloatField(null=True)
    # Empty (null) in versions published before designs were kept: a column that may be
    # null is added in place, where a NOT NULL one would make SQLite copy the table and
    # lose the triggers that freeze it.
    design = models.CharField(  # noqa: DJ001
        max_length=20, null=True, blank=True, help_text="simple, or stratified (weighted)."
    )
    unweighted_rate = models.FloatField(
        null=True, help_text="The plain k / n beside a design-weighted rate."
    )
    judgement = models.JSONField(
        null=True,
        blank=True,
        help_text="How compliance_report judged the row when published: versus_programme, "
        "funnel, funnel_side and, with grade bands, grade, grade_certainty, grades_possible.",
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "force"

    class Meta:
        ordering = ["version", "scope", "offence_group", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")),
                name="published_numerator_at_most_denominator",
            ),
            models.UniqueConstraint(
                fields=["version", "scope", "offence_group", "metric"],
                name="published_figure_unique",
            ),
        ]

    def __str__(self):
        counts = f"{self.numerator}/{self.denominator}"
        return f"{self.metric} of {self.inspection} (version id {self.version_id}): {counts}"


class LookupGeneration(models.Model):
    """A generation of the answers to "which published versions may this reader see".

    ``publication.lookups`` keeps those answers in each process's memory under the
    newest generation, and reads only that (the last row by its key) on every request
    instead of asking the whole question again. Each change that can alter an answer adds
    a row in the same transaction as the change, so no process sees the new generation
    before the change is committed, and a change rolled back takes its row with it. Rows
    are added, never updated, so two changes never wait on each other's lock; the token
    (random) keeps a number reused after a rollback from naming an older answer.
    """

    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.pk}:{self.token}"

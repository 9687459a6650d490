"""The compliance figures of each programme, as last computed from the inspectors' reviews."""

from django.db import models
from django.db.models import Q

from inspect_app.core.querysets import ScopedQuerySet


class Scope(models.TextChoices):
    INSPECTION = "inspection", "Inspection (one force)"
    OFFENCE_GROUP = "offence_group", "Offence group within an inspection"
    REGION = "region", "Region"
    PROGRAMME = "programme", "Programme (national)"


class Metric(models.TextChoices):
    RECORDING_RATE = "recording_rate", "Recording rate"
    CLASSIFICATION_ACCURACY = "classification_accuracy", "Classification accuracy"
    TIMELINESS = "timeliness", "Timeliness"
    NO_CRIME_ACCURACY = "no_crime_accuracy", "No-crime accuracy"
    VICTIM_INFORMED = "victim_informed", "Victim informed"
    DISPOSAL_COMPLIANCE = "disposal_compliance", "Disposal compliance"


class Design(models.TextChoices):
    SIMPLE = "simple", "Simple: every case counts the same"
    STRATIFIED = "stratified", "Stratified: each case weighted by its stratum (N_h / n_h)"


class ComplianceFigure(models.Model):
    """One compliance figure of a programme: k cases met the standard out of the n judged.

    For example "Essex recorded 110 of the 120 crimes that should have been
    recorded". Each figure belongs to one scope: a force's inspection, one
    offence group within an inspection (a group counts its subgroups' cases,
    so Sexual offences includes Rape), a region (its forces' cases pooled; or,
    where one of its forces was drawn by a plan, its forces' rates weighted by
    recorded crime as the weighted programme figure is) or the whole programme.
    A programme has each figure twice: pooled (every case counts the same)
    and weighted (each force's rate weighted by its annual recorded-crime
    volume, so the national figure reflects where crime is recorded). The
    weighted figure keeps its rate, standard error and the total volume behind
    it; where a force has no volume it cannot be made, and the reason is kept
    instead.

    Only counts are stored: the rate, its interval and whether it is reliable
    are worked out when shown, for whichever method and confidence the reader
    asks for (``figures.present``). A programme's whole set is replaced at once,
    so a reader never sees half of one computation and half of another.
    """

    Scope = Scope
    Metric = Metric
    Design = Design

    programme = models.ForeignKey(
        "inspections.Programme", on_delete=models.CASCADE, related_name="figures"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices)
    inspection = models.ForeignKey(
        "inspections.Inspection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="figures",
    )
    # Set on inspection and offence-group figures only: region and programme
    # figures have no force, which is what hides them from commissioners.
    force = models.ForeignKey(
        "forces.Force", null=True, blank=True, on_delete=models.CASCADE, related_name="figures"
    )
    region = models.ForeignKey(
        "forces.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="figures"
    )
    offence_group = models.ForeignKey(
        "forces.OffenceGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="figures",
    )
    metric = models.CharField(max_length=30, choices=Metric.choices)
    weighted = models.BooleanField(
        default=False, help_text="Programme figures only: weighted by recorded-crime volume."
    )
    numerator = models.PositiveIntegerField(help_text="Cases that met the standard (k).")
    denominator = models.PositiveIntegerField(help_text="Cases the figure is judged on (n).")
    weighted_rate = models.FloatField(null=True, blank=True)
    standard_error = models.FloatField(null=True, blank=True)
    volume_total = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Recorded crimes a year behind the figure: the force's volume, or the sum "
        "over the programme's forces for a weighted figure.",
    )
    unavailable_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why a weighted figure could not be made, e.g. a force without a volume.",
    )
    # An inspection whose cases were drawn from its extract by a stratified plan has its
    # inspection and offence-group figures estimated by the design (compliance.by_design):
    # the rate and standard error are then kept in weighted_rate and standard_error, with
    # the sample size they are worth; numerator and denominator stay the raw counts. So are
    # a region's figures and the weighted programme figure where such a force takes part.
    design = models.CharField(max_length=20, choices=Design.choices, default=Design.SIMPLE)
    effective_sample_size = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "force"

    class Meta:
        ordering = ["programme", "scope", "inspection", "offence_group", "region", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=Scope.values), name="figure_scope_is_known"
            ),
            models.CheckConstraint(
                condition=Q(metric__in=Metric.values), name="figure_metric_is_known"
            ),
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")),
                name="figure_numerator_at_most_denominator",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope=Scope.INSPECTION,
                        inspection__isnull=False,
                        force__isnull=False,
                        offence_group__isnull=True,
                    )
                    | Q(
                        scope=Scope.OFFENCE_GROUP,
                        inspection__isnull=False,
                        force__isnull=False,
                        offence_group__isnull=False,
                    )
                    | Q(
                        scope=Scope.REGION,
                        inspection__isnull=True,
                        force__isnull=True,
                        region__isnull=False,
                        offence_group__isnull=True,
                    )
                    | Q(
                        scope=Scope.PROGRAMME,
                        inspection__isnull=True,
                        force__isnull=True,
                        region__isnull=True,
                        offence_group__isnull=True,
                    )
                ),
                name="figure_names_what_its_scope_needs",
            ),
            models.CheckConstraint(
                condition=Q(weighted=False) | Q(scope=Scope.PROGRAMME),
                name="figure_only_programme_figures_are_weighted",
            ),
            # One figure per metric in each place; partial indexes because a
            # plain unique constraint treats the empty (NULL) columns as distinct.
            models.UniqueConstraint(
                fields=["inspection", "metric"],
                condition=Q(scope=Scope.INSPECTION),
                name="figure_unique_per_inspection",
            ),
            models.UniqueConstraint(
                fields=["inspection", "offence_group", "metric"],
                condition=Q(scope=Scope.OFFENCE_GROUP),
                name="figure_unique_per_offence_group",
            ),
            models.UniqueConstraint(
                fields=["programme", "region", "metric"],
                condition=Q(scope=Scope.REGION),
                name="figure_unique_per_region",
            ),
            models.UniqueConstraint(
                fields=["programme", "metric", "weighted"],
                condition=Q(scope=Scope.PROGRAMME),
                name="figure_unique_per_programme",
            ),
        ]
        indexes = [models.Index(fields=["programme", "scope"])]

    def __str__(self):
        where = self.get_scope_display().lower()
        return f"{self.get_metric_display()} ({where}): {self.numerator}/{self.denominator}"

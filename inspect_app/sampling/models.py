"""A force's whole extract of records, the sample planned over it and the sample drawn from it."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q

from inspect_app.core.querysets import ScopedQuerySet
from inspect_app.inspections.decisions import RecordType


class Allocation(models.TextChoices):
    PROPORTIONAL = "proportional", "Proportional to each stratum's size"
    NEYMAN = "neyman", "Neyman (size and expected variability)"
    EQUAL = "equal", "Equal in every stratum"


class PopulationExtract(models.Model):
    """Every record of the audit period a force sent for an inspection, as one file.

    The inspection has at most one extract at a time; it may be replaced only
    while nothing has been drawn from it.
    """

    inspection = models.OneToOneField(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="extract"
    )
    original_filename = models.CharField(max_length=255)
    content_sha256 = models.CharField(max_length=64)
    record_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    def __str__(self):
        return f"{self.original_filename} ({self.record_count:,} records)"


class PopulationRecord(models.Model):
    """One record of a force's extract: what the sample is drawn from.

    Kept lean (no reviews, no history): an extract holds millions of them, and
    only the drawn ones become sampled cases with reviews. A record is known by
    its extract and its reference, the table's primary key: no surrogate id.
    On PostgreSQL each extract's records are a partition of their own
    (``sampling.storage``), loaded by COPY before its key is built, and replaced or
    deleted whole.
    """

    # No database foreign keys on this table: each would be a trigger fired for every one
    # of millions of rows imported. The import checks the offence group of every row and
    # writes its extract itself; deleting an extract deletes its records with it. The one
    # index is the key, (extract, reference): each query reads one extract, and none looks
    # for an offence group's records across extracts.
    pk = models.CompositePrimaryKey("extract", "reference")
    extract = models.ForeignKey(
        PopulationExtract,
        on_delete=models.CASCADE,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )
    reference = models.CharField(max_length=64)
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    reported_at = models.DateTimeField()
    offence_group = models.ForeignKey(
        "forces.OffenceGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    route = models.CharField(max_length=64, blank=True)
    summary = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "extract__inspection__force"
    inspection_path = "extract__inspection"

    def __str__(self):
        return self.reference


class SamplePlan(models.Model):
    """How many records of each stratum of an inspection's extract to audit.

    Each saved plan is a new version; the latest is the inspection's plan, and
    a draw keeps the version it was drawn by.
    """

    Allocation = Allocation

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="sample_plans"
    )
    version = models.PositiveIntegerField()
    stratify_by = models.JSONField(help_text="The fields the strata are cut by, in order.")
    allocation = models.CharField(max_length=20, choices=Allocation.choices)
    margin = models.FloatField(help_text="Target half-width of the overall rate, a fraction.")
    expected_rate = models.FloatField()
    confidence = models.FloatField(default=0.95)
    minimum = models.PositiveIntegerField(default=30)
    finite_population_correction = models.BooleanField(default=True)
    total_population = models.PositiveIntegerField()
    total_sample = models.PositiveIntegerField()
    expected_margin = models.FloatField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    class Meta:
        ordering = ["inspection", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "version"], name="one_plan_per_version_per_inspection"
            ),
            models.CheckConstraint(
                condition=Q(allocation__in=Allocation.values), name="plan_allocation_is_known"
            ),
        ]

    def __str__(self):
        return f"plan {self.version} of {self.inspection.slug}"


class Stratum(models.Model):
    """One stratum of a plan: the extract's records with one value of each stratifying field,
    how many there are (N_h) and how many the plan audits (n_h)."""

    plan = models.ForeignKey(SamplePlan, on_delete=models.CASCADE, related_name="strata")
    position = models.PositiveIntegerField()
    key = models.JSONField(help_text='e.g. {"record_type": "incident"}')
    label = models.CharField(max_length=200)
    population = models.PositiveIntegerField()
    planned = models.PositiveIntegerField()
    expected_rate = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name_plural = "strata"

    def __str__(self):
        return self.label


class Draw(models.Model):
    """The one draw of an inspection's sample: the plan, the seed and the generator that drew
    it, so anyone can draw the same references again."""

    inspection = models.OneToOneField(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="draw"
    )
    # RESTRICT, not PROTECT: the plan goes only with its inspection, and its draw with it.
    plan = models.ForeignKey(SamplePlan, on_delete=models.RESTRICT, related_name="draws")
    seed = models.PositiveBigIntegerField()
    generator = models.CharField(max_length=40, default="PCG64")
    generator_version = models.CharField(max_length=40, help_text="numpy's version.")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    def __str__(self):
        return f"draw of {self.inspection.slug} with seed {self.seed}"


class TopUp(models.Model):
    """More records drawn for one stratum after the first draw (some were unauditable)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="top_ups")
    stratum = models.ForeignKey(Stratum, on_delete=models.RESTRICT, related_name="top_ups")
    round = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["draw", "round"]

    def __str__(self):
        return f"top-up {self.round} of {self.stratum}"


class DrawnCase(models.Model):
    """A record of the extract drawn into the sample, and the sampled case it became.

    The record is the draw's extract's record with this reference. Its weight in
    the figures is its stratum's N_h over the records drawn from that stratum
    (``design.drawn_counts``). Once drawn, the extract cannot be replaced, so the
    record stays.
    """

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="drawn")
    stratum = models.ForeignKey(Stratum, on_delete=models.RESTRICT, related_name="drawn")
    reference = models.CharField(max_length=64)
    case = models.OneToOneField(
        "inspections.SampledCase", on_delete=models.CASCADE, related_name="drawn"
    )
    round = models.PositiveIntegerField(default=0, help_text="0 for the draw, then each top-up.")

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "draw__inspection__force"
    inspection_path = "draw__inspection"

    class Meta:
        ordering = ["draw", "stratum", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "reference"], name="drawn_once_in_a_draw"),
        ]

    def __str__(self):
        return f"{self.reference} in {self.stratum}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    PROCESSING = "processing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Not imported"


#: The statuses of an import still under way: an inspection has at most one.
RUNNING = (ImportStatus.PENDING, ImportStatus.PROCESSING)


def extract_file_storage() -> FileSystemStorage:
    """Where an uploaded extract waits for the worker (under MEDIA_ROOT, never served)."""
    return FileSystemStorage(location=settings.MEDIA_ROOT)


class ExtractImport(models.Model):
    """One upload of an extract from the page, imported in the background.

    It keeps what became of the file (records imported, or the first errors and
    how many there were) after the worker is done and the file is deleted.
    """

    Status = ImportStatus
    MAX_KEPT_ERRORS = 1000

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.CASCADE, related_name="extract_imports"
    )
    original_filename = models.CharField(max_length=255)
    stored_file = models.CharField(max_length=300, blank=True)
    replace = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    #: An estimate of the file's rows (its lines, for a CSV), for the progress bar.
    rows_expected = models.PositiveIntegerField(null=True, blank=True)
    records = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Lines 'row N, column C: …'.")
    error_count = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=255, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    class Meta:
        ordering = ["inspection", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(status__in=RUNNING),
                name="one_running_extract_import_per_inspection",
            ),
        ]

    def __str__(self):
        return f"import of {self.original_filename} into {self.inspection.slug}"

    @property
    def finished(self) -> bool:
        return self.status not in RUNNING

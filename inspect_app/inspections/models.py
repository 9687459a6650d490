"""Programmes, inspections, the records sampled for them and the inspectors' reviews."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from simple_history.models import HistoricalRecords

from inspect_app.accounts import access
from inspect_app.core.querysets import ScopedQuerySet
from inspect_app.inspections import decisions
from inspect_app.inspections.decisions import RecordType


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    FIELDWORK = "fieldwork", "Fieldwork"
    REVIEW = "review", "Review"
    SIGNED_OFF = "signed_off", "Signed off"
    PUBLISHED = "published", "Published"


class BatchStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be processed"
    PROCESSING = "processing", "Processing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReviewKind(models.TextChoices):
    FIRST = "first", "First review"
    SECOND = "second", "Second (blind) review"
    ADJUDICATED = "adjudicated", "Adjudicated"


class Programme(models.Model):
    """A national inspection round, e.g. the 2014 crime-recording inspection of all 43 forces."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    retention_until = models.DateField(
        null=True,
        blank=True,
        help_text="Until when its inspections' casework (narratives, notes, uploaded files) "
        "is kept; after it, an admin erases it and the published figures remain.",
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "inspections__force"

    class Meta:
        ordering = ["-year", "name"]

    def __str__(self):
        return self.name


class Inspection(models.Model):
    """One force inspected within a programme.

    It carries the audit period the records were drawn from, the fieldwork
    dates, its status and the inspectors assigned to review its cases.
    """

    Status = InspectionStatus

    slug = models.SlugField(max_length=80, unique=True)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="inspections")
    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="inspections")
    audit_period_start = models.DateField(null=True, blank=True)
    audit_period_end = models.DateField(null=True, blank=True)
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    recording_time_limit_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Hours allowed to record a crime: 72 under the 2014 rules, 24 later.",
    )
    # Only inspectors and leads review cases, so only they are offered (here,
    # in Django's admin), refused by assignment_is_an_inspector below, and
    # refused by the database's triggers (accounts migration 0003).
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_inspections",
        limit_choices_to=access.assignable_filter(),
        help_text="Inspectors and lead inspectors who review this inspection's cases.",
    )
    double_review_fraction = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Share of cases (0 to 1) that get a blind second review, e.g. 0.1 for 10%. "
        "Which cases is drawn from the inspection and the case reference, so it is the same "
        "every time.",
    )
    # The sign-off in force now; cleared when a lead inspector reopens the
    # inspection. Every sign-off and reopening is also kept in SignOffEvent.
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    # A new random value whenever any of its cases or reviews changes (see
    # ``casework_changed``): the review pages keep their counts in the cache under it.
    work_version = models.UUIDField(default=uuid.uuid4, editable=False)
    # When its casework's text was erased (``inspections.erasure``): its decisions,
    # and so its figures, remain; narratives, notes and uploaded files do not.
    casework_erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "force"

    #: Statuses in which inspectors may still change reviews.
    OPEN_FOR_REVIEW = (
        InspectionStatus.PLANNED,
        InspectionStatus.FIELDWORK,
        InspectionStatus.REVIEW,
    )

    class Meta:
        ordering = ["programme", "force__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "force"],
                name="one_inspection_per_force_per_programme",
                violation_error_message="This force already has an inspection in this programme.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InspectionStatus.values), name="inspection_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(recording_time_limit_hours__gt=0),
                name="inspection_time_limit_is_positive",
            ),
            models.CheckConstraint(
                condition=Q(audit_period_start__isnull=True)
                | Q(audit_period_end__isnull=True)
                | Q(audit_period_end__gte=F("audit_period_start")),
                name="inspection_audit_period_ends_after_it_starts",
                violation_error_message="The audit period ends before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(fieldwork_start__isnull=True)
                | Q(fieldwork_end__isnull=True)
                | Q(fieldwork_end__gte=F("fieldwork_start")),
                name="inspection_fieldwork_ends_after_it_starts",
                violation_error_message="The fieldwork ends before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(double_review_fraction__gte=0) & Q(double_review_fraction__lte=1),
                name="inspection_double_review_fraction_is_a_share",
                violation_error_message="The double-review share must be between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True, signed_off_at__isnull=True)
                | Q(signed_off_by__isnull=False, signed_off_at__isnull=False),
                name="inspection_sign_off_names_who_and_when",
                violation_error_message="A sign-off needs both who signed off and when.",
            ),
            models.CheckConstraint(
                condition=~Q(status=InspectionStatus.SIGNED_OFF) | Q(signed_off_at__isnull=False),
                name="inspection_signed_off_status_has_a_sign_off",
                violation_error_message="A signed-off inspection needs who signed it off and when.",
            ),
            models.CheckConstraint(
                condition=Q(reopened_by__isnull=True, reopened_at__isnull=True)
                | Q(reopened_by__isnull=False, reopened_at__isnull=False),
                name="inspection_reopening_names_who_and_when",
            ),
        ]

    def __str__(self):
        return f"{self.force} — {self.programme}"

    def get_absolute_url(self):
        return reverse("inspection-detail", kwargs={"slug": self.slug})

    @property
    def is_open_for_review(self):
        return self.status in self.OPEN_FOR_REVIEW


def casework_changed(*inspection_ids):
    """Move on the work version of these inspections: their cases or reviews are changing.

    Called in the transaction that makes the change, so the new version and the
    change become visible together; and before that transaction touches cases
    or reviews where it can (it locks the inspection's row, as a review save does
    first), so no two writers ever wait for each other's rows in opposite orders.
    """
    ids = sorted({pk for pk in inspection_ids if pk is not None})
    if ids:
        Inspection.objects.filter(pk__in=ids).update(work_version=uuid.uuid4())


def batch_file_storage() -> FileSystemStorage:
    """Where uploaded batch files wait to be processed (``SampleBatch.stored_file``): under
    MEDIA_ROOT, never served."""
    return FileSystemStorage(location=settings.MEDIA_ROOT)


class SampleBatch(models.Model):
    """One uploaded file of records sampled from a force's systems for an inspection."""

    Status = BatchStatus

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="batches")
    original_filename = models.CharField(max_length=255)
    content_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    row_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Set by the uploads app while the file is processed (inspect_app/uploads).
    stored_file = models.CharField(
        max_length=255,
        blank=True,
        help_text="The uploaded file's name under MEDIA_ROOT while it waits to be processed.",
    )
    error_count = models.PositiveIntegerField(
        default=0, help_text="Every error found; only the first ones are kept in errors."
    )
    ignored_columns = models.JSONField(
        default=list, blank=True, help_text="Columns the uploader asked to be ignored."
    )
    task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the import was committed, or failed."
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name_plural = "sample batches"
        constraints = [
            # The same file twice is a mistake, unless the first attempt failed
            # or was withdrawn.
            models.UniqueConstraint(
                fields=["inspection", "content_sha256"],
                condition=~Q(status__in=["failed", "withdrawn"]),
                name="one_live_batch_per_file_per_inspection",
                violation_error_message="This file has already been uploaded to this inspection.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="batch_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(status="withdrawn", withdrawn_at__isnull=False)
                | (~Q(status="withdrawn") & Q(withdrawn_at__isnull=True)),
                name="batch_withdrawal_is_dated",
            ),
        ]

    def __str__(self):
        return f"{self.original_filename} ({self.get_status_display()})"


class SampledCase(models.Model):
    """One record drawn from a force system for the audit: an incident, a report on another
    system, a no-crime decision or an out-of-court disposal.

    The summary is the record's narrative. It may describe victims of serious
    crime, so it is casework: never shown to commissioners.
    """

    # No index of its own: the unique (inspection, reference) index, and the two
    # composite indexes below, all start with it and serve lookups by inspection.
    # One index fewer is one fewer to update for each of a batch's rows.
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    batch = models.ForeignKey(
        SampleBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="cases"
    )
    reference = models.CharField(max_length=64, help_text="The force's own record reference.")
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    reported_at = models.DateTimeField()
    offence_group = models.ForeignKey(
        "forces.OffenceGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    summary = models.TextField(max_length=10_000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on whenever the record itself is saved (a correction in Django's
    # admin): a batch whose records were corrected after its import can no
    # longer be withdrawn without losing that correction. Assigning a case
    # is workflow, not a change of the record, and leaves it alone.
    updated_at = models.DateTimeField(auto_now=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        help_text="The inspector who makes the first review of this case.",
    )
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="second_review_cases",
        help_text="The inspector who makes the blind second review, where the case is in the "
        "double-review sample.",
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    class Meta:
        ordering = ["inspection", "reference"]
        constraints = [
            # Blind double review means two different people: the database
            # refuses the same person in both places, whoever writes the row.
            models.CheckConstraint(
                condition=Q(assigned_to__isnull=True)
                | Q(second_reviewer__isnull=True)
                | ~Q(assigned_to=F("second_reviewer")),
                name="case_second_reviewer_is_not_the_first",
                violation_error_message="The second reviewer must be a different inspector "
                "from the first.",
            ),
            models.UniqueConstraint(
                fields=["inspection", "reference"],
                name="case_reference_unique_within_inspection",
                violation_error_message="This reference is already in the inspection.",
            ),
            models.CheckConstraint(
                condition=Q(record_type__in=RecordType.values), name="case_record_type_is_known"
            ),
            models.CheckConstraint(
                condition=~Q(record_type__in=decisions.NEEDS_OFFENCE_GROUP)
                | Q(offence_group__isnull=False),
                name="case_offence_group_given_for_no_crime_and_oocd",
                violation_error_message="No-crime and out-of-court disposal records need an "
                "offence group.",
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="case_reference_is_not_empty"),
        ]
        indexes = [
            models.Index(fields=["inspection", "record_type"]),
            models.Index(fields=["inspection", "assigned_to"]),
        ]

    def __str__(self):
        return self.reference


class CaseReview(models.Model):
    """An inspector's decisions on one sampled case, with their notes.

    A case has a first review; a share of cases also gets a blind second
    review, and where the two disagree a lead inspector records an adjudicated
    review. The figures count the adjudicated review where there is one, and
    the first review otherwise.
    """

    Kind = ReviewKind

    # No index of its own: the unique (case, kind) index starts with it.
    case = models.ForeignKey(
        SampledCase, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    kind = models.CharField(max_length=20, choices=ReviewKind.choices, default=ReviewKind.FIRST)
    # A copy of the case's record type: it lets the database itself refuse a
    # decision that does not apply to the record (a check constraint cannot
    # look across tables). save() and full_clean() keep it equal to the case's.
    record_type = models.CharField(max_length=20, choices=RecordType.choices, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    should_record = models.BooleanField(null=True, blank=True)
    was_recorded = models.BooleanField(null=True, blank=True)
    correctly_classified = models.BooleanField(null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True)
    cancellation_correct = models.BooleanField(null=True, blank=True)
    victim_informed = models.BooleanField(null=True, blank=True)
    disposal_appropriate = models.BooleanField(null=True, blank=True)
    corrected_offence_group = models.ForeignKey(
        "forces.OffenceGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The offence group the inspector found, where the record's was wrong.",
    )
    notes = models.TextField(blank=True)
    # Raised on every save: a save that names an older version is refused
    # rather than overwriting someone else's work.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # History is read by review (its id) and by date; the copied foreign keys
    # are never looked up, so they get no indexes to keep up on every import.
    history = HistoricalRecords(no_db_index=["case", "reviewer", "corrected_offence_group"])

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "case__inspection__force"
    inspection_path = "case__inspection"

    class Meta:
        ordering = ["case", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], name="one_review_of_each_kind_per_case"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReviewKind.values), name="review_kind_is_known"
            ),
            models.CheckConstraint(
                condition=Q(record_type__in=RecordType.values), name="review_record_type_is_known"
            ),
            *decisions.check_constraints(),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.case}"

    def save(self, *args, **kwargs):
        self.sync_record_type()
        super().save(*args, **kwargs)

    def answers(self):
        return {field: getattr(self, field) for field in decisions.DECISION_FIELDS}

    def sync_record_type(self):
        if self.case_id is not None:
            self.record_type = self.case.record_type

    def clean_fields(self, exclude=None):
        self.sync_record_type()
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        self.sync_record_type()
        problems = decisions.contradictions(self.record_type, self.answers())
        if problems:
            raise ValidationError(
                {field: message[0].upper() + message[1:] + "." for field, message in problems}
            )


class SignOffAction(models.TextChoices):
    SIGNED_OFF = "signed_off", "Signed off"
    REOPENED = "reopened", "Reopened"


class SignOffEvent(models.Model):
    """A lead inspector signing off an inspection's reviews, or reopening them.

    Signed off, the reviews are final and read-only; reopened, inspectors may
    change them again. Each event is kept, so the record shows every time the
    reviews were closed and reopened, by whom and when.
    """

    Action = SignOffAction

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="sign_off_events"
    )
    action = models.CharField(max_length=20, choices=SignOffAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    access_level = "casework"
    force_path = "inspection__force"
    inspection_path = "inspection"

    class Meta:
        ordering = ["inspection", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=SignOffAction.values), name="sign_off_action_is_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.inspection} by {self.by} at {self.at}"


def not_assignable_message(users) -> str:
    """Why these users cannot be on an inspection's team, in one sentence."""
    names = ", ".join(f"{user.username} ({user.get_role_display().lower()})" for user in users)
    return f"Only inspectors and lead inspectors can be on an inspection's team, not {names}."


@receiver(m2m_changed, sender=Inspection.inspectors.through)
def assignment_is_an_inspector(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Refuse to add anyone but an inspector or lead to a team, from whichever side.

    Admins see every case anyway and commissioners never may, so putting
    them on a team means nothing, or worse, looks as if it did. The
    database refuses it too; this says so, readably, before it is tried.
    """
    if action != "pre_add" or not pk_set:
        return
    # From the user's side (user.assigned_inspections.add) the user is the instance.
    users = [instance] if reverse else list(model.objects.filter(pk__in=pk_set))
    refused = [user for user in users if not access.holds_assignable_role(user)]
    if refused:
        raise ValidationError(not_assignable_message(refused), code="not_assignable")

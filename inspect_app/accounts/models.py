"""People who use the dashboard and the role each one holds."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from inspect_app.accounts.roles import ASSIGNABLE, Role


class InspectorateUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person signed in to the dashboard: inspectorate staff or a Police and Crime Commissioner.

    The role decides what they may do and see. A commissioner is bound to
    exactly one force, the one they oversee; nobody else is bound to a force.
    Admins manage the site, so they alone reach Django's admin.
    """

    role = models.CharField(max_length=20, choices=Role.choices)
    force = models.ForeignKey(
        "forces.Force",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commissioners",
        help_text="Commissioners only: the force whose summary they read.",
    )

    objects = InspectorateUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_is_known"),
            models.CheckConstraint(
                condition=(Q(role=Role.COMMISSIONER) & Q(force__isnull=False))
                | (~Q(role=Role.COMMISSIONER) & Q(force__isnull=True)),
                name="user_force_iff_commissioner",
                violation_error_message="A commissioner is bound to exactly one force; "
                "no other role is bound to a force.",
            ),
        ]

    def clean(self):
        super().clean()
        # The database refuses it (accounts migration 0003); this says why, and what to do,
        # to Django's admin and to create_user.
        if self.pk is not None and self.role not in ASSIGNABLE:
            teams = list(
                self.assigned_inspections.order_by("slug").values_list("slug", flat=True)[:4]
            )
            if teams:
                shown = ", ".join(teams[:3]) + (" and more" if len(teams) > 3 else "")
                slug = teams[0] if len(teams) == 1 else "SLUG"
                raise ValidationError(
                    {
                        "role": f"{self.username} is on the team of {shown}: take them off it "
                        f"(manage.py assign_inspectors {slug} {self.username} --remove) before "
                        "giving them a role other than inspector or lead inspector"
                    }
                )

    def save(self, *args, **kwargs):
        # Django's admin is for admins only: derive its flags from the role so
        # they can never drift apart.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)


class AuditAction(models.TextChoices):
    """What an audit entry records. The first five are the kinds of processing the Data
    Protection Act 2018, s.62, asks a log of; the rest are the service's own events."""

    CONSULTATION = "consultation", "Consulted casework"
    DISCLOSURE = "disclosure", "Disclosed casework or live figures"
    COLLECTION = "collection", "Collected a batch"
    ALTERATION = "alteration", "Altered casework"
    ERASURE = "erasure", "Erased casework"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_OFF = "sign_off", "Signed off an inspection"
    REOPEN = "reopen", "Reopened an inspection"
    ROLE_CHANGE = "role_change", "Changed a role"
    PROGRAMME_CREATED = "programme_created", "Created a programme"
    INSPECTION_CREATED = "inspection_created", "Created an inspection"
    TEAM_CHANGE = "team_change", "Changed an inspection's team"
    DOUBLE_REVIEW_SHARE = "double_review_share", "Changed the share double reviewed"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Set up a second factor"
    SECOND_FACTOR_RESET = "second_factor_reset", "Reset a second factor"
    EXTRACT_IMPORTED = "extract_imported", "Imported a force's extract"
    SAMPLE_PLANNED = "sample_planned", "Saved a sample plan"
    SAMPLE_DRAWN = "sample_drawn", "Drew a sample"
    SAMPLE_TOPPED_UP = "sample_topped_up", "Topped up a stratum of a sample"
    PUBLISHED = "published", "Published an inspection's figures"
    API_TOKEN_CREATED = "api_token_created", "Created an API token"
    API_TOKEN_REVOKED = "api_token_revoked", "Revoked an API token"
    GRADE_BANDS_SET = "grade_bands_set", "Set a programme's grade bands"
    OUTLIER_STEP = "outlier_step", "Moved an outlier case on"
    FINDING_CHANGE = "finding_change", "Recorded or moved on a finding"


class AuditEvent(models.Model):
    """Something done that the inspectorate must be able to account for later: who did it,
    when, and to what.

    The processing the law asks a log of (s.62): every consultation of a case, its
    narrative or its reviews; every disclosure (an export, a report or a response) of
    casework or of live figures; every collection (an upload or an import) and
    alteration (a review saved or corrected) of casework, and every erasure of it. And
    the service's own events: sign-ins and failed attempts, sign-offs and reopenings,
    changes to a person's role, second factors set up and reset, the setting up of
    programmes, inspections and their teams, and the share of cases that get a blind second review.

    Rows are only ever added. The database holds it to that: a trigger (accounts
    migration 0006) refuses every UPDATE and DELETE of a row, whoever sends it.
    """

    Action = AuditAction

    action = models.CharField(max_length=30, choices=AuditAction.choices)
    # Not a constraint and never followed on delete: removing or editing a user must not
    # write to the log (the trigger would refuse it), and the log must still name them.
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Kept as typed, so a failed sign-in or a since-deleted user is still named.
    actor_username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # What it was done to, as the model's name and its primary key (``sampledcase``, 12),
    # so a reader can ask who read one case; ``target`` says it in words.
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    target = models.CharField(max_length=255, blank=True, help_text="What it was done to.")
    details = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
            models.Index(fields=["actor_username", "occurred_at"], name="audit_event_actor"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values),
                name="audit_event_action_is_known",
            ),
        ]

    def __str__(self):
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.target}"
        )

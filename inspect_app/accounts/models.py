"""People who use the dashboard and the role each one holds."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from inspect_app.accounts.roles import Role


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

    def save(self, *args, **kwargs):
        # Django's admin is for admins only: derive its flags from the role so
        # they can never drift apart.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def is_commissioner(self):
        return self.role == Role.COMMISSIONER

    @property
    def sees_all_cases(self):
        return self.role in (Role.ADMIN, Role.LEAD_INSPECTOR)

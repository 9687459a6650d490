"""Reference data: where forces sit and what kinds of crime the audits count."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from inspect_app.core.querysets import ScopedQuerySet


class Region(models.Model):
    """An English region or Wales: the grouping used to compare forces with their neighbours."""

    code = models.CharField(max_length=9, unique=True, help_text="ONS region code, e.g. E12000006.")
    name = models.CharField(max_length=100, unique=True)

    objects = ScopedQuerySet.as_manager()
    access_level = "reference"
    force_path = "forces"

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Force(models.Model):
    """One of the 43 territorial police forces of England and Wales.

    The annual recorded-crime volume (excluding fraud) weights the force in the
    national estimate and turns its recording rate into crimes left unrecorded
    each year. Without it the force still has figures of its own, but cannot be
    weighted or extrapolated.
    """

    code = models.CharField(
        max_length=9, unique=True, help_text="ONS police force area code, e.g. E23000028."
    )
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="forces")
    recorded_crime_volume = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Police-recorded crimes in twelve months, excluding fraud.",
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "figures"
    force_path = "pk"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[EW][0-9]{8}$"), name="force_code_is_an_ons_code"
            ),
            models.CheckConstraint(
                condition=Q(recorded_crime_volume__isnull=True) | Q(recorded_crime_volume__gt=0),
                name="force_volume_is_positive_when_known",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("force-detail", kwargs={"slug": self.slug})


class OffenceGroup(models.Model):
    """A Home Office Counting Rules offence group; Rape is a subgroup of Sexual offences.

    Figures for a group count the cases of its subgroups too.
    """

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subgroups"
    )

    objects = ScopedQuerySet.as_manager()
    access_level = "reference"
    force_path = None

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="offence_group_is_not_its_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

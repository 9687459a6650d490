"""The four roles of the audit, as users and the command line name them."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEAD_INSPECTOR = "lead_inspector", "Lead inspector"
    INSPECTOR = "inspector", "Inspector"
    COMMISSIONER = "commissioner", "Commissioner"


#: Roles that see every force and every case.
ALL_SEEING = frozenset({Role.ADMIN, Role.LEAD_INSPECTOR})

"""The four roles of the audit, as users and the command line name them."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEAD_INSPECTOR = "lead_inspector", "Lead inspector"
    INSPECTOR = "inspector", "Inspector"
    COMMISSIONER = "commissioner", "Commissioner"


#: Roles that see every force and every case.
ALL_SEEING = frozenset({Role.ADMIN, Role.LEAD_INSPECTOR})

#: Roles that can be on an inspection's team (the people who review its cases).
#: The database holds the same list in its triggers (accounts migration 0003).
ASSIGNABLE = frozenset({Role.INSPECTOR, Role.LEAD_INSPECTOR})

#: Roles that create programmes and inspections.
SETS_UP = frozenset({Role.ADMIN})

#: Roles that choose who is on an inspection's team.
MANAGES_TEAMS = frozenset({Role.ADMIN, Role.LEAD_INSPECTOR})

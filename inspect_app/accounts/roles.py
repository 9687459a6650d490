"""The four roles of the audit, and the named sets of them the rules in ``access`` use.

Nothing outside ``accounts`` names a set of roles: it asks ``access`` a question.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEAD_INSPECTOR = "lead_inspector", "Lead inspector"
    INSPECTOR = "inspector", "Inspector"
    COMMISSIONER = "commissioner", "Commissioner"


#: The inspectorate's own staff: they read every force's figures and work on casework
#: (inspectors only on the inspections they are assigned to).
STAFF = frozenset({Role.ADMIN, Role.LEAD_INSPECTOR, Role.INSPECTOR})

#: Roles that see every force and every case, and manage each inspection's sample.
ALL_SEEING = frozenset({Role.ADMIN, Role.LEAD_INSPECTOR})

#: Roles that write reviews of cases (and so take cases, and are given them).
REVIEWERS = frozenset({Role.INSPECTOR, Role.LEAD_INSPECTOR})

#: Roles that lead an inspection's review: assign cases, set the double-review share,
#: adjudicate disagreeing pairs, sign off and reopen.
LEADS = frozenset({Role.LEAD_INSPECTOR})

#: Roles that can be on an inspection's team (the people who review its cases).
#: The database holds the same list in its triggers (accounts migration 0003).
ASSIGNABLE = REVIEWERS

#: Roles that create programmes and inspections.
SETS_UP = frozenset({Role.ADMIN})

#: Roles that upload, check and withdraw a force's sample batches.
UPLOADS = frozenset({Role.ADMIN})

#: Roles that choose who is on an inspection's team.
MANAGES_TEAMS = frozenset({Role.ADMIN, Role.LEAD_INSPECTOR})

#: Roles that read one force's published summary and nothing else.
FORCE_READERS = frozenset({Role.COMMISSIONER})

#: Roles that read the audit log. Its entries name who read which case, so it is kept to
#: the people who answer for the service (and, by law, used only to check it is lawful).
AUDIT_READERS = frozenset({Role.ADMIN})

#: Roles that erase an inspection's casework when its retention ends.
ERASES = frozenset({Role.ADMIN})

"""Only inspectors and lead inspectors are on an inspection's team, whoever writes the rows.

Two triggers, for PostgreSQL and for SQLite (the embedded default):

* on the assignment table (``inspections_inspection_inspectors``), a row
  whose user is neither an inspector nor a lead inspector is refused;
* on the users table, a change of role away from those two is refused
  while the user is still on a team: remove them from it first.

The Python side (``Inspection.inspectors``'s ``limit_choices_to``, the
``m2m_changed`` check and ``inspections.setup``) refuses the same first,
with a readable message; these make sure no other path (raw SQL, a bulk
insert into the through table, the admin of another day) gets round it.

Assignments that break the rule already (Django's admin used to offer
every user) are removed first, each with an entry in the audit log. They
gave nobody anything: admins see every case anyway, commissioners never.

SQLite keeps triggers with their table, and Django rebuilds a SQLite table
to alter it: a later migration that alters ``accounts_user`` or the
assignment table must create these triggers again (the tests in
tests/inspections/test_team_rules.py fail if it does not).

It also adds the audit actions of setting up programmes, inspections and
teams.
"""

from django.db import migrations, models

#: Frozen here as the migration's own copy of roles.ASSIGNABLE (a test keeps them equal).
REVIEWER_ROLES = ("inspector", "lead_inspector")
TEAM_TABLE = "inspections_inspection_inspectors"
USER_TABLE = "accounts_user"

TEAM_MESSAGE = "only inspectors and lead inspectors can be on an inspection's team"
ROLE_MESSAGE = (
    "this user is on an inspection's team: remove them from it before giving them "
    "a role other than inspector or lead inspector"
)
_ROLES_SQL = ", ".join(f"'{role}'" for role in REVIEWER_ROLES)

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION inspection_team_member_is_a_reviewer() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        member_role text;
    BEGIN
        -- FOR SHARE: a role change of this user waits for this assignment to
        -- commit (and then sees it), or this waits for that change and sees
        -- the new role; neither can slip past the other.
        SELECT role INTO member_role FROM {USER_TABLE} WHERE id = NEW.user_id FOR SHARE;
        IF member_role IS NULL OR member_role NOT IN ({_ROLES_SQL}) THEN
            RAISE EXCEPTION '{TEAM_MESSAGE.replace("'", "''")} (user % is %)',
                NEW.user_id, coalesce(member_role, 'unknown')
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    f"""
    CREATE TRIGGER inspection_team_member_is_a_reviewer
    BEFORE INSERT OR UPDATE ON {TEAM_TABLE}
    FOR EACH ROW EXECUTE FUNCTION inspection_team_member_is_a_reviewer()
    """,
    f"""
    CREATE OR REPLACE FUNCTION team_member_keeps_a_reviewer_role() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.role NOT IN ({_ROLES_SQL})
           AND EXISTS (SELECT 1 FROM {TEAM_TABLE} WHERE user_id = NEW.id) THEN
            RAISE EXCEPTION '%: {ROLE_MESSAGE.replace("'", "''")}', NEW.username
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    f"""
    CREATE TRIGGER team_member_keeps_a_reviewer_role
    BEFORE UPDATE OF role ON {USER_TABLE}
    FOR EACH ROW WHEN (NEW.role IS DISTINCT FROM OLD.role)
    EXECUTE FUNCTION team_member_keeps_a_reviewer_role()
    """,
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS team_member_keeps_a_reviewer_role ON {USER_TABLE}",
    "DROP FUNCTION IF EXISTS team_member_keeps_a_reviewer_role()",
    f"DROP TRIGGER IF EXISTS inspection_team_member_is_a_reviewer ON {TEAM_TABLE}",
    "DROP FUNCTION IF EXISTS inspection_team_member_is_a_reviewer()",
]

_NOT_A_REVIEWER = (
    f"NOT EXISTS (SELECT 1 FROM {USER_TABLE} WHERE id = NEW.user_id AND role IN ({_ROLES_SQL}))"
)
SQLITE = [
    f"""
    CREATE TRIGGER inspection_team_member_is_a_reviewer_insert
    BEFORE INSERT ON {TEAM_TABLE} FOR EACH ROW WHEN {_NOT_A_REVIEWER}
    BEGIN SELECT RAISE(ABORT, '{TEAM_MESSAGE.replace("'", "''")}'); END
    """,
    f"""
    CREATE TRIGGER inspection_team_member_is_a_reviewer_update
    BEFORE UPDATE ON {TEAM_TABLE} FOR EACH ROW WHEN {_NOT_A_REVIEWER}
    BEGIN SELECT RAISE(ABORT, '{TEAM_MESSAGE.replace("'", "''")}'); END
    """,
    f"""
    CREATE TRIGGER team_member_keeps_a_reviewer_role
    BEFORE UPDATE OF role ON {USER_TABLE} FOR EACH ROW
    WHEN NEW.role NOT IN ({_ROLES_SQL})
         AND EXISTS (SELECT 1 FROM {TEAM_TABLE} WHERE user_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{ROLE_MESSAGE.replace("'", "''")}'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS team_member_keeps_a_reviewer_role",
    "DROP TRIGGER IF EXISTS inspection_team_member_is_a_reviewer_update",
    "DROP TRIGGER IF EXISTS inspection_team_member_is_a_reviewer_insert",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)
    else:
        raise NotImplementedError(f"no team triggers written for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_REVERSE if vendor == "postgresql" else SQLITE_REVERSE)


def remove_stray_assignments(apps, schema_editor):
    """Take off teams anyone who is neither an inspector nor a lead, saying so in the log."""
    database = schema_editor.connection.alias
    Inspection = apps.get_model("inspections", "Inspection")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    Team = Inspection.inspectors.through
    stray = (
        Team.objects.using(database)
        .exclude(user__role__in=REVIEWER_ROLES)
        .select_related("inspection", "user")
        .order_by("pk")
    )
    for row in stray:
        AuditEvent.objects.using(database).create(
            action="team_change",
            actor_username="",
            target=f"inspection {row.inspection.slug}"[:255],
            details={
                "removed": [row.user.username],
                "reason": f"a {row.user.role} cannot be on an inspection's team",
                "by": "migration accounts 0003",
            },
        )
        row.delete()


ACTIONS = [
    ("sign_in", "Signed in"),
    ("sign_in_failed", "Failed sign-in"),
    ("sign_out", "Signed out"),
    ("upload", "Uploaded a batch"),
    ("withdrawal", "Withdrew a batch"),
    ("sign_off", "Signed off an inspection"),
    ("reopen", "Reopened an inspection"),
    ("role_change", "Changed a role"),
    ("programme_created", "Created a programme"),
    ("inspection_created", "Created an inspection"),
    ("team_change", "Changed an inspection's team"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_event"),
        # The assignment table, and every migration before now that rebuilds it.
        ("inspections", "0005_case_updated_at"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="auditevent", name="audit_event_action_is_known"),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=ACTIONS, max_length=30),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(action__in=[value for value, _ in ACTIONS]),
                name="audit_event_action_is_known",
            ),
        ),
        migrations.RunPython(remove_stray_assignments, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

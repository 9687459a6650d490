"""The audit log is append-only in the database itself: a trigger refuses every UPDATE
and DELETE of its rows, from the application or from anyone else holding a connection.

PostgreSQL runs a plpgsql function for each row; SQLite raises ``RAISE(ABORT, …)``.
One exception, on SQLite only: the test runner empties its own test database between
tests with DELETE, which PostgreSQL does with TRUNCATE (no row trigger fires). The DELETE
trigger asks ``audit_log_emptying()``, which ``accounts.audit`` registers on each SQLite
connection and which answers yes only while Django flushes the test runner's own
database; a connection without that function (the ``sqlite3`` shell, any other
program) has its DELETE refused outright.

On SQLite, a later migration that rebuilds this table (most AlterFields there copy it
to a new one) drops these triggers with the old table: it must create them again, and
tests/accounts/test_append_only.py fails until it does.
"""

from django.db import migrations

MESSAGE = "the audit log is append-only: its rows cannot be changed or deleted"

POSTGRESQL_FORWARD = f"""
CREATE FUNCTION accounts_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse_change();
"""

POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_refuse_change();
"""

SQLITE_FORWARD = [
    f"""
CREATE TRIGGER accounts_auditevent_no_update
BEFORE UPDATE ON accounts_auditevent
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
    f"""
CREATE TRIGGER accounts_auditevent_no_delete
BEFORE DELETE ON accounts_auditevent
WHEN NOT audit_log_emptying()
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete;",
]


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_BACKWARD, SQLITE_BACKWARD)


def _run(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"no append-only trigger written for {vendor}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_actions_the_law_names"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]

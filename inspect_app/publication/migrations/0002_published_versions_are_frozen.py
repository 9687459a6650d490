"""Published versions and their figures cannot be changed or deleted, in the database itself.

A trigger refuses every UPDATE and DELETE of their rows, from the application or from
anyone else holding a connection. Two narrow exceptions, both on DELETE only:

* the demonstration's own versions (``is_demo``), while ``load_demo --reset`` removes them
  through ``publication.demo.removing_demo_versions`` (PostgreSQL: the transaction-local
  setting ``publication.removing_demo``; SQLite: the connection function
  ``publication_removing_demo()``, registered by ``publication.database``);
* on SQLite, the test runner emptying its own test database (``audit_log_emptying()``, as
  for the audit log: accounts migration 0006). PostgreSQL empties it with TRUNCATE.

A connection without those functions (the ``sqlite3`` shell) has every DELETE refused.
"""

from django.db import migrations

MESSAGE = "a published version is frozen: its rows cannot be changed or deleted"
VERSIONS = "publication_publishedversion"
FIGURES = "publication_publishedfigure"

POSTGRESQL_FORWARD = f"""
CREATE FUNCTION publication_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    demo boolean;
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('publication.removing_demo', true), '') = 'on' THEN
        IF TG_TABLE_NAME = '{VERSIONS}' THEN
            demo := OLD.is_demo;
        ELSE
            SELECT is_demo INTO demo FROM {VERSIONS} WHERE id = OLD.version_id;
        END IF;
        IF demo THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {VERSIONS}_frozen
    BEFORE UPDATE OR DELETE ON {VERSIONS}
    FOR EACH ROW EXECUTE FUNCTION publication_refuse_change();
CREATE TRIGGER {FIGURES}_frozen
    BEFORE UPDATE OR DELETE ON {FIGURES}
    FOR EACH ROW EXECUTE FUNCTION publication_refuse_change();
"""

POSTGRESQL_BACKWARD = f"""
DROP TRIGGER IF EXISTS {VERSIONS}_frozen ON {VERSIONS};
DROP TRIGGER IF EXISTS {FIGURES}_frozen ON {FIGURES};
DROP FUNCTION IF EXISTS publication_refuse_change();
"""

SQLITE_FORWARD = [
    f"""
CREATE TRIGGER {VERSIONS}_no_update BEFORE UPDATE ON {VERSIONS}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER {VERSIONS}_no_delete BEFORE DELETE ON {VERSIONS}
WHEN NOT audit_log_emptying() AND NOT (OLD.is_demo AND publication_removing_demo())
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER {FIGURES}_no_update BEFORE UPDATE ON {FIGURES}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER {FIGURES}_no_delete BEFORE DELETE ON {FIGURES}
WHEN NOT audit_log_emptying() AND NOT (
    publication_removing_demo()
    AND coalesce((SELECT is_demo FROM {VERSIONS} WHERE id = OLD.version_id), 0)
)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_no_{what};"
    for table in (VERSIONS, FIGURES)
    for what in ("update", "delete")
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
        raise NotImplementedError(f"no frozen-version trigger written for {vendor}")


class Migration(migrations.Migration):
    dependencies = [
        ("publication", "0001_published_versions"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]

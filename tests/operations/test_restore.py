"""A backup restores into a fresh database as the database that was dumped.

The backup is the one docs/operations.md tells an operator to take (``pg_dump -Fc``),
restored the way it says (``pg_restore`` into a new database). The restored copy must
hold every table's rows, the audit log exactly as it was, no migration left to run,
and let a person sign in. The later tests break a copy on purpose and watch the same
checks say so: a check that cannot fail proves nothing.
"""

import pytest

from inspect_app.accounts.models import AuditEvent
from inspect_app.compliance.models import ComplianceFigure
from inspect_app.inspections.models import SampledCase
from tests.faults.services import app_environment
from tests.operations.backups import (
    all_rows,
    differences,
    execute,
    manage,
    operator_check,
    restore,
    row_counts,
    sign_in,
)
from tests.operations.conftest import WRONG_PASSWORD

AUDIT = AuditEvent._meta.db_table
CASES = SampledCase._meta.db_table
#: Stored figures: nothing refers to them, so they can be emptied on their own.
FIGURES = ComplianceFigure._meta.db_table


def actions(columns, rows):
    """The action of each audit log row, in order."""
    position = columns.index("action")
    return [row[position] for row in rows]


def test_a_restored_backup_is_the_database_that_was_dumped(backup, fresh_database):
    # What was dumped is worth restoring: cases, figures, and sign-ins (one refused).
    dumped = row_counts(backup.source_url)
    assert dumped[CASES] > 0 and dumped[FIGURES] > 0
    columns, audit_rows = all_rows(backup.source_url, AUDIT)
    logged = actions(columns, audit_rows)
    assert AuditEvent.Action.SIGN_IN in logged and AuditEvent.Action.SIGN_IN_FAILED in logged

    restore(backup.path, fresh_database)

    assert differences(backup.source_url, fresh_database, AUDIT) == []
    assert operator_check(fresh_database) == operator_check(backup.source_url)
    env = app_environment(fresh_database)
    status, output = manage(env, "migrate", "--check", "--plan")
    assert status == 0, f"migrations pending on the restored copy:\n{output}"

    status, output = sign_in(env, "admin", env["DEMO_PASSWORD"])
    assert status == 0, output
    status, output = sign_in(env, "admin", WRONG_PASSWORD)
    assert status == 1, output
    # Both attempts are written after the restored rows: the id sequence came back too.
    _, after = all_rows(fresh_database, AUDIT)
    assert after[: len(audit_rows)] == audit_rows
    assert actions(columns, after[len(audit_rows) :]) == [
        AuditEvent.Action.SIGN_IN,
        AuditEvent.Action.SIGN_IN_FAILED,
    ]


def test_the_check_notices_a_table_emptied_in_the_copy(backup, fresh_database):
    restore(backup.path, fresh_database)
    execute(fresh_database, f'TRUNCATE "{FIGURES}"')

    found = differences(backup.source_url, fresh_database, AUDIT)

    dumped = row_counts(backup.source_url)[FIGURES]
    assert found == [f"{FIGURES}: {dumped} rows dumped, 0 restored"]
    assert set(operator_check(fresh_database)) - set(operator_check(backup.source_url)) == {
        f"rows {FIGURES} 0"
    }


def test_the_check_notices_an_audit_entry_altered_in_the_copy(backup, fresh_database):
    restore(backup.path, fresh_database)
    # The log refuses changes of its own accord; only switching that off can alter it.
    execute(
        fresh_database,
        f'ALTER TABLE "{AUDIT}" DISABLE TRIGGER USER; '
        f"UPDATE \"{AUDIT}\" SET actor_username = 'someone-else' "
        f'WHERE id = (SELECT min(id) FROM "{AUDIT}")',
    )

    found = differences(backup.source_url, fresh_database, AUDIT)

    # The switched-off guard is a difference of its own; the altered row must be another.
    rows = [line for line in found if not line.startswith("schema: ")]
    assert len(rows) == 1 and rows[0].startswith(f"{AUDIT}: row ") and "someone-else" in rows[0]


def test_the_check_notices_a_constraint_lost_in_the_copy(backup, fresh_database):
    # A lost rule holds no rows of its own: only comparing definitions can see it go.
    restore(backup.path, fresh_database)
    execute(fresh_database, f'ALTER TABLE "{AUDIT}" DROP CONSTRAINT audit_event_action_is_known')

    found = differences(backup.source_url, fresh_database, AUDIT)

    assert found == [f"schema: constraint {AUDIT}.audit_event_action_is_known.c lost"]


def test_a_data_only_restore_into_an_empty_database_is_refused(backup, fresh_database):
    # Without the schema there is nowhere to put the rows: the restore must stop, not
    # leave an empty database that looks restored.
    with pytest.raises(RuntimeError, match="does not exist"):
        restore(backup.path, fresh_database, "--data-only")
    assert row_counts(fresh_database) == {}


def test_the_migration_check_notices_a_copy_without_its_migration_history(backup, fresh_database):
    restore(backup.path, fresh_database)
    # The project's last migration of its own app (a library's squashed migration counts
    # as applied while the ones it replaces are): no later migration depends on it, so
    # the copy's history stays consistent and it simply shows as still to run.
    (name,) = execute(
        fresh_database,
        "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations "
        "WHERE app = 'accounts') RETURNING name",
    )[0]

    status, output = manage(app_environment(fresh_database), "migrate", "--check", "--plan")

    assert status != 0 and name in output, output

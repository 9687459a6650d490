"""The audit log is append-only in the database: raw SQL cannot change or delete a row, on
PostgreSQL and on SQLite alike, and yet people can still be removed, and test databases
emptied between tests."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction, AuditEvent, User
from tests.factories import UserFactory

TABLE = AuditEvent._meta.db_table


def an_entry():
    return audit.record(AuditAction.CONSULTATION, username="someone", target="case X-1")


def refused(sql, params=()):
    """Run ``sql``; whether the database refused it as the trigger does."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        assert "append-only" in str(error)
        return True
    return False


@pytest.mark.django_db
def test_raw_sql_cannot_update_an_audit_row():
    entry = an_entry()
    assert refused(f"UPDATE {TABLE} SET actor_username = 'nobody' WHERE id = %s", [entry.pk])
    assert refused(f"UPDATE {TABLE} SET action = 'sign_in'")
    entry.refresh_from_db()
    assert (entry.actor_username, entry.action) == ("someone", "consultation")


@pytest.mark.django_db
def test_raw_sql_cannot_delete_an_audit_row():
    entry = an_entry()
    assert refused(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    assert refused(f"DELETE FROM {TABLE}")
    assert AuditEvent.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_the_orm_is_refused_too():
    entry = an_entry()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(target="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    assert AuditEvent.objects.get(pk=entry.pk).target == "case X-1"


@pytest.mark.django_db
def test_adding_rows_still_works_and_other_tables_are_untouched():
    an_entry()
    an_entry()
    assert AuditEvent.objects.count() == 2
    user = UserFactory(username="temp")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET first_name = 'T' WHERE id = %s", [user.pk])
    assert User.objects.get(pk=user.pk).first_name == "T"


@pytest.mark.django_db
def test_deleting_a_user_works_and_leaves_their_entries_as_they_were(lead_user, client):
    client.force_login(lead_user)  # a sign-in entry naming them
    audit.record(AuditAction.CONSULTATION, actor=lead_user, target="case X-2")
    before = list(AuditEvent.objects.filter(actor_username=lead_user.username).values())
    assert len(before) >= 2 and all(row["actor_id"] == lead_user.pk for row in before)
    lead_user.delete()
    assert not User.objects.filter(username="lee-lead").exists()
    after = list(AuditEvent.objects.filter(actor_username="lee-lead").values())
    assert after == before  # still naming them, their id included: nothing was rewritten


@pytest.mark.django_db
def test_deactivating_a_user_works_and_leaves_their_entries_intact(inspector_user):
    audit.record(AuditAction.CONSULTATION, actor=inspector_user, target="case X-3")
    before = list(AuditEvent.objects.order_by("pk").values())
    inspector_user.is_active = False
    inspector_user.save()
    assert not User.objects.get(pk=inspector_user.pk).is_active
    assert list(AuditEvent.objects.order_by("pk").values())[: len(before)] == before


# --- emptying a test database between tests -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_flush_of_the_test_database_empties_the_log():
    """What every ``transaction=True`` test does when it ends: TRUNCATE on PostgreSQL (no row
    trigger fires), DELETE on SQLite (let through for the test runner's own flush)."""
    an_entry()
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_delete_outside_a_flush_is_refused_even_on_the_test_database():
    an_entry()
    assert refused(f"DELETE FROM {TABLE}")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_only_the_test_runner_s_own_database_may_be_flushed(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL flushes with TRUNCATE, which no row trigger sees")
    an_entry()
    # As a production database: not the one the test runner made.
    monkeypatch.setattr(audit, "_is_test_database", lambda connection: False)
    with pytest.raises(CommandError) as refusal:
        call_command("flush", interactive=False, verbosity=0)
    assert "append-only" in str(refusal.value.__cause__)
    assert AuditEvent.objects.count() == 1
    monkeypatch.undo()


def test_a_program_without_the_answering_function_cannot_delete_on_sqlite(tmp_path):
    """The ``sqlite3`` shell, or any program not this service, has no ``audit_log_emptying``:
    its DELETE fails rather than slipping through."""
    import importlib
    import sqlite3

    triggers = importlib.import_module(
        "inspect_app.accounts.migrations.0006_audit_log_is_append_only"
    )

    database = sqlite3.connect(tmp_path / "log.sqlite3")
    database.execute(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, action TEXT)")
    for statement in triggers.SQLITE_FORWARD:
        database.execute(statement)
    database.execute(f"INSERT INTO {TABLE} (action) VALUES ('consultation')")
    with pytest.raises(sqlite3.Error):
        database.execute(f"DELETE FROM {TABLE}")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        database.execute(f"UPDATE {TABLE} SET action = 'x'")
    assert database.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (1,)

"""Only inspectors and lead inspectors are on an inspection's team: refused by the model,
and by the database itself (triggers of accounts migration 0003) for raw SQL too."""

import importlib
import threading

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.forms import modelform_factory

from inspect_app.accounts.models import AuditAction, AuditEvent, User
from inspect_app.accounts.roles import ASSIGNABLE, Role
from inspect_app.inspections.models import Inspection
from tests.factories import UserFactory
from tests.management import run_command

pytestmark = pytest.mark.django_db

TEAM_TABLE = Inspection.inspectors.through._meta.db_table
USER_TABLE = User._meta.db_table
migration = importlib.import_module(
    "inspect_app.accounts.migrations.0003_inspection_teams_are_reviewers"
)


def refused_by_database(sql, params, text):
    with (
        pytest.raises(IntegrityError, match=text),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def insert_assignment(inspection, user):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TEAM_TABLE} (inspection_id, user_id) VALUES (%s, %s)",
            [inspection.pk, user.pk],
        )


def set_role(user, role, force=None):
    """The role written straight into the table, as raw SQL would, bypassing the model."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {USER_TABLE} SET role = %s, force_id = %s WHERE id = %s",
            [role, force.pk if force else None, user.pk],
        )


def make_user(role, force):
    return UserFactory(
        username=f"someone-{role}",
        role=role,
        force=force if role == Role.COMMISSIONER else None,
    )


class Editor:
    """What the migration's functions use of a schema editor, inside the test's transaction
    (SQLite's own editor cannot be opened in one)."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_databases_list_of_reviewer_roles_is_the_codes():
    assert set(migration.REVIEWER_ROLES) == {role.value for role in ASSIGNABLE}


@pytest.mark.parametrize("role", Role.values)
def test_the_database_takes_only_inspectors_and_leads_onto_a_team(role, inspection_a, force_a):
    user = make_user(role, force_a)
    if role in ASSIGNABLE:
        insert_assignment(inspection_a, user)
        assert inspection_a.inspectors.filter(pk=user.pk).exists()
    else:
        refused_by_database(
            f"INSERT INTO {TEAM_TABLE} (inspection_id, user_id) VALUES (%s, %s)",
            [inspection_a.pk, user.pk],
            "only inspectors and lead inspectors",
        )
        assert not inspection_a.inspectors.exists()


def test_the_database_refuses_moving_an_assignment_to_an_admin(inspector_user, admin_user):
    refused_by_database(
        f"UPDATE {TEAM_TABLE} SET user_id = %s WHERE user_id = %s",
        [admin_user.pk, inspector_user.pk],
        "only inspectors and lead inspectors",
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMMISSIONER])
def test_the_database_refuses_a_team_member_a_role_that_cannot_review(
    role, inspector_user, force_a
):
    force = force_a if role == Role.COMMISSIONER else None
    refused_by_database(
        f"UPDATE {USER_TABLE} SET role = %s, force_id = %s WHERE id = %s",
        [role, force.pk if force else None, inspector_user.pk],
        "on an inspection's team",
    )
    inspector_user.refresh_from_db()
    assert inspector_user.role == Role.INSPECTOR


def test_a_team_member_may_become_a_lead(inspector_user):
    set_role(inspector_user, Role.LEAD_INSPECTOR)
    inspector_user.refresh_from_db()
    assert inspector_user.role == Role.LEAD_INSPECTOR


def test_someone_on_no_team_may_take_any_role(unassigned_inspector, force_a):
    set_role(unassigned_inspector, Role.COMMISSIONER, force_a)
    set_role(unassigned_inspector, Role.ADMIN)
    unassigned_inspector.refresh_from_db()
    assert unassigned_inspector.role == Role.ADMIN


def test_saving_a_team_member_as_an_admin_is_refused_too(inspector_user):
    inspector_user.role = Role.ADMIN
    with pytest.raises(IntegrityError), transaction.atomic():
        inspector_user.save()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMMISSIONER])
def test_the_model_refuses_a_team_member_who_cannot_review(role, inspection_a, force_a):
    user = make_user(role, force_a)
    # (Refused inside add()'s transaction, which goes with it, as with a database error.)
    refusal = pytest.raises(ValidationError, match="Only inspectors and lead inspectors")
    with refusal, transaction.atomic():
        inspection_a.inspectors.add(user)
    with refusal, transaction.atomic():
        user.assigned_inspections.add(inspection_a)  # from the other side
    assert not inspection_a.inspectors.exists()


def test_the_model_takes_inspectors_and_leads(inspection_a, lead_user, unassigned_inspector):
    inspection_a.inspectors.add(lead_user)
    unassigned_inspector.assigned_inspections.add(inspection_a)
    assert set(inspection_a.inspectors.all()) == {lead_user, unassigned_inspector}


def test_the_picker_offers_only_inspectors_and_leads(
    admin_user, lead_user, unassigned_inspector, commissioner_a
):
    form = modelform_factory(Inspection, fields=["inspectors"])()  # as Django's admin makes it
    offered = set(form.fields["inspectors"].queryset)
    assert offered == {lead_user, unassigned_inspector}


def test_the_migration_takes_stray_assignments_off_teams_and_logs_it(
    inspection_a, inspector_user, admin_user
):
    # Made as an older database could hold them, before the triggers existed.
    migration.drop_triggers(apps, Editor())
    insert_assignment(inspection_a, admin_user)
    migration.remove_stray_assignments(apps, Editor())
    migration.create_triggers(apps, Editor())
    assert list(inspection_a.inspectors.all()) == [inspector_user]
    event = AuditEvent.objects.get(action=AuditAction.TEAM_CHANGE)
    assert event.target == "inspection essex-test"
    assert event.details["removed"] == ["alice-admin"]
    # And the triggers are back.
    refused_by_database(
        f"INSERT INTO {TEAM_TABLE} (inspection_id, user_id) VALUES (%s, %s)",
        [inspection_a.pk, admin_user.pk],
        "only inspectors and lead inspectors",
    )


def test_the_model_says_why_a_team_member_cannot_become_an_admin(inspector_user):
    inspector_user.role = Role.ADMIN
    with pytest.raises(ValidationError) as refused:
        inspector_user.full_clean()
    assert refused.value.message_dict["role"] == [
        "isla-inspector is on the team of essex-test: take them off it (manage.py "
        "assign_inspectors essex-test isla-inspector --remove) before giving them a role other "
        "than inspector or lead inspector"
    ]


def test_create_user_refuses_it_in_one_line(inspector_user, monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "a-long-enough-passphrase")
    status, _, err = run_command("create_user", "isla-inspector", "--role", "admin")
    assert status != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "isla-inspector is on the team of essex-test" in err
    inspector_user.refresh_from_db()
    assert inspector_user.role == Role.INSPECTOR


@pytest.mark.django_db(transaction=True)
def test_an_assignment_and_a_role_change_at_once_cannot_both_win(
    inspection_a, unassigned_inspector
):
    """Two real transactions: the role change waits for the assignment, then sees it."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    outcome = {}

    def change_role():
        try:
            with transaction.atomic():
                User.objects.filter(pk=unassigned_inspector.pk).update(role=Role.ADMIN)
            outcome["role"] = "changed"
        except IntegrityError as error:
            outcome["role"] = str(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        insert_assignment(inspection_a, unassigned_inspector)
        other = threading.Thread(target=change_role)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), "the role change did not wait for the assignment"
    other.join(timeout=10)
    assert "on an inspection's team" in outcome["role"]
    unassigned_inspector.refresh_from_db()
    assert unassigned_inspector.role == Role.INSPECTOR
    assert inspection_a.inspectors.filter(pk=unassigned_inspector.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_assignment_made_during_a_role_change_waits_and_is_refused(
    inspection_a, unassigned_inspector
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    outcome = {}

    def assign():
        try:
            with transaction.atomic():
                insert_assignment(inspection_a, unassigned_inspector)
            outcome["assignment"] = "made"
        except IntegrityError as error:
            outcome["assignment"] = str(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        User.objects.filter(pk=unassigned_inspector.pk).update(role=Role.ADMIN)
        other = threading.Thread(target=assign)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), "the assignment did not wait for the role change"
    other.join(timeout=10)
    assert "only inspectors and lead inspectors" in outcome["assignment"]
    assert not inspection_a.inspectors.exists()

"""``manage.py assign_inspectors SLUG USERNAME... [--remove]``: status 0, or non-zero with one
line per refused name, and nothing changed."""

import pytest

from inspect_app.accounts.models import AuditAction, AuditEvent
from tests.factories import SampledCaseFactory
from tests.management import run_command

pytestmark = pytest.mark.django_db


def lines(text):
    return text.strip().splitlines()


def test_it_assigns_inspectors_and_leads(inspection_a, unassigned_inspector, lead_user):
    status, out, err = run_command("assign_inspectors", "essex-test", "uma-unassigned", "lee-lead")
    assert status == 0, err
    assert lines(out) == ["assigned uma-unassigned, lee-lead to essex-test"]
    assert set(inspection_a.inspectors.all()) == {unassigned_inspector, lead_user}
    event = AuditEvent.objects.get(action=AuditAction.TEAM_CHANGE)
    assert event.target == "inspection essex-test"
    assert event.details == {"added": ["uma-unassigned", "lee-lead"], "via": "command line"}


def test_running_it_twice_changes_nothing(inspection_a, inspector_user):
    status, out, _ = run_command("assign_inspectors", "essex-test", "isla-inspector")
    assert status == 0
    assert lines(out) == ["isla-inspector was already on the team of essex-test"]
    assert not AuditEvent.objects.filter(action=AuditAction.TEAM_CHANGE).exists()


def test_it_refuses_each_name_on_a_line_and_assigns_nobody(
    inspection_a, unassigned_inspector, admin_user, commissioner_a
):
    status, out, err = run_command(
        "assign_inspectors",
        "essex-test",
        "uma-unassigned",
        "alice-admin",
        "nobody",
        "cara-commissioner",
    )
    assert status != 0 and "Traceback" not in err and out == ""
    assert lines(err) == [
        "there is no user called 'nobody'",
        "alice-admin is an admin: only inspectors and lead inspectors can be on an "
        "inspection's team",
        "cara-commissioner is a commissioner: only inspectors and lead inspectors can be on an "
        "inspection's team",
    ]
    assert not inspection_a.inspectors.exists()


def test_it_removes_with_remove(inspection_a, inspector_user):
    status, out, _ = run_command("assign_inspectors", "essex-test", "isla-inspector", "--remove")
    assert status == 0
    assert lines(out) == ["removed isla-inspector from essex-test"]
    assert not inspection_a.inspectors.exists()
    event = AuditEvent.objects.get(action=AuditAction.TEAM_CHANGE)
    assert event.details == {"removed": ["isla-inspector"], "via": "command line"}


def test_it_refuses_to_remove_an_inspector_with_cases_to_review(inspection_a, inspector_user):
    SampledCaseFactory(inspection=inspection_a, reference="W-1", assigned_to=inspector_user)
    SampledCaseFactory(inspection=inspection_a, reference="W-2", second_reviewer=inspector_user)
    status, _, err = run_command("assign_inspectors", "essex-test", "isla-inspector", "--remove")
    assert status != 0
    assert lines(err) == [
        "isla-inspector still has 2 cases to review in this inspection: reassign them in the "
        "workspace first"
    ]
    assert inspection_a.inspectors.filter(pk=inspector_user.pk).exists()


def test_removing_someone_not_on_the_team_says_so(inspection_a, unassigned_inspector):
    status, out, _ = run_command("assign_inspectors", "essex-test", "uma-unassigned", "--remove")
    assert status == 0
    assert lines(out) == ["uma-unassigned was not on the team of essex-test"]


def test_an_unknown_inspection_is_one_line(db):
    status, _, err = run_command("assign_inspectors", "nowhere", "someone")
    assert status != 0 and lines(err) == ["CommandError: no inspection with slug 'nowhere'"]


def test_it_needs_a_username(inspection_a):
    status, _, err = run_command("assign_inspectors", "essex-test")
    assert status != 0 and "the following arguments are required: USERNAME" in err

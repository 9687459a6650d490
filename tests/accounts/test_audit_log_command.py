"""``manage.py audit_log``: one JSON object a line, exactly as interfaces.md gives it, narrowed
by time, person and action; bad input refused in one line with exit status 2."""

import datetime
import json

import pytest
from django.utils import timezone

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction, AuditEvent
from tests.management import run_command

pytestmark = pytest.mark.django_db

KEYS = ["at", "actor", "action", "object_type", "object_id", "detail"]


def lines(*argv):
    """The command's lines, less the role changes that making the fixtures' users left."""
    status, out, err = run_command("audit_log", *argv, "--format", "jsonl")
    assert (status, err) == (0, "")
    parsed = [json.loads(line) for line in out.splitlines()]
    return [line for line in parsed if line["action"] != "role_change"]


@pytest.fixture
def log(lead_user, inspector_user, case_a):
    """Three entries: a consultation of case A by the lead, an alteration by the inspector,
    and a sign-in failure by nobody known."""
    audit.record(AuditAction.CONSULTATION, actor=lead_user, subject=case_a, page="case")
    audit.record(AuditAction.ALTERATION, actor=inspector_user, subject=case_a, review="first")
    audit.record(AuditAction.SIGN_IN_FAILED, username="mallory")
    return case_a


def test_every_entry_is_one_json_object_with_exactly_the_interface_s_keys(log, lead_user):
    first, second, third = lines()
    assert list(first) == KEYS
    assert first["actor"] == lead_user.username and first["action"] == "consultation"
    assert (first["object_type"], first["object_id"]) == ("sampledcase", log.pk)
    assert first["detail"]["page"] == "case" and isinstance(first["detail"], dict)
    assert third == {**third, "actor": "mallory", "object_type": None, "object_id": None}


def test_at_is_iso_8601_with_an_offset_and_the_lines_are_oldest_first(log):
    times = [datetime.datetime.fromisoformat(line["at"]) for line in lines()]
    assert all(moment.utcoffset() is not None for moment in times)
    assert times == sorted(times)
    stored = AuditEvent.objects.get(action="consultation").occurred_at
    assert times[0] == stored


def test_it_narrows_by_actor_and_by_action(log, inspector_user):
    assert [line["action"] for line in lines("--actor", inspector_user.username)] == ["alteration"]
    assert [line["actor"] for line in lines("--action", "sign_in_failed")] == ["mallory"]
    assert lines("--actor", "nobody-at-all") == []
    both = lines("--actor", inspector_user.username, "--action", "consultation")
    assert both == []


@pytest.mark.parametrize("offset", ["+00:00", "Z", "+05:30", ""])
def test_since_takes_any_iso_time_with_or_without_an_offset(log, offset):
    newest = AuditEvent.objects.latest("pk").occurred_at
    after = newest + datetime.timedelta(seconds=1)
    if offset == "":
        given = timezone.make_naive(after).isoformat()
    elif offset == "Z":
        given = after.astimezone(datetime.UTC).replace(tzinfo=None).isoformat() + "Z"
    else:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        zone = datetime.timezone(datetime.timedelta(hours=hours, minutes=minutes))
        given = after.astimezone(zone).isoformat()
    assert lines("--since", given) == []
    before = newest - datetime.timedelta(days=1)
    assert len(lines("--since", before.isoformat())) == 3


def test_since_a_date_means_from_its_midnight(log):
    today = timezone.localdate().isoformat()
    assert len(lines("--since", today)) == 3
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert lines("--since", tomorrow) == []


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--since", "last tuesday", "--format", "jsonl"], "last tuesday"),
        (["--since", "2026-13-40", "--format", "jsonl"], "2026-13-40"),
        (["--action", "upload", "--format", "jsonl"], "unknown action 'upload'"),
        (["--format", "csv"], "invalid choice: 'csv'"),
        ([], "--format"),
        (["--format", "jsonl", "--colour"], "--colour"),
    ],
)
def test_bad_input_is_refused_in_one_line_with_status_2(log, argv, named):
    status, out, err = run_command("audit_log", *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert named in err and "Traceback" not in err

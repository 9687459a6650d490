"""Every upload (a collection) and withdrawal (an erasure: its cases are deleted) leaves one
audit entry, written where the change is made: the upload page, the command line and a
withdrawal alike."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.inspections.models import SampleBatch
from inspect_app.uploads import withdrawal
from tests.management import run_command
from tests.uploads.conftest import HEADER

pytestmark = pytest.mark.django_db

CONTENT = HEADER + "\nA1,incident,2014-03-01,,\nA2,incident,2014-03-02,,\n"


def uploads():
    return AuditEvent.objects.filter(action=AuditAction.COLLECTION)


def test_a_command_line_import_leaves_one_upload_entry_naming_the_batch(write_file, inspection_a):
    path = write_file(CONTENT)
    status, out, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert (status, err) == (0, "")  # the entry is written, not echoed to the person
    batch = SampleBatch.objects.get()
    entry = uploads().get()
    assert entry.target == f"batch {batch.pk} of {inspection_a.slug}"
    assert (entry.object_type, entry.object_id) == ("samplebatch", batch.pk)
    assert entry.actor is None and entry.actor_username == ""
    assert entry.details == {
        "filename": "batch.csv",
        "sha256": batch.content_sha256,
        "via": "command line",
    }


def test_a_dry_run_or_a_refused_file_leaves_no_upload_entry(write_file, inspection_a):
    path = write_file(CONTENT)
    run_command("import_batch", str(path), "--inspection", inspection_a.slug, "--dry-run")
    assert not uploads().exists()
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 0
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 1
    assert uploads().count() == 1  # the duplicate was refused before a batch was made


def test_a_web_upload_leaves_exactly_one_upload_entry(
    client, admin_user, inspection_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
            {"file": SimpleUploadedFile("web.csv", CONTENT.encode())},
        )
    assert response.status_code == 302
    batch = SampleBatch.objects.get()
    assert [(entry.actor, entry.target, entry.ip_address) for entry in uploads()] == [
        (admin_user, f"batch {batch.pk} of {inspection_a.slug}", "127.0.0.1")
    ]
    assert "via" not in uploads().get().details


def test_a_withdrawal_leaves_exactly_one_entry_with_who_and_what(
    client, write_file, admin_user, inspection_a
):
    run_command("import_batch", str(write_file(CONTENT)), "--inspection", inspection_a.slug)
    batch = SampleBatch.objects.get()
    client.force_login(admin_user)
    response = client.post(reverse("batch-withdraw", kwargs={"pk": batch.pk}))
    assert response.status_code == 302
    entries = AuditEvent.objects.filter(action=AuditAction.ERASURE)
    assert [(entry.actor, entry.target, entry.object_id, entry.details) for entry in entries] == [
        (
            admin_user,
            f"batch {batch.pk} of {inspection_a.slug}",
            batch.pk,
            {"reason": "withdrawal", "cases_removed": 2},
        )
    ]


def test_a_refused_withdrawal_leaves_no_entry(write_file, admin_user, inspection_a):
    run_command("import_batch", str(write_file("nonsense\n")), "--inspection", inspection_a.slug)
    with pytest.raises(withdrawal.WithdrawalRefused):
        withdrawal.withdraw(SampleBatch.objects.get(), admin_user)
    assert not AuditEvent.objects.filter(action=AuditAction.ERASURE).exists()

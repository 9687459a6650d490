"""The upload pages: upload → progress → result, the JSON status, the error CSV, and who may
use them."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspect_app.inspections.models import BatchStatus, SampleBatch, SampledCase
from inspect_app.uploads import processing, progress, receiving
from inspect_app.uploads.errors import MAX_STORED_ERRORS
from tests.uploads.conftest import HEADER

pytestmark = pytest.mark.django_db

GOOD = (HEADER + "\nP1,incident,2014-03-01,,\nP2,no_crime,02/03/2014,VAP,\n").encode()
BAD = (HEADER + '\nP1,incident,31/02/2014,,\n=HYPERLINK("x"),crime,2014-03-01,,\n').encode()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(client, inspection, content, name="batch.csv", **extra):
    return client.post(
        reverse("batch-upload", kwargs={"slug": inspection.slug}),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def test_the_upload_page_offers_the_form_the_format_and_the_downloads(admin_client, inspection_a):
    response = admin_client.get(reverse("batch-upload", kwargs={"slug": inspection_a.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert reverse("batch-template-csv") in html and reverse("batch-template-xlsx") in html
    assert reverse("batch-example", kwargs={"slug": inspection_a.slug}) in html
    assert "<code>reported_at</code>" in html


def test_a_good_file_goes_from_upload_through_progress_to_its_result(
    admin_client, inspection_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, inspection_a, GOOD)
    batch = SampleBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("batch-detail", kwargs={"pk": batch.pk})

    # Tasks run in-process in tests, so it is already done.
    page = admin_client.get(response["Location"])
    html = page.content.decode()
    assert "2 rows imported" in html
    assert reverse("inspection-detail", kwargs={"slug": inspection_a.slug}) in html
    assert 'http-equiv="refresh"' not in html
    assert SampledCase.objects.filter(batch=batch).count() == 2
    assert batch.uploaded_by.username == "alice-admin"
    # The stored file is not kept once its batch is settled.
    batch.refresh_from_db()
    assert batch.stored_file == ""


def test_the_progress_page_refreshes_without_javascript_and_polls_with_it(
    admin_client, inspection_a, admin_user
):
    batch = receiving.receive(inspection_a, _file(GOOD), filename="b.csv", by=admin_user)
    progress.Progress(batch.pk).report("checking", 0.5, 1200)

    page = admin_client.get(reverse("batch-detail", kwargs={"pk": batch.pk}))
    html = page.content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert 'value="25"' in html and "1,200" in html
    assert 'src="/static/js/upload-progress.js"' in html
    assert "<script>" not in html  # no inline script: a content security policy will come
    assert reverse("batch-status", kwargs={"pk": batch.pk}) in html

    status = admin_client.get(reverse("batch-status", kwargs={"pk": batch.pk})).json()
    assert status == {
        "status": "pending",
        "status_label": "Waiting to be processed",
        "finished": False,
        "phase": "checking",
        "percent": 25,
        "rows_done": 1200,
        "rows_total": None,
        "error_count": 0,
        "result_url": reverse("batch-detail", kwargs={"pk": batch.pk}),
    }

    processing.process_batch(batch.pk)
    status = admin_client.get(reverse("batch-status", kwargs={"pk": batch.pk})).json()
    assert status["finished"] and status["percent"] == 100 and status["rows_done"] == 2


def test_a_bad_file_shows_every_error_in_an_error_summary_and_as_csv(
    admin_client, inspection_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, inspection_a, BAD)
    batch = SampleBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    html = admin_client.get(response["Location"]).content.decode()
    assert "There is a problem" in html and 'class="error-summary"' in html
    assert "nothing was imported" in html
    assert "Row 2, column reported_at: &#x27;31/02/2014&#x27; is not a real date or time" in html
    assert "Row 3, column record_type: &#x27;crime&#x27; is not a record type" in html
    assert SampledCase.objects.count() == 0

    download = admin_client.get(reverse("batch-errors-csv", kwargs={"pk": batch.pk}))
    assert download["Content-Disposition"] == f'attachment; filename="batch-{batch.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["row", "column", "message"]
    assert rows[1] == ["2", "reported_at", "'31/02/2014' is not a real date or time"]
    assert rows[2][:2] == ["3", "record_type"]


def test_the_error_csv_neutralises_text_that_a_spreadsheet_would_run(
    admin_client, inspection_a, django_capture_on_commit_callbacks
):
    content = (HEADER + ',=cmd|"/c calc"!A1\nP1,incident,2014-03-01,,,x\n').encode()
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, inspection_a, content)
    batch = SampleBatch.objects.get()
    download = admin_client.get(reverse("batch-errors-csv", kwargs={"pk": batch.pk}))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[1][1] == '\'=cmd|"/c calc"!A1'


def test_a_huge_number_of_errors_is_capped_and_the_page_says_so(
    admin_client, inspection_a, django_capture_on_commit_callbacks
):
    content = (HEADER + "\n" + "".join(f"E{n},crime,2014-03-01,,\n" for n in range(1500))).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, inspection_a, content)
    batch = SampleBatch.objects.get()
    assert batch.error_count == 1500
    assert len(batch.errors) == MAX_STORED_ERRORS
    assert batch.errors[0]["row"] == 2 and batch.errors[-1]["row"] == MAX_STORED_ERRORS + 1
    html = admin_client.get(response["Location"]).content.decode()
    assert "Showing the first 1,000 of 1,500 errors" in html


def test_a_file_too_big_is_refused_on_the_form_before_it_is_read(
    admin_client, inspection_a, settings, monkeypatch
):
    settings.BATCH_MAX_BYTES = 10
    monkeypatch.setattr(receiving, "receive", lambda *a, **k: pytest.fail("file was processed"))
    response = upload(admin_client, inspection_a, GOOD)
    assert response.status_code == 400
    assert "the most that can be uploaded" in response.content.decode()
    assert SampleBatch.objects.count() == 0


def test_the_same_file_twice_is_refused_on_the_form(
    admin_client, inspection_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, inspection_a, GOOD)
    response = upload(admin_client, inspection_a, GOOD, name="renamed.csv")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "This file has already been uploaded to this inspection (batch.csv" in html
    assert SampleBatch.objects.count() == 1


def test_a_file_of_another_kind_is_refused_on_the_form(admin_client, inspection_a):
    response = upload(admin_client, inspection_a, b"%PDF-1.4", name="batch.pdf")
    assert response.status_code == 400
    assert "must be a .csv or an .xlsx file" in response.content.decode()


def test_ignored_columns_from_the_form_are_kept_for_the_worker(
    admin_client, inspection_a, django_capture_on_commit_callbacks
):
    content = (HEADER + ",Our notes\nP1,incident,2014-03-01,,,anything\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, inspection_a, content, ignore_columns="our notes, other")
    batch = SampleBatch.objects.get()
    assert batch.ignored_columns == ["our notes", "other"]
    assert batch.status == BatchStatus.IMPORTED


def test_the_downloads(admin_client, inspection_a):
    template = admin_client.get(reverse("batch-template-csv"))
    assert template.content.decode().startswith("reference,record_type,reported_at")
    workbook = admin_client.get(reverse("batch-template-xlsx"))
    assert workbook.content[:2] == b"PK"
    example = admin_client.get(reverse("batch-example", kwargs={"slug": inspection_a.slug}))
    assert example.content.decode().count("EXAMPLE-essex-test-") == 5


@pytest.mark.parametrize(
    "user_fixture", ["lead_user", "inspector_user", "unassigned_inspector", "commissioner_a"]
)
def test_only_admins_may_use_the_pages(user_fixture, request, client, inspection_a, admin_user):
    batch = receiving.receive(inspection_a, _file(GOOD), filename="b.csv", by=admin_user)
    client.force_login(request.getfixturevalue(user_fixture))
    for url in (
        reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
        reverse("batch-example", kwargs={"slug": inspection_a.slug}),
        reverse("batch-template-csv"),
        reverse("batch-detail", kwargs={"pk": batch.pk}),
        reverse("batch-status", kwargs={"pk": batch.pk}),
        reverse("batch-errors-csv", kwargs={"pk": batch.pk}),
        reverse("batch-withdraw", kwargs={"pk": batch.pk}),
    ):
        assert client.get(url).status_code == 403, url
    assert upload(client, inspection_a, GOOD).status_code == 403
    assert SampleBatch.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, inspection_a):
    response = client.get(reverse("batch-upload", kwargs={"slug": inspection_a.slug}))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_inspections_and_batches_are_not_found(admin_client):
    assert admin_client.get(reverse("batch-upload", kwargs={"slug": "nowhere"})).status_code == 404
    assert admin_client.get(reverse("batch-detail", kwargs={"pk": 999})).status_code == 404


def _file(content, name="b.csv"):
    return SimpleUploadedFile(name, content)


def test_uploads_and_withdrawals_are_in_the_audit_log(
    admin_client, admin_user, inspection_a, django_capture_on_commit_callbacks
):
    from inspect_app.accounts.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, inspection_a, GOOD)
    batch = SampleBatch.objects.get()
    uploaded = AuditEvent.objects.get(action="collection")
    assert uploaded.actor == admin_user and uploaded.ip_address == "127.0.0.1"
    assert uploaded.target == f"batch {batch.pk} of {inspection_a.slug}"
    assert uploaded.details["filename"] == "batch.csv"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("batch-withdraw", kwargs={"pk": batch.pk}))
    withdrawn = AuditEvent.objects.get(action="erasure")
    assert withdrawn.actor == admin_user and withdrawn.details["cases_removed"] == 2


def test_a_queue_that_cannot_be_reached_fails_the_batch_with_a_clear_message(
    admin_client, inspection_a, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    from inspect_app.uploads import tasks

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.import_batch, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, inspection_a, GOOD)
    batch = SampleBatch.objects.get()
    assert batch.status == "failed" and batch.stored_file == ""
    assert not SampledCase.objects.exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "cannot be processed now" in page
    # Nothing lost: the same file can be uploaded again once the queue is back.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, inspection_a, GOOD)
    assert SampledCase.objects.count() == 2

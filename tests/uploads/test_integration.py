"""An upload through the page, imported by a real Celery worker over Redis on PostgreSQL."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROWS = 2500
CONTENT = (
    "reference,record_type,reported_at,offence_group,should_record,was_recorded,reviewer\n"
    + "".join(
        f"I{n:05d},incident,01/03/2014 10:{n % 60:02d},,yes,no,isla-inspector\n"
        for n in range(ROWS)
    )
    + "N1,no_crime,2014-03-02,VAP,,,\n"
).encode()


@pytest.fixture
def worker(media_root, monkeypatch, request):
    """The worker, started once MEDIA_ROOT is in the environment it inherits."""
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    return request.getfixturevalue("celery_worker_process")


def wait_until_finished(client, batch, seconds=90):
    url = reverse("batch-status", kwargs={"pk": batch.pk})
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        status = client.get(url).json()
        seen.append(status)
        if status["finished"]:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"the batch did not finish: {seen[-1]}")


def test_an_upload_is_imported_by_the_worker_while_the_page_reports_progress(
    client, admin_user, inspection_a, inspector_user, worker
):
    client.force_login(admin_user)
    response = client.post(
        reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
        {"file": SimpleUploadedFile("audit.csv", CONTENT)},
    )
    assert response.status_code == 302
    batch = SampleBatch.objects.get()

    seen = wait_until_finished(client, batch)
    assert seen[-1]["status"] == "imported" and seen[-1]["rows_done"] == ROWS + 1
    percents = [status["percent"] for status in seen]
    assert percents == sorted(percents)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED and batch.task_id
    assert SampledCase.objects.filter(batch=batch).count() == ROWS + 1
    assert CaseReview.objects.filter(case__batch=batch, record_type="incident").count() == ROWS
    html = client.get(response["Location"]).content.decode()
    assert "2,501 rows imported" in html


def test_a_bad_upload_fails_in_the_worker_with_its_errors(client, admin_user, inspection_a, worker):
    client.force_login(admin_user)
    client.post(
        reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
        {"file": SimpleUploadedFile("bad.csv", b"reference,record_type,reported_at\nB1,x,\n")},
    )
    batch = SampleBatch.objects.get()
    assert wait_until_finished(client, batch)[-1]["status"] == "failed"
    batch.refresh_from_db()
    assert [error["column"] for error in batch.errors] == ["record_type", "reported_at"]
    assert SampledCase.objects.count() == 0

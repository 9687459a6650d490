"""An extract uploaded on the page, imported by a real Celery worker over Redis on PostgreSQL."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspect_app.sampling.models import ExtractImport, ImportStatus, PopulationExtract
from tests.sampling.helpers import HEADER

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RECORDS = 45_000  # past two of the row-by-row reading's progress reports (every 20,000 rows)
CONTENT = (
    HEADER + "".join(f"W{n:06d},incident,2025-03-01 10:00,,,\n" for n in range(RECORDS))
).encode()


@pytest.fixture
def worker(media_root, monkeypatch, request):
    """The worker, started once MEDIA_ROOT is in the environment it inherits."""
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    return request.getfixturevalue("celery_worker_process")


def test_the_worker_imports_the_extract_while_the_page_polls_its_progress(
    client, admin_user, inspection_a, worker
):
    client.force_login(admin_user)
    response = client.post(
        reverse("inspection-sample", args=[inspection_a.slug]),
        {"action": "import", "file": SimpleUploadedFile("extract.csv", CONTENT)},
    )
    assert response.status_code == 302
    url = reverse("inspection-extract-import-status", args=[inspection_a.slug])
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen.append(client.get(url).json())
        if seen[-1]["finished"]:
            break
        time.sleep(0.1)
    assert seen[-1]["status"] == "imported", seen[-1]
    assert seen[-1]["rows_done"] == RECORDS and seen[-1]["percent"] == 100
    # While it runs, the page reads the records read when the import last reported: never
    # more than the file holds, never going back.
    done = [status["rows_done"] for status in seen]
    assert done == sorted(done) and all(0 <= rows <= RECORDS for rows in done)
    percents = [status["percent"] for status in seen]
    assert percents == sorted(percents)
    job = ExtractImport.objects.get()
    assert job.status == ImportStatus.IMPORTED and job.task_id
    assert PopulationExtract.objects.get(inspection=inspection_a).record_count == RECORDS

"""An extract uploaded on the page: stored, imported by the worker, followed on a progress
page, and its outcome kept once the worker is done."""

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError

from inspect_app.core import progress as cached
from inspect_app.sampling import extract_rows, tasks
from inspect_app.sampling.models import (
    ExtractImport,
    ImportStatus,
    PopulationExtract,
    extract_file_storage,
)
from tests.sampling.helpers import HEADER, small_extract

pytestmark = pytest.mark.django_db


def csv_upload(tmp_path, body, name="extract.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def good_rows(count):
    return "".join(f"R{number:04d},incident,2025-03-01 10:00,,,\n" for number in range(count))


def post_import(client, inspection, path, **extra):
    with path.open("rb") as upload:
        return client.post(
            reverse("inspection-sample", args=[inspection.slug]),
            {"action": "import", "file": upload, **extra},
        )


def test_a_workbook_upload_has_a_percent_bar_from_the_size_its_sheet_states_to_the_worker(
    admin_client, inspection_a, tmp_path
):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    for number in range(30):
        sheet.append([f"R{number:04d}", "incident", "2025-03-01 10:00", "", "", ""])
    path = tmp_path / "extract.xlsx"
    workbook.save(path)
    assert extract_rows.workbook_rows(path) == 30
    response = post_import(admin_client, inspection_a, path)
    job = ExtractImport.objects.get()
    # The upload's request never opens a workbook from outside; the worker sizes it.
    assert job.rows_expected is None and tasks.estimated_rows(path) is None
    tasks.size_workbook(job, extract_file_storage().path(job.stored_file))
    job.refresh_from_db()
    assert job.rows_expected == 30
    cached.write(tasks.progress_key(job.pk), {"rows_done": 12})
    page = admin_client.get(response["Location"]).content.decode()
    assert '<progress id="extract-progress-bar" max="100" value="40">' in page
    # The worker's run sizes it before it imports.
    ExtractImport.objects.filter(pk=job.pk).update(rows_expected=None)
    done = tasks.run(job.pk)
    assert (done.status, done.records, done.rows_expected) == (ImportStatus.IMPORTED, 30, 30)
    # A file named .xlsx that is no workbook has no size to state: the import says why.
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert extract_rows.workbook_rows(broken) is None


def test_the_upload_waits_for_the_worker_with_a_progress_bar_then_shows_the_count(
    admin_client, inspection_a, tmp_path, django_capture_on_commit_callbacks
):
    path = csv_upload(tmp_path, good_rows(40))
    # The worker has not run yet: the page shows the bar and polls.
    response = post_import(admin_client, inspection_a, path)
    job = ExtractImport.objects.get()
    assert job.status == ImportStatus.PENDING and job.rows_expected == 40
    assert extract_file_storage().exists(job.stored_file)
    cached.write(tasks.progress_key(job.pk), {"rows_done": 10})
    page = admin_client.get(response["Location"]).content.decode()
    assert '<progress id="extract-progress-bar" max="100" value="25">' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert 'src="/static/js/upload-progress.js"' in page
    status_url = reverse("inspection-extract-import-status", args=[inspection_a.slug])
    assert status_url in page
    status = admin_client.get(status_url).json()
    assert status["percent"] == 25 and status["rows_done"] == 10 and not status["finished"]
    # The sample page says an import is under way, and offers no second upload.
    sample = admin_client.get(reverse("inspection-sample", args=[inspection_a.slug]))
    assert "is being imported" in sample.content.decode()
    assert "Import the extract" not in sample.content.decode()

    stored = job.stored_file
    tasks.run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED and job.records == 40
    # The file holds casework: it is not kept once imported.
    assert job.stored_file == "" and not extract_file_storage().exists(stored)
    assert job.finished_at is not None
    assert PopulationExtract.objects.get(inspection=inspection_a).record_count == 40
    page = admin_client.get(response["Location"]).content.decode()
    assert "40 records imported" in page and "extract-progress-bar" not in page
    status = admin_client.get(status_url).json()
    assert status["finished"] and status["percent"] == 100 and status["rows_done"] == 40
    # Delivered twice, the task leaves the settled job as it is.
    assert tasks.run(job.pk).records == 40
    assert PopulationExtract.objects.count() == 1


def test_the_worker_reports_the_records_read_as_it_goes(
    admin_client, inspection_a, tmp_path, monkeypatch
):
    seen = []

    def import_extract(path, inspection, *, progress, **options):
        progress(20_001)  # the import reports by row number: the header is row 1
        seen.append(tasks.read_progress(job.pk))
        raise tasks.extracts.ExtractRefused(["row 9, column route: too long"])

    post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(3)))
    job = ExtractImport.objects.get()
    monkeypatch.setattr(tasks.extracts, "import_extract", import_extract)
    tasks.run(job.pk)
    assert seen == [{"rows_done": 20_000}]
    assert tasks.read_progress(job.pk) == {}  # forgotten once the job is settled


def test_every_error_stays_readable_with_its_row_after_the_worker_is_done(
    admin_client, inspection_a, tmp_path, django_capture_on_commit_callbacks
):
    body = "A1,arrest,2025-03-01,,,\nA2,incident,not a date,,,\nA1,incident,2025-03-01,,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(admin_client, inspection_a, csv_upload(tmp_path, body, "bad.csv"))
    job = ExtractImport.objects.get()
    assert job.status == ImportStatus.FAILED and job.error_count >= 2
    assert not PopulationExtract.objects.exists()
    for _ in range(2):  # the same on a later visit: the outcome is kept, not the file
        page = admin_client.get(response["Location"]).content.decode()
        assert "bad.csv was not imported" in page
        assert '<td class="numeric">2</td><td><code>record_type</code></td>' in page
        assert '<td class="numeric">3</td><td><code>reported_at</code></td>' in page
    assert job.stored_file == "" and extract_file_storage().listdir("extracts") == ([], [])
    sample = admin_client.get(reverse("inspection-sample", args=[inspection_a.slug]))
    assert "The last upload, bad.csv, was not imported" in sample.content.decode()


def test_a_second_import_while_one_runs_is_refused_and_stores_nothing(
    admin_client, inspection_a, tmp_path
):
    post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(5)))
    second = post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(6), "b.csv"))
    assert second.status_code == 400
    text = second.content.decode()
    assert "Another upload, extract.csv, is still being imported into this inspection" in text
    assert "wait until it has finished" in text
    assert ExtractImport.objects.count() == 1
    assert len(extract_file_storage().listdir("extracts")[1]) == 1


def test_an_import_that_lost_its_worker_long_ago_no_longer_stops_an_upload(
    admin_client, inspection_a, tmp_path
):
    post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(5)))
    stuck = ExtractImport.objects.get()
    ExtractImport.objects.filter(pk=stuck.pk).update(
        status=ImportStatus.PROCESSING, uploaded_at=stuck.uploaded_at - tasks.STALE_AFTER
    )
    again = post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(6), "b.csv"))
    assert again.status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED and "stopped without finishing" in stuck.errors[0]
    assert ExtractImport.objects.filter(status=ImportStatus.PENDING).count() == 1


def test_a_file_that_could_never_be_imported_is_refused_on_the_form(
    admin_client, inspection_a, tmp_path
):
    small_extract(inspection_a, tmp_path)
    response = post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(5), "b.csv"))
    assert response.status_code == 400
    assert "already has an extract" in response.content.decode()
    assert not ExtractImport.objects.exists()


def test_an_unreachable_queue_fails_the_import_at_once_saying_so(
    admin_client, inspection_a, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    def unreachable(*args, **kwargs):
        raise KombuOperationalError("no broker")

    monkeypatch.setattr(tasks.import_extract_file, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(5)))
    job = ExtractImport.objects.get()
    assert job.status == ImportStatus.FAILED
    page = admin_client.get(response["Location"]).content.decode()
    assert "the service that imports files is not reachable" in page
    # Not stuck: the same file may be uploaded again.
    again = post_import(admin_client, inspection_a, csv_upload(tmp_path, good_rows(5)))
    assert again.status_code == 302


def test_the_import_page_without_an_upload_goes_back_to_the_sample_page(admin_client, inspection_a):
    response = admin_client.get(reverse("inspection-extract-import", args=[inspection_a.slug]))
    assert response["Location"] == reverse("inspection-sample", args=[inspection_a.slug])
    status = admin_client.get(
        reverse("inspection-extract-import-status", args=[inspection_a.slug])
    ).json()
    assert status["finished"] and status["result_url"] == response["Location"]

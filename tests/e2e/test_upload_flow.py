"""An admin uploads a batch in the browser: the progress page, then the result.

The page's own script polls the JSON status and moves on to the result when
the worker finishes. Here the "worker" is this test calling the same service
while the browser waits on the progress page.
"""

import pytest
from playwright.sync_api import expect

from inspect_app.inspections.models import CaseReview, SampleBatch, SampledCase
from inspect_app.uploads import processing, tasks

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = (
    "reference,record_type,reported_at,offence_group,should_record,was_recorded,reviewer\n"
    + "".join(f"B{n},incident,01/03/2014 10:00,,yes,yes,isla-inspector\n" for n in range(40))
)
BAD = "reference,record_type,reported_at\nB1,incident,31/02/2014\nB2,crime,2014-03-01\n"


@pytest.fixture
def held_in_the_queue(monkeypatch):
    """Uploads wait (as they would for a busy worker) until the test processes them."""
    monkeypatch.setattr(tasks, "start_processing", lambda batch: None)


def upload(page, live_server, inspection, path):
    page.goto(f"{live_server.url}/inspections/{inspection.slug}/batches/")
    page.get_by_label("Batch file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()


def test_an_admin_uploads_a_batch_watches_its_progress_and_sees_the_result(
    sign_in,
    page,
    live_server,
    admin_user,
    inspection_a,
    inspector_user,
    tmp_path,
    held_in_the_queue,
    screenshot,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "audit.csv"
    path.write_text(GOOD, encoding="utf-8")
    sign_in(admin_user)

    upload(page, live_server, inspection_a, path)
    expect(page.get_by_role("heading", name="Checking audit.csv")).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    screenshot("progress")

    processing.process_batch(SampleBatch.objects.get().pk)  # the worker's turn

    # The script notices and shows the result without a reload by hand.
    expect(page.get_by_role("heading", name="40 rows imported")).to_be_visible(timeout=15_000)
    cases = page.get_by_role("link", name="See the cases")
    expect(cases).to_be_visible()
    screenshot("result")
    cases.click()
    expect(page.get_by_role("heading", name="Essex: review workspace")).to_be_visible()


def test_a_bad_batch_shows_every_error_in_the_error_summary(
    sign_in, page, live_server, admin_user, inspection_a, tmp_path, screenshot, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    sign_in(admin_user)

    upload(page, live_server, inspection_a, path)  # processed at once: tasks run in-process
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Row 2, column reported_at")).to_be_visible()
    expect(summary.get_by_role("link", name="Row 3, column record_type")).to_be_visible()
    screenshot("errors")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the errors (CSV)").click()
    assert download.value.suggested_filename.endswith("-errors.csv")


# Big enough that checking and importing take a few seconds on PostgreSQL, so
# the page is still on its progress bar when it first shows.
WORKER_ROWS = 60_000


@pytest.mark.integration
def test_an_upload_in_the_browser_is_imported_by_the_real_worker(
    sign_in,
    page,
    live_server,
    admin_user,
    inspection_a,
    inspector_user,
    tmp_path,
    screenshot,
    settings,
    monkeypatch,
    start_celery_worker,
):
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    start_celery_worker()
    path = tmp_path / "round-two.csv"
    path.write_text(
        "reference,record_type,reported_at,should_record,was_recorded,reviewer\n"
        + "".join(
            f"R{n:06d},incident,2014-03-01 10:{n % 60:02d},yes,{'yes' if n % 5 else 'no'},"
            "isla-inspector\n"
            for n in range(WORKER_ROWS)
        ),
        encoding="utf-8",
    )
    # What the page's own script hears from the status URL while it waits.
    heard = []

    def listen(route):
        # Read here, before the page moves on and its response body is gone.
        response = route.fetch()
        heard.append(response.json())
        route.fulfill(response=response)

    page.route("**/status.json", listen)
    sign_in(admin_user)

    upload(page, live_server, inspection_a, path)
    expect(page.get_by_role("heading", name="Checking round-two.csv")).to_be_visible()
    screenshot("progress")

    expect(page.get_by_role("heading", name=f"{WORKER_ROWS:,} rows imported")).to_be_visible(
        timeout=120_000
    )
    screenshot("result")
    percents = [status["percent"] for status in heard]
    assert percents == sorted(percents), percents
    assert heard[-1]["status"] == "imported" and heard[-1]["percent"] == 100
    batch = SampleBatch.objects.get()
    assert batch.task_id  # queued, and taken by the worker, not run in-process
    assert SampledCase.objects.filter(batch=batch).count() == WORKER_ROWS
    assert CaseReview.objects.filter(case__batch=batch, was_recorded=False).count() == (
        WORKER_ROWS // 5
    )

"""A worker killed in the middle of an import: the task is delivered again (late
acknowledgement) and the batch ends whole — every row once, or none."""

import signal
import time

import pytest

from inspect_app.inspections.models import SampleBatch, SampledCase
from inspect_app.uploads import progress, receiving, tasks

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROWS = 30_000


def write_big_batch(path, rows):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("reference,record_type,reported_at,offence_group,summary\n")
        for number in range(rows):
            handle.write(
                f"K-{number:07d},incident,2014-03-{1 + number % 28:02d} 10:15,,"
                f"Caller reports incident {number} on the high street\n"
            )
    return path


def wait_for(condition, seconds, interval=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None


def test_a_killed_worker_leaves_nothing_half_written_and_the_retry_completes(
    start_celery_worker, inspection_a, admin_user, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Messages a dead worker held come back after this many seconds.
    first = start_celery_worker(CELERY_VISIBILITY_TIMEOUT="5", MEDIA_ROOT=str(settings.MEDIA_ROOT))
    path = write_big_batch(tmp_path / "big.csv", ROWS)
    batch = receiving.receive(inspection_a, str(path), filename="big.csv", by=admin_user)
    tasks.start_processing(batch)  # outside a transaction: queued at once

    def mid_import():
        phase = progress.read_progress(batch.pk).get("phase")
        status = SampleBatch.objects.get(pk=batch.pk).status
        return phase if status == "processing" and phase else None

    assert wait_for(mid_import, 120), first.log_path.read_text()[-3000:]
    # Into the write if it gets there quickly; otherwise kill it while checking.
    wait_for(lambda: mid_import() == "importing", 10)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)

    killed = SampleBatch.objects.get(pk=batch.pk)
    assert killed.status == "processing", (killed.errors, first.log_path.read_text()[-3000:])
    assert not SampledCase.objects.filter(batch=batch).exists()  # nothing half-written

    second = start_celery_worker(CELERY_VISIBILITY_TIMEOUT="5", MEDIA_ROOT=str(settings.MEDIA_ROOT))
    finished = wait_for(
        lambda: SampleBatch.objects.get(pk=batch.pk).status in ("imported", "failed"), 240, 0.5
    )
    assert finished, second.log_path.read_text()[-3000:]
    batch.refresh_from_db()
    assert batch.status == "imported", batch.errors
    assert batch.row_count == ROWS
    cases = SampledCase.objects.filter(batch=batch)
    assert cases.count() == ROWS
    assert cases.values("reference").distinct().count() == ROWS

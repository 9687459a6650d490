"""All or nothing: an import that dies half-way through its write leaves nothing behind."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase
from inspect_app.uploads import processing, receiving, staging, writing
from inspect_app.uploads.errors import ErrorLog
from tests.conftest import ROOT, postgres_url
from tests.management import run_command

ROWS = 23
CONTENT = (
    "reference,record_type,reported_at,should_record,was_recorded,reviewer\n"
    + "".join(f"K{n},incident,2014-03-01,yes,no,isla-inspector\n" for n in range(ROWS))
).encode()


def _break_the_write(monkeypatch, on_chunk, error):
    """Make the import's write raise ``error`` at its ``on_chunk``-th chunk, on either path.

    PostgreSQL imports staged rows a chunk at a time with one statement;
    SQLite writes each chunk with bulk_create.
    """
    calls = []
    if connection.vendor == "postgresql":
        real = staging._write_staged_chunk

        def broken(*args, **kwargs):
            calls.append(1)
            if len(calls) == on_chunk:
                raise error
            return real(*args, **kwargs)

        monkeypatch.setattr(staging, "_write_staged_chunk", broken)
    else:
        real = SampledCase.objects.bulk_create

        def broken(objs, *args, **kwargs):
            calls.append(len(objs))
            if len(calls) == on_chunk:
                raise error
            return real(objs, *args, **kwargs)

        monkeypatch.setattr(SampledCase.objects, "bulk_create", broken)
    return calls


def _batch(inspection, user=None):
    return receiving.receive(
        inspection, SimpleUploadedFile("k.csv", CONTENT), filename="k.csv", by=user
    )


@pytest.mark.django_db
def test_an_error_inside_the_write_rolls_every_row_back_and_fails_the_batch(
    inspection_a, inspector_user, monkeypatch
):
    with monkeypatch.context() as patched:
        patched.setattr(writing, "WRITE_CHUNK", 5)
        if connection.vendor == "postgresql":
            # One pass: the failure comes in the third chunk of the write from staging.
            _break_the_write(patched, 3, RuntimeError("the disk caught fire"))
        else:
            parsed = writing._parsed

            def failing_after_twelve_rows(parser, rows):
                for count, row in enumerate(parsed(parser, rows), start=1):
                    if count == 12:
                        raise RuntimeError("the disk caught fire")
                    yield row

            patched.setattr(writing, "_parsed", failing_after_twelve_rows)
        batch = _batch(inspection_a)
        outcome = processing.process_batch(batch.pk)

    assert SampledCase.objects.count() == 0 and CaseReview.objects.count() == 0
    assert CaseReview.history.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert (
        outcome.errors[0]
        .line()
        .startswith(
            "row 1, column (file): an unexpected problem stopped the import; nothing was imported"
        )
    )
    # The same file may be uploaded again (a failed batch does not count as a duplicate).
    assert processing.process_batch(_batch(inspection_a).pk).imported == ROWS


@pytest.mark.django_db
def test_a_lost_database_connection_leaves_the_batch_to_be_retried(
    inspection_a, inspector_user, monkeypatch
):
    monkeypatch.setattr(writing, "WRITE_CHUNK", 5)
    _break_the_write(monkeypatch, 3, OperationalError("server closed the connection unexpectedly"))
    batch = _batch(inspection_a)
    with pytest.raises(OperationalError):
        processing.process_batch(batch.pk)
    assert SampledCase.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING  # the task's retry picks it up

    outcome = processing.process_batch(batch.pk)  # the retry
    assert outcome.imported == ROWS
    assert SampledCase.objects.count() == ROWS and CaseReview.objects.count() == ROWS
    # Delivered once more after that (acks_late): nothing changes.
    assert processing.process_batch(batch.pk).imported == ROWS
    assert SampledCase.objects.count() == ROWS


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_write_leaves_nothing_and_the_retry_completes(
    inspection_a, inspector_user, media_root, tmp_path
):
    """A real process, SIGKILLed while its write transaction is open on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite has one writer and no server")
    batch = _batch(inspection_a)
    marker = tmp_path / "mid-write"
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=postgres_url(connection.settings_dict),
        MEDIA_ROOT=str(media_root),
        PYTHONPATH=str(ROOT),
        INSPECT_ENV_FILE="",
        DEBUG="true",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests/uploads/killable_import.py"),
            str(batch.pk),
            str(marker),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the import never reached its write"
            time.sleep(0.1)
        assert int(marker.read_text()) == 5  # one chunk written, inside the transaction
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                "AND datname = current_database()"
            )
            assert cursor.fetchone()[0] >= 1
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert SampledCase.objects.count() == 0 and CaseReview.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING

    # The task is delivered again (acks_late): this time it completes. The
    # killed session's lock on the batch is gone with it, or this would wait.
    outcome = processing.process_batch(batch.pk)
    assert outcome.imported == ROWS
    assert SampledCase.objects.filter(batch=batch).count() == ROWS
    assert SampleBatch.objects.get(pk=batch.pk).status == BatchStatus.IMPORTED


@pytest.mark.django_db
def test_the_command_reports_a_failed_write_without_a_traceback(
    write_file, inspection_a, monkeypatch
):
    _break_the_write(monkeypatch, 1, RuntimeError("boom"))
    path = write_file("reference,record_type,reported_at\nC1,incident,2014-03-01\n")
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.startswith("row 1, column (file): an unexpected problem stopped the import")
    assert "Traceback" not in err


@pytest.mark.django_db
def test_a_second_delivery_that_loses_the_race_does_not_undo_the_import(
    inspection_a, inspector_user
):
    batch = _batch(inspection_a)
    assert processing.process_batch(batch.pk).imported == ROWS
    # A duplicate delivery that was already validating when the first committed
    # (and deleted the file) fails to read it: that failure must not stick.
    errors = ErrorLog()
    errors.add(1, "(file)", "the uploaded file is no longer available")
    outcome = processing._fail(SampleBatch.objects.get(pk=batch.pk), errors)
    assert outcome.imported == ROWS
    assert SampleBatch.objects.get(pk=batch.pk).status == BatchStatus.IMPORTED
    # And a plain redelivery afterwards is a no-op.
    assert processing.process_batch(batch.pk).imported == ROWS
    assert SampledCase.objects.count() == ROWS

"""An extract uploaded on the page, imported in the background with a progress bar.

The page stores the file and an :class:`ExtractImport`, and queues
:func:`import_extract_file`; the worker runs ``extracts.import_extract`` (the
same import as ``manage.py import_population``, which stays synchronous) and
reports the rows read so far to the cache, for the page to poll. What became
of the file stays on the job once the file is deleted.
"""

import logging
import os
import uuid
from datetime import timedelta

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

import inspect_app.celery  # noqa: F401  the project's app, not Celery's default, sends this task
from inspect_app.core import progress as cached
from inspect_app.sampling import extract_rows, extracts
from inspect_app.sampling.extract_rows import WHOLE_FILE
from inspect_app.sampling.models import RUNNING, ExtractImport, ImportStatus, extract_file_storage

logger = logging.getLogger(__name__)

UNEXPECTED_FAILURE = (
    f"row 1, column {WHOLE_FILE}: an unexpected problem stopped the import; nothing was "
    "imported. Try again, and if it happens again tell the service team"
)
QUEUE_UNAVAILABLE = (
    f"row 1, column {WHOLE_FILE}: the service that imports files is not reachable, so "
    "nothing was imported. Upload the extract again in a few minutes"
)
STOPPED = (
    f"row 1, column {WHOLE_FILE}: the import stopped without finishing, and nothing was "
    "imported: upload the extract again"
)
#: An import still unsettled this long after its upload has lost its worker for good (the
#: largest extract allowed takes minutes): it no longer stops another upload.
STALE_AFTER = timedelta(hours=6)
FILE_GONE = f"row 1, column {WHOLE_FILE}: the uploaded file is no longer available: upload it again"


class ImportRunning(Exception):
    """Another import of the same inspection's extract has not finished yet."""

    def __init__(self, job):
        started = timezone.localtime(job.uploaded_at)
        who = job.started_by.get_username() if job.started_by else "someone"
        super().__init__(
            f"another upload, {job.original_filename}, is still being imported into this "
            f"inspection (uploaded by {who} at {started:%H:%M}): wait until it has finished"
        )
        self.job = job


def progress_key(job_id) -> str:
    return f"sampling:extract-import-progress:{job_id}"


def read_progress(job_id) -> dict:
    return cached.read(progress_key(job_id))


def running_import(inspection) -> ExtractImport | None:
    return (
        ExtractImport.objects.filter(inspection=inspection, status__in=RUNNING)
        .select_related("started_by")
        .first()
    )


def estimated_rows(path) -> int | None:
    """The records a CSV holds, by its line count (a summary with line breaks counts more).

    None for a workbook: counting means opening it, and a file from outside is opened
    by the worker only, never in the upload's request (see ``size_workbook``)."""
    if extract_rows.is_workbook(path):
        return None
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


def receive(inspection, upload, *, replace, by) -> ExtractImport:
    """Store the upload and make its import job, or refuse.

    Refused at once (ExtractRefused) where the file could never be imported:
    too big, or an extract that may not be replaced; refused (ImportRunning)
    while another import of this inspection runs.
    """
    storage = extract_file_storage()
    extension = os.path.splitext(upload.name)[1].lower()[:10]
    name = f"extracts/{uuid.uuid4().hex}{extension}"
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        with transaction.atomic():
            # Lock the inspection: two uploads at once make one job, and refuse the other.
            type(inspection).objects.select_for_update().filter(pk=inspection.pk).first()
            running = running_import(inspection)
            if running is not None and running.uploaded_at < timezone.now() - STALE_AFTER:
                ExtractImport.objects.filter(pk=running.pk).update(status=ImportStatus.PROCESSING)
                _finish(running.pk, ImportStatus.FAILED, errors=[STOPPED], error_count=1)
                running = None
            if running is not None:
                raise ImportRunning(running)
            extracts.screen(path, inspection, replace=replace)
            job = ExtractImport.objects.create(
                inspection=inspection,
                original_filename=os.path.basename(upload.name)[:255],
                stored_file=name,
                replace=replace,
                rows_expected=estimated_rows(path),
                started_by=by,
                uploaded_at=timezone.now(),
            )
    except (extracts.ExtractRefused, ImportRunning):
        storage.delete(name)
        raise
    except IntegrityError:
        # Another upload's job was made between the check and this one.
        storage.delete(name)
        raise ImportRunning(running_import(inspection)) from None
    return job


def start(job) -> None:
    """Queue the job once the transaction that made it commits; if the queue cannot be
    reached, the job fails at once, saying so."""

    def queue():
        try:
            result = import_extract_file.delay(job.pk)
        except KombuOperationalError:
            logger.warning("extract import %s not queued: the broker is unreachable", job.pk)
            ExtractImport.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(
                status=ImportStatus.PROCESSING
            )
            _finish(job.pk, ImportStatus.FAILED, errors=[QUEUE_UNAVAILABLE], error_count=1)
            return
        ExtractImport.objects.filter(pk=job.pk, task_id="").update(task_id=result.id or "")

    transaction.on_commit(queue)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def import_extract_file(job_id):
    """Import one uploaded extract (safe to deliver twice: see :func:`run`)."""
    job = run(job_id)
    return {"status": job.status, "records": job.records, "error_count": job.error_count}


def size_workbook(job, path) -> None:
    """Give a workbook's job the size its first sheet states, for the progress bar."""
    if job.rows_expected is None and extract_rows.is_workbook(path):
        job.rows_expected = extract_rows.workbook_rows(path)
        ExtractImport.objects.filter(pk=job.pk).update(rows_expected=job.rows_expected)


def run(job_id) -> ExtractImport:
    """Import the job's file, keeping the outcome on the job.

    A job already finished is left as it is; one still "processing" (its
    worker died) starts again: its earlier attempt committed nothing.
    """
    claimed = ExtractImport.objects.filter(pk=job_id, status__in=RUNNING).update(
        status=ImportStatus.PROCESSING
    )
    job = ExtractImport.objects.select_related("inspection", "started_by").get(pk=job_id)
    if not claimed:
        return job
    key = progress_key(job.pk)
    cached.write(key, {"rows_done": 0})

    def report(row_number):
        # The header is row 1: the records read so far are one fewer.
        cached.write(key, {"rows_done": max(0, row_number - 1)})

    path = extract_file_storage().path(job.stored_file) if job.stored_file else ""
    try:
        if not path or not os.path.exists(path):
            return _finish(job.pk, ImportStatus.FAILED, errors=[FILE_GONE], error_count=1)
        size_workbook(job, path)
        outcome = extracts.import_extract(
            path,
            job.inspection,
            filename=job.original_filename,
            by=job.started_by,
            replace=job.replace,
            progress=report,
        )
    except extracts.ExtractRefused as refusal:
        return _finish(
            job.pk,
            ImportStatus.FAILED,
            errors=refusal.errors[: ExtractImport.MAX_KEPT_ERRORS],
            error_count=refusal.count,
        )
    except (OperationalError, InterfaceError):
        # The database went away: nothing was committed; the task retries.
        raise
    except Exception:
        logger.exception("extract import %s failed unexpectedly", job.pk)
        return _finish(job.pk, ImportStatus.FAILED, errors=[UNEXPECTED_FAILURE], error_count=1)
    return _finish(job.pk, ImportStatus.IMPORTED, records=outcome.records)


def _finish(job_id, status, **outcome) -> ExtractImport:
    """Settle the job (only while it is still under way) and delete its file: it holds
    casework the service does not keep once imported."""
    ExtractImport.objects.filter(pk=job_id, status=ImportStatus.PROCESSING).update(
        status=status, finished_at=timezone.now(), **outcome
    )
    job = ExtractImport.objects.select_related("inspection", "started_by").get(pk=job_id)
    if job.stored_file:
        extract_file_storage().delete(job.stored_file)
        ExtractImport.objects.filter(pk=job_id).update(stored_file="")
        job.stored_file = ""
    cached.forget(progress_key(job_id))
    return job

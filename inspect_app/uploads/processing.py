"""A batch from start to finish: what the worker runs, and ``manage.py import_batch`` too.

The whole file is checked before anything is written, and only a file
without a single error is imported, in one transaction: every row or none
(docs/batch-format.md). On PostgreSQL the check and the import are one pass
through a staging table (:mod:`staging`); SQLite, the embedded default,
checks (:mod:`checking`) and then writes (:mod:`writing`). A worker that
dies half-way leaves the transaction uncommitted, so nothing is
half-written, and the batch is picked up again when the task is delivered
again (tasks are acknowledged late).
"""

import logging
import os
from dataclasses import dataclass, field

from django.db import IntegrityError, InterfaceError, OperationalError
from django.utils import timezone

from inspect_app.inspections.models import BatchStatus, SampleBatch
from inspect_app.uploads import drawn, staging, writing
from inspect_app.uploads.checking import check_rows
from inspect_app.uploads.errors import MAX_STORED_ERRORS, WHOLE_FILE, BatchError, ErrorLog
from inspect_app.uploads.progress import Progress, forget_progress
from inspect_app.uploads.receiving import (
    batch_storage,
    duplicate_error,
    max_bytes,
    sha256_of_file,
    too_big_error,
)

logger = logging.getLogger(__name__)

UNEXPECTED_FAILURE = (
    "an unexpected problem stopped the import; nothing was imported. "
    "Try again, and if it happens again tell the service team"
)
QUEUE_UNAVAILABLE = (
    "This file cannot be processed now: the service that imports files is not "
    "reachable. Nothing was imported. Upload it again in a few minutes."
)


@dataclass
class Outcome:
    """What became of a file: rows imported, or the errors (the first ones) and their count."""

    imported: int = 0
    rows: int = 0
    errors: list = field(default_factory=list)
    error_count: int = 0
    batch: SampleBatch | None = None
    #: A completed workbook's dry run: the reviews it would record and summaries it would fill.
    reviews: int | None = None
    summaries: int | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def check_file(path, inspection, *, filename="", ignored_columns=(), max_errors=MAX_STORED_ERRORS):
    """A dry run: every check an import makes, the duplicate-file check included; no writes."""
    size = os.path.getsize(path)
    if size > max_bytes():
        return Outcome(errors=[too_big_error(size)], error_count=1)
    duplicate = duplicate_error(inspection, sha256_of_file(path))
    errors = ErrorLog(limit=max_errors)
    if duplicate is not None:
        errors.add(duplicate.row, duplicate.column, duplicate.message)
    if drawn.is_drawn(inspection):
        # A completed workbook of the drawn cases: the checks its import makes.
        found = drawn.check_drawn(
            path, inspection, filename=filename, ignored_columns=ignored_columns, errors=errors
        )
        return Outcome(
            rows=found.rows,
            errors=errors.errors,
            error_count=errors.count,
            reviews=len(found.reviews),
            summaries=len(found.summaries),
        )
    validation = check_rows(
        path, inspection, filename=filename, ignored_columns=ignored_columns, errors=errors
    )
    return Outcome(rows=validation.rows, errors=errors.errors, error_count=errors.count)


def process_batch(batch_id, *, max_errors=MAX_STORED_ERRORS) -> Outcome:
    """Check and import a pending batch.

    Safe to run twice, or again after a worker died: a batch already
    imported, failed or withdrawn is left as it is; one still "processing"
    is started again from the beginning (its earlier attempt wrote nothing
    that was committed).
    """
    claimed = SampleBatch.objects.filter(
        pk=batch_id, status__in=(BatchStatus.PENDING, BatchStatus.PROCESSING)
    ).update(status=BatchStatus.PROCESSING, started_at=timezone.now())
    batch = SampleBatch.objects.select_related("inspection__force", "uploaded_by").get(pk=batch_id)
    if not claimed:
        return _outcome_of(batch)

    progress = Progress(batch.pk)
    progress.report("checking", 0.0, 0)
    path = batch_storage().path(batch.stored_file) if batch.stored_file else ""
    errors = ErrorLog(limit=max_errors)
    validation = None
    try:
        if not batch.stored_file or not os.path.exists(path):
            errors.add(1, WHOLE_FILE, "the uploaded file is no longer available: upload it again")
        else:
            size = os.path.getsize(path)
            if size > max_bytes():
                errors.add(1, WHOLE_FILE, too_big_error(size).message)
            elif drawn.is_drawn(batch.inspection):
                # A completed workbook of the drawn cases: reviews, no new cases.
                _, written = drawn.import_drawn(path, batch, errors=errors, progress=progress)
            elif staging.uses_staging():
                # One pass: the rows are checked and staged in the transaction
                # that imports them.
                validation, written = staging.import_staged(
                    path, batch, errors=errors, progress=progress
                )
            else:
                validation = check_rows(
                    path,
                    batch.inspection,
                    filename=batch.original_filename,
                    ignored_columns=batch.ignored_columns,
                    errors=errors,
                    progress=progress,
                )
        if errors:
            return _fail(batch, errors, rows=validation.rows if validation else 0)
        if not staging.uses_staging() and not drawn.is_drawn(batch.inspection):
            written = writing.write_checked(
                path, batch, progress=progress, rows_total=validation.rows
            )
    except staging.FileHasErrors as refused:
        return _fail(batch, errors, rows=refused.validation.rows)
    except drawn.DrawnFileHasErrors:
        return _fail(batch, errors)
    except writing.StaleBatch:
        batch.refresh_from_db()
        return _outcome_of(batch)
    except (OperationalError, InterfaceError):
        # The database went away: nothing was committed; the task retries.
        raise
    except IntegrityError:
        logger.warning("batch %s clashed with data added during its import", batch_id)
        errors = ErrorLog()
        errors.add(
            1,
            WHOLE_FILE,
            "cases were added to the inspection while this file was imported, and some "
            "references clash with them; nothing was imported: upload the file again",
        )
        return _fail(batch, errors)
    except Exception:
        logger.exception("batch %s failed unexpectedly", batch_id)
        errors = ErrorLog()
        errors.add(1, WHOLE_FILE, UNEXPECTED_FAILURE)
        return _fail(batch, errors)
    _discard_file(batch)
    progress.report("importing", 1.0, written, written)
    batch.refresh_from_db()
    return Outcome(imported=written, rows=written, batch=batch)


def fail_unqueued(batch) -> Outcome:
    """The task queue could not be reached: the batch fails at once, saying so.

    Nothing was written, and the same file may be uploaded again, rather
    than the batch waiting for ever.
    """
    SampleBatch.objects.filter(pk=batch.pk, status=BatchStatus.PENDING).update(
        status=BatchStatus.PROCESSING
    )
    log = ErrorLog(limit=1)
    log.add(1, WHOLE_FILE, QUEUE_UNAVAILABLE)
    return _fail(batch, log)


def remember_task(batch_id, task_id) -> None:
    """Note the queued task's id on the batch (the first one, if it was queued twice)."""
    SampleBatch.objects.filter(pk=batch_id, task_id="").update(task_id=task_id or "")


def _fail(batch, errors, rows=None) -> Outcome:
    kept = errors.errors
    # Only a batch still in progress fails: a second delivery of the task that
    # lost the race to an import already committed must not undo it.
    failed = SampleBatch.objects.filter(pk=batch.pk, status=BatchStatus.PROCESSING).update(
        status=BatchStatus.FAILED,
        errors=[error.as_dict() for error in kept[:MAX_STORED_ERRORS]],
        error_count=errors.count,
        row_count=0,
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    if not failed:
        return _outcome_of(batch)
    _discard_file(batch)
    forget_progress(batch.pk)
    return Outcome(rows=rows or 0, errors=kept, error_count=errors.count, batch=batch)


def _discard_file(batch):
    """The file holds sensitive narratives: once its batch is settled, it is not kept."""
    if batch.stored_file:
        batch_storage().delete(batch.stored_file)
        SampleBatch.objects.filter(pk=batch.pk).update(stored_file="")


def _outcome_of(batch) -> Outcome:
    errors = [BatchError.from_dict(item) for item in batch.errors]
    return Outcome(
        imported=batch.row_count if batch.status == BatchStatus.IMPORTED else 0,
        rows=batch.row_count,
        errors=errors,
        error_count=batch.error_count,
        batch=batch,
    )

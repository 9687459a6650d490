"""Receiving, validating, importing and withdrawing sample batches: one path for the page,
the worker and ``manage.py import_batch``.

The rules (docs/batch-format.md):

* the size limit is checked before anything is read;
* the same file (by SHA-256 of its bytes) twice in one inspection is refused;
* the whole file is validated in a first pass that writes nothing and keeps
  nothing per row in memory (references go to a scratch file on disk);
* only a file without a single error is imported, in a second pass, inside
  one transaction: every row or none;
* on PostgreSQL there is one pass instead: inside the import's transaction
  each row is parsed once and COPYed into a TEMPORARY staging table, the
  references are checked there in SQL, and only a file without an error is
  then moved into the real tables with INSERT … SELECT (a file with errors
  rolls back, leaving nothing, the staging table included). SQLite, the
  embedded default, keeps the two passes;
* a worker that dies half-way leaves the transaction uncommitted, so nothing
  is half-written, and the batch is picked up again when the task is
  delivered again (tasks are acknowledged late).
"""

import contextlib
import hashlib
import io
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    reset_queries,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from inspect_app.compliance.tasks import request_recompute
from inspect_app.inspections.decisions import DECISION_FIELDS
from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    Inspection,
    ReviewKind,
    SampleBatch,
    SampledCase,
    casework_changed,
)
from inspect_app.uploads.columns import COLUMN_NAMES
from inspect_app.uploads.errors import MAX_STORED_ERRORS, WHOLE_FILE, BatchError, ErrorLog
from inspect_app.uploads.reading import UnreadableFile, open_rows
from inspect_app.uploads.references import ReferenceCheck, report_staged_duplicates
from inspect_app.uploads.validation import Header, Lookups, RowParser

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
WRITE_CHUNK = 5000
PROGRESS_EVERY_ROWS = 1000
PROGRESS_TIMEOUT_SECONDS = 24 * 60 * 60
UPLOAD_FOLDER = "batches"
UNEXPECTED_FAILURE = (
    "an unexpected problem stopped the import; nothing was imported. "
    "Try again, and if it happens again tell the service team"
)


def max_bytes() -> int:
    return getattr(settings, "BATCH_MAX_BYTES", DEFAULT_MAX_BYTES)


def batch_storage() -> FileSystemStorage:
    """Where uploaded files wait to be processed: under MEDIA_ROOT, never served."""
    return FileSystemStorage(location=settings.MEDIA_ROOT)


class BatchRefused(Exception):
    """The file was refused before a batch was made (too big, a duplicate)."""

    def __init__(self, errors):
        super().__init__("; ".join(error.line() for error in errors))
        self.errors = errors


@dataclass
class Outcome:
    """What became of a file: rows imported, or the errors (the first ones) and their count."""

    imported: int = 0
    rows: int = 0
    errors: list = field(default_factory=list)
    error_count: int = 0
    batch: SampleBatch | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0


# --- receiving a file --------------------------------------------------------------------


def _too_big_error(size) -> BatchError:
    limit = max_bytes()
    return BatchError(
        1,
        WHOLE_FILE,
        f"the file is {_megabytes(size)}; the most that can be uploaded is {_megabytes(limit)}: "
        "split it into smaller batches",
    )


def _megabytes(size) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _duplicate_error(inspection, sha256, exclude_pk=None):
    live = (
        SampleBatch.objects.filter(inspection=inspection, content_sha256=sha256)
        .exclude(status__in=(BatchStatus.FAILED, BatchStatus.WITHDRAWN))
        .exclude(pk=exclude_pk)
        .order_by("uploaded_at")
        .first()
    )
    if live is None:
        return None
    when = timezone.localtime(live.uploaded_at).strftime("%d/%m/%Y %H:%M")
    return BatchError(
        1,
        WHOLE_FILE,
        f"this file has already been uploaded to this inspection ({live.original_filename}, "
        f"{when}, {live.get_status_display().lower()})",
    )


def sha256_of_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def receive(inspection, source, *, filename, uploaded_by=None, ignored_columns=()):
    """Keep the file and make a pending batch for it, or raise :class:`BatchRefused`.

    ``source`` is an uploaded file (anything with ``size`` and ``chunks()``)
    or a path. The size is checked before a byte is read.
    """
    size = source.size if hasattr(source, "chunks") else os.path.getsize(source)
    if size > max_bytes():
        raise BatchRefused([_too_big_error(size)])

    storage = batch_storage()
    extension = ".xlsx" if filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    name = f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}{extension}"
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    digest = hashlib.sha256()
    with open(path, "xb") as out:
        chunks = source.chunks() if hasattr(source, "chunks") else _file_chunks(source)
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
    sha256 = digest.hexdigest()

    duplicate = _duplicate_error(inspection, sha256)
    if duplicate is not None:
        storage.delete(name)
        raise BatchRefused([duplicate])
    try:
        with transaction.atomic():
            batch = SampleBatch.objects.create(
                inspection=inspection,
                original_filename=os.path.basename(filename)[:255],
                content_sha256=sha256,
                uploaded_by=uploaded_by,
                stored_file=name,
                ignored_columns=list(ignored_columns),
            )
    except IntegrityError:
        # Uploaded twice at the same moment: the constraint kept one.
        storage.delete(name)
        raise BatchRefused(
            [_duplicate_error(inspection, sha256) or BatchError(1, WHOLE_FILE, "duplicate file")]
        ) from None
    # A shared cache can outlive the database (a test run, a restore): start clean.
    _quietly(cache.delete, progress_key(batch.pk))
    return batch


def _file_chunks(path):
    with open(path, "rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


# --- progress ---------------------------------------------------------------------------


def progress_key(batch_id) -> str:
    return f"uploads:batch-progress:{batch_id}"


def read_progress(batch_id) -> dict:
    return _quietly(cache.get, progress_key(batch_id)) or {}


def _quietly(operation, *args, **kwargs):
    """Progress is a nicety kept in the cache: an unreachable cache must not stop an upload."""
    try:
        return operation(*args, **kwargs)
    except RedisError:
        logger.warning("batch progress not available: the cache is unreachable")
        return None


class Progress:
    """Tells the page how far a batch has got: checking is the first half, writing the second."""

    def __init__(self, batch_id=None):
        self.batch_id = batch_id

    def report(self, phase, fraction, rows_done, rows_total=None):
        if self.batch_id is None:
            return
        share = 0.5 * fraction if phase == "checking" else 0.5 + 0.5 * fraction
        _quietly(
            cache.set,
            progress_key(self.batch_id),
            {
                "phase": phase,
                "percent": max(0, min(100, int(share * 100))),
                "rows_done": rows_done,
                "rows_total": rows_total,
            },
            timeout=PROGRESS_TIMEOUT_SECONDS,
        )


# --- the first pass: validation ----------------------------------------------------------


@dataclass
class Validation:
    errors: ErrorLog
    rows: int = 0


def validate(path, inspection, *, filename="", ignored_columns=(), errors=None, progress=None):
    """Check the whole file; write nothing. Returns a :class:`Validation`."""
    return _check_rows(
        path,
        inspection,
        filename=filename,
        ignored_columns=ignored_columns,
        errors=errors,
        progress=progress,
    )


def _check_rows(
    path, inspection, *, filename="", ignored_columns=(), errors=None, progress=None, staging=None
):
    """The one pass over the file that finds every error.

    Without ``staging`` it writes nothing (references are checked through a
    scratch file). With a :class:`_Staging` (PostgreSQL), each row is copied
    into the transaction's staging table as it is parsed, and the references
    are checked there in SQL; rows are parsed once, not twice.
    """
    errors = errors if errors is not None else ErrorLog()
    progress = progress or Progress()
    validation = Validation(errors=errors)
    try:
        source = open_rows(path, filename)
        rows = iter(source)
        first = next(rows, None)
        if first is None:
            errors.add(1, WHOLE_FILE, "the file is empty: it needs a header row and data rows")
            return validation
        _, header_cells = first
        header = Header.read(header_cells, ignored_columns)
        errors.set_column_order(
            [WHOLE_FILE, *sorted(header.positions, key=header.positions.get), *COLUMN_NAMES]
        )
        for column, message in header.problems:
            errors.add(1, column, message)
        if not header.rows_readable:
            return validation  # rows cannot be read against a header like this

        parser = RowParser(header, Lookups(inspection))

        def reference_problem(row, message):
            errors.add(row, "reference", message)

        with contextlib.ExitStack() as stack:
            if staging is None:
                references = stack.enter_context(ReferenceCheck(inspection, reference_problem))
                keep = references.add
            else:
                keep = staging.add
            parse = parser.parse
            try:
                for number, cells in _rows_after_header(rows, parser):
                    validation.rows += 1
                    problems = []
                    parsed = parse(number, cells, problems)
                    if problems:
                        for column, message in problems:
                            errors.add(number, column, message)
                    if parsed is not None and parsed.reference:
                        if staging is None:
                            keep(parsed.reference, number)
                        else:
                            keep(parsed, number, complete=errors.count == 0)
                    if validation.rows % PROGRESS_EVERY_ROWS == 0:
                        progress.report("checking", source.fraction_read(), validation.rows)
            except UnreadableFile as problem:
                # Reading stops here, but the rows before it were read in full:
                # their repeated references are reported with the rest.
                errors.add(problem.row, WHOLE_FILE, problem.message)
            if staging is None:
                references.finish()
            else:
                staging.finish(reference_problem)
        if validation.rows == 0 and not errors:
            errors.add(2, WHOLE_FILE, "the file has a header but no rows")
    except UnreadableFile as problem:
        errors.add(problem.row, WHOLE_FILE, problem.message)
    progress.report("checking", 1.0, validation.rows, validation.rows)
    return validation


def _rows_after_header(rows, parser):
    """(row number, cells) of each row after the header; wholly blank rows are skipped."""
    for number, cells in rows:
        if not parser.is_blank(cells):
            yield number, cells


def check_file(path, inspection, *, filename="", ignored_columns=(), max_errors=MAX_STORED_ERRORS):
    """A dry run: every check an import makes, the duplicate-file check included; no writes."""
    size = os.path.getsize(path)
    if size > max_bytes():
        error = _too_big_error(size)
        return Outcome(errors=[error], error_count=1)
    duplicate = _duplicate_error(inspection, sha256_of_file(path))
    errors = ErrorLog(limit=max_errors)
    if duplicate is not None:
        errors.add(duplicate.row, duplicate.column, duplicate.message)
    validation = validate(
        path, inspection, filename=filename, ignored_columns=ignored_columns, errors=errors
    )
    return Outcome(rows=validation.rows, errors=errors.errors, error_count=errors.count)


# --- the second pass: one atomic write -------------------------------------------------------


class _StaleBatch(Exception):
    """Another run already finished this batch: nothing to do."""


def _write(path, batch, *, filename, progress, rows_total) -> int:
    """Import every row of an already validated file in one transaction; returns the count."""
    inspection = batch.inspection
    source = open_rows(path, filename)
    rows = iter(source)
    _, header_cells = next(rows)
    header = Header.read(header_cells, batch.ignored_columns)
    parser = RowParser(header, Lookups(inspection))
    written = 0
    history_date = timezone.now()
    reason = f"Imported from sample batch {batch.pk} ({batch.original_filename})"[:100]

    with transaction.atomic():
        locked = SampleBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.PROCESSING:
            raise _StaleBatch
        parsed_rows = _parsed(parser, _rows_after_header(rows, parser))
        while chunk := list(islice(parsed_rows, WRITE_CHUNK)):
            cases = SampledCase.objects.bulk_create(
                [
                    SampledCase(
                        inspection_id=inspection.pk,
                        batch_id=batch.pk,
                        reference=parsed.reference,
                        record_type=parsed.record_type,
                        reported_at=parsed.reported_at,
                        offence_group_id=parsed.offence_group_id,
                        summary=parsed.summary,
                    )
                    for parsed in chunk
                ]
            )
            # bulk_create skips save(), which copies the case's record type onto
            # the review: set it here, where the database's checks rely on it.
            reviews = [
                CaseReview(
                    case_id=case.pk,
                    kind=ReviewKind.FIRST,
                    record_type=parsed.record_type,
                    reviewer_id=parsed.reviewer_id,
                    notes=parsed.notes,
                    version=1,
                    **{name: parsed.answers[name] for name in DECISION_FIELDS},
                )
                for case, parsed in zip(cases, chunk, strict=True)
                if parsed.has_review
            ]
            if reviews:
                CaseReview.objects.bulk_create(reviews)
            written += len(chunk)
            if settings.DEBUG:
                # DEBUG keeps the text of every query, and a chunk's insert is
                # megabytes of it: without this, memory would grow with the file.
                reset_queries()
            progress.report("importing", written / max(rows_total, 1), written, rows_total)

        _record_history(batch, reason, history_date)
        locked.status = BatchStatus.IMPORTED
        locked.row_count = written
        locked.errors = []
        locked.error_count = 0
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "row_count", "errors", "error_count", "finished_at"])
        request_recompute(inspection.programme_id)
        # Bulk inserts send no signals; last, so the inspection's row is held only briefly.
        casework_changed(inspection.pk)
    return written


def _record_history(batch, reason, when):
    """The "created" history record of every review the batch brought, in one statement.

    The same rows simple_history's ``bulk_history_create`` would make, without
    building a Python object for each: the columns come from the historical
    model, so a field added to reviews is carried along.
    """
    history = CaseReview.history.model
    quote = connection.ops.quote_name
    tracked = [field.column for field in history.tracked_fields]
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({', '.join(quote(column) for column in tracked)}, "
        f"{quote('history_date')}, {quote('history_change_reason')}, {quote('history_type')}, "
        f"{quote('history_user_id')}) "
        f"SELECT {', '.join('review.' + quote(column) for column in tracked)}, %s, %s, '+', %s "
        f"FROM {quote(CaseReview._meta.db_table)} review "
        f"JOIN {quote(SampledCase._meta.db_table)} sampled_case "
        f"ON sampled_case.{quote('id')} = review.{quote('case_id')} "
        f"WHERE sampled_case.{quote('batch_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                connection.ops.adapt_datetimefield_value(when),
                reason,
                batch.uploaded_by_id,
                batch.pk,
            ],
        )


def _parsed(parser, rows):
    for number, cells in rows:
        problems = []
        parsed = parser.parse(number, cells, problems)
        if problems or parsed is None:
            # Checked a moment ago, so this means the file or the lookups
            # changed under us: stop, and let the transaction roll back.
            raise RuntimeError(f"row {number} no longer passes its checks: {problems}")
        yield parsed


# --- PostgreSQL: one pass, through a staging table --------------------------------------------

STAGING_TABLE = "upload_batch_staging"
STAGE_FLUSH_ROWS = 5000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
_COPY_BOOLEAN = {True: "t", False: "f", None: _NULL}


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _copy_text(value) -> str:
    """``value`` written for COPY's text format: the four characters it gives a meaning escaped."""
    return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE(value) else value


class _Staging:
    """A TEMPORARY table in the import's transaction that parsed rows are COPYed into.

    Rows go through a small in-memory buffer, flushed every few thousand
    rows, so memory stays flat. Once the file has an error nothing will be
    imported, so only the reference is kept (for the duplicate checks). The
    table goes with the transaction: dropped at its end, and rolled back
    with it on an error.
    """

    COLUMNS = (
        "seq",
        "row",
        "reference",
        "record_type",
        "reported_at",
        "offence_group_id",
        "summary",
        "reviewer_id",
        *DECISION_FIELDS,
        "notes",
    )

    def __init__(self, inspection):
        self.inspection = inspection
        self.count = 0
        self._buffer = []
        self._no_values = f"\t{_NULL}" * (len(self.COLUMNS) - 3)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING_TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING_TABLE} ("
                "seq integer PRIMARY KEY, row integer NOT NULL, reference text NOT NULL, "
                "record_type text, reported_at timestamptz, offence_group_id integer, "
                "summary text, reviewer_id integer, "
                + "".join(f"{name} boolean, " for name in DECISION_FIELDS)
                + "notes text) ON COMMIT DROP"
            )

    def add(self, parsed, row, *, complete):
        """Stage a row with a valid reference: all of it if ``complete``, else its reference."""
        self.count += 1
        if complete:
            offence_group_id = parsed.offence_group_id
            reviewer_id = parsed.reviewer_id
            decisions = "\t".join(
                map(_COPY_BOOLEAN.__getitem__, map(parsed.answers.__getitem__, DECISION_FIELDS))
            )
            line = (
                f"{self.count}\t{row}\t{_copy_text(parsed.reference)}\t{parsed.record_type}\t"
                f"{parsed.reported_at.isoformat()}\t"
                f"{_NULL if offence_group_id is None else offence_group_id}\t"
                f"{_copy_text(parsed.summary)}\t"
                f"{_NULL if reviewer_id is None else reviewer_id}\t"
                f"{decisions}\t{_copy_text(parsed.notes)}"
            )
        else:
            line = f"{self.count}\t{row}\t{_copy_text(parsed.reference)}{self._no_values}"
        self._buffer.append(line)
        if len(self._buffer) >= STAGE_FLUSH_ROWS:
            self.flush()

    def flush(self):
        if not self._buffer:
            return
        self._buffer.append("")
        data = io.StringIO("\n".join(self._buffer))
        self._buffer = []
        with connection.cursor() as cursor:
            # (size positionally: Django's debug cursor passes only *args on.)
            cursor.copy_expert(
                f"COPY {STAGING_TABLE} ({', '.join(self.COLUMNS)}) FROM STDIN", data, 1 << 18
            )

    def finish(self, report):
        """Flush, then report references used twice or already in the inspection."""
        self.flush()
        # No ANALYZE: it costs more than it saves here (the planner sizes the
        # table from its pages; the queries are a hash aggregate, an index
        # join and primary-key ranges).
        report_staged_duplicates(STAGING_TABLE, self.inspection, report)

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING_TABLE}")


class _FileHasErrors(Exception):
    """Raised inside the import's transaction to roll the staging back."""

    def __init__(self, validation):
        super().__init__("the file has errors")
        self.validation = validation


def _insert_select(model, values):
    """``INSERT INTO model (every column) SELECT …``: the given SQL per field, else its default.

    ``values`` maps a field's attname to an SQL expression; every other
    concrete field gets its default (or "now" for auto_now fields), as
    bulk_create would give it. Returns (INSERT … SELECT list, params).
    """
    quote = connection.ops.quote_name
    columns, selects, params = [], [], []
    now = timezone.now()
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(quote(model_field.column))
        if model_field.attname in values:
            expression = values[model_field.attname]
            if isinstance(expression, tuple):  # a value, not SQL
                selects.append("%s")
                params.append(model_field.get_db_prep_save(expression[0], connection))
            else:
                selects.append(expression)
        else:
            if getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                value = now
            else:
                value = model_field.get_default()
            selects.append("%s")
            params.append(model_field.get_db_prep_save(value, connection))
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) SELECT "
    return insert + ", ".join(selects), params


def _staged_write_statement(batch):
    """One statement that imports a range of staged rows: cases, then their reviews."""
    cases, case_params = _insert_select(
        SampledCase,
        {
            "inspection_id": (batch.inspection_id,),
            "batch_id": (batch.pk,),
            "reference": "s.reference",
            "record_type": "s.record_type",
            "reported_at": "s.reported_at",
            "offence_group_id": "s.offence_group_id",
            "summary": "s.summary",
        },
    )
    reviews, review_params = _insert_select(
        CaseReview,
        {
            "case_id": "new_case.id",
            "kind": (ReviewKind.FIRST.value,),
            # Copied from the case, as CaseReview.save() would: the database's checks use it.
            "record_type": "s.record_type",
            "reviewer_id": "s.reviewer_id",
            **{name: f"s.{name}" for name in DECISION_FIELDS},
            "notes": "s.notes",
            "version": (1,),
        },
    )
    sql = (
        f"WITH new_case AS ({cases} FROM {STAGING_TABLE} s "
        "WHERE s.seq > %s AND s.seq <= %s ORDER BY s.seq RETURNING id, reference) "
        f"{reviews} FROM new_case JOIN {STAGING_TABLE} s ON s.reference = new_case.reference "
        "WHERE s.seq > %s AND s.seq <= %s AND s.reviewer_id IS NOT NULL ORDER BY s.seq"
    )
    return sql, case_params, review_params


def _write_staged_chunk(cursor, statement, first, last):
    """Import staged rows ``first`` < seq ≤ ``last``."""
    sql, case_params, review_params = statement
    cursor.execute(sql, [*case_params, first, last, *review_params, first, last])


def _import_staged(path, batch, *, errors, progress) -> tuple[Validation, int]:
    """Validate and import in one pass and one transaction (PostgreSQL).

    Raises :class:`_FileHasErrors` (after rolling back: nothing but the
    staging table was written) when the file has any error.
    """
    history_date = timezone.now()
    reason = f"Imported from sample batch {batch.pk} ({batch.original_filename})"[:100]
    with transaction.atomic():
        locked = SampleBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.PROCESSING:
            raise _StaleBatch
        staging = _Staging(batch.inspection)
        validation = _check_rows(
            path,
            batch.inspection,
            filename=batch.original_filename,
            ignored_columns=batch.ignored_columns,
            errors=errors,
            progress=progress,
            staging=staging,
        )
        if errors:
            raise _FileHasErrors(validation)
        total = staging.count
        statement = _staged_write_statement(batch)
        written = 0
        with connection.cursor() as cursor:
            while written < total:
                last = min(written + WRITE_CHUNK, total)
                _write_staged_chunk(cursor, statement, written, last)
                written = last
                if settings.DEBUG:
                    reset_queries()
                progress.report("importing", written / max(total, 1), written, total)
        staging.drop()
        _record_history(batch, reason, history_date)
        locked.status = BatchStatus.IMPORTED
        locked.row_count = written
        locked.errors = []
        locked.error_count = 0
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "row_count", "errors", "error_count", "finished_at"])
        request_recompute(batch.inspection.programme_id)
        # Bulk inserts send no signals; last, so the inspection's row is held only briefly.
        casework_changed(batch.inspection_id)
    return validation, written


def _uses_staging() -> bool:
    return connection.vendor == "postgresql"


# --- a batch from start to finish -------------------------------------------------------------


def process_batch(batch_id, *, max_errors=MAX_STORED_ERRORS) -> Outcome:
    """Validate and import a pending batch: what the worker runs, and the command line too.

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
                errors.add(1, WHOLE_FILE, _too_big_error(size).message)
            elif _uses_staging():
                # One pass: the rows are checked and staged in the transaction
                # that imports them.
                validation, written = _import_staged(path, batch, errors=errors, progress=progress)
            else:
                validation = validate(
                    path,
                    batch.inspection,
                    filename=batch.original_filename,
                    ignored_columns=batch.ignored_columns,
                    errors=errors,
                    progress=progress,
                )
        if errors:
            return _fail(batch, errors, rows=validation.rows if validation else 0)
        if not _uses_staging():
            written = _write(
                path,
                batch,
                filename=batch.original_filename,
                progress=progress,
                rows_total=validation.rows,
            )
    except _FileHasErrors as refused:
        return _fail(batch, errors, rows=refused.validation.rows)
    except _StaleBatch:
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
    _quietly(cache.delete, progress_key(batch.pk))
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


QUEUE_UNAVAILABLE = (
    "This file cannot be processed now: the service that imports files is not "
    "reachable. Nothing was imported. Upload it again in a few minutes."
)


def start_processing(batch):
    """Queue the batch's import once the transaction that made it commits.

    If the task queue cannot be reached, the batch fails at once with a
    message saying so (nothing was written, and the same file may be uploaded
    again), rather than waiting for ever.
    """
    from inspect_app.uploads.tasks import import_batch

    def queue():
        try:
            result = import_batch.delay(batch.pk)
        except KombuOperationalError:
            logger.warning("batch %s not queued: the broker is unreachable", batch.pk)
            SampleBatch.objects.filter(pk=batch.pk, status=BatchStatus.PENDING).update(
                status=BatchStatus.PROCESSING
            )
            log = ErrorLog(limit=1)
            log.add(1, WHOLE_FILE, QUEUE_UNAVAILABLE)
            _fail(batch, log)
            return
        SampleBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=result.id or "")

    transaction.on_commit(queue)


# --- withdrawing --------------------------------------------------------------------------------


class WithdrawalRefused(Exception):
    pass


def withdrawal_blockers(batch) -> list[str]:
    """Why the batch cannot be withdrawn; empty when it can.

    A batch can be withdrawn while its cases stand exactly as the import
    left them. The rule, kept robust by checking several independent traces:

    * it is imported (not pending, failed or already withdrawn);
    * every review of its cases is a first review the import created:
      version 1, created and last updated no later than the import
      finished (a review added in the app is created after it);
    * no history of those cases' reviews is dated after the import (an
      edit, or a review deleted in the app, leaves one even where the
      version was not raised);
    * no case record was saved after the import (a correction in the admin).
    """
    if batch.status != BatchStatus.IMPORTED:
        status = batch.get_status_display().lower()
        return [f"only an imported batch can be withdrawn; this one is {status}"]
    # A batch imported before finish times were kept is judged from its upload.
    finished = batch.finished_at or batch.uploaded_at
    cases = SampledCase.objects.filter(batch=batch)
    reviewed = CaseReview.objects.filter(case__batch=batch).filter(
        ~Q(kind=ReviewKind.FIRST)
        | Q(version__gt=1)
        | Q(created_at__gt=finished)
        | Q(updated_at__gt=finished)
    )
    histories = CaseReview.history.filter(case_id__in=cases.values("pk"), history_date__gt=finished)
    changed = cases.filter(
        Q(updated_at__gt=finished)
        | Q(pk__in=reviewed.values("case_id"))
        | Q(pk__in=histories.values("case_id"))
    )
    count = changed.count()
    if not count:
        return []
    examples = list(changed.order_by("reference").values_list("reference", flat=True)[:3])
    verb = "has" if count == 1 else "have"
    return [
        f"{count:,} of its cases {verb} been reviewed or changed in the app since the import"
        + (f" (for example {', '.join(examples)})" if examples else "")
        + ": withdrawing it would lose that work"
    ]


def assigned_cases(batch) -> int:
    """How many of the batch's cases are assigned to an inspector.

    Assignments are not reviewing work, so they do not stop a withdrawal;
    the admin is told they go with the cases.
    """
    return batch.cases.filter(
        Q(assigned_to__isnull=False) | Q(second_reviewer__isnull=False)
    ).count()


def withdraw(batch, user) -> int:
    """Remove the batch's cases and reviews and mark it withdrawn; returns the cases removed.

    Raises :class:`WithdrawalRefused` with the reason when it cannot be done.
    """
    with transaction.atomic():
        locked = (
            SampleBatch.objects.select_for_update(of=("self",))
            .select_related("inspection")
            .get(pk=batch.pk)
        )
        # A review is saved under a lock on its inspection's row: taking it here
        # means a save in progress either lands before the check below (and
        # blocks the withdrawal) or waits and finds its case gone, never lost
        # silently in between. (The batch first: an import locks it first too.)
        Inspection.objects.select_for_update().get(pk=locked.inspection_id)
        reasons = withdrawal_blockers(locked)
        if reasons:
            raise WithdrawalRefused("; ".join(reasons))
        removed = SampledCase.objects.filter(batch=locked).count()
        SampledCase.objects.filter(batch=locked).delete()
        locked.status = BatchStatus.WITHDRAWN
        locked.withdrawn_by = user
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
        request_recompute(locked.inspection.programme_id)
    batch.refresh_from_db()
    return removed

"""Importing a file already checked without an error: every row or none, in one transaction.

This is the second pass of the embedded default (SQLite); PostgreSQL's one
pass (:mod:`staging`) shares its ending, :func:`mark_imported`. The batch's
row is locked first, so a second delivery of the task finds the batch
already settled (:class:`StaleBatch`) rather than importing it twice.
"""

from itertools import islice

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from inspect_app.inspections.decisions import DECISION_FIELDS
from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    ReviewKind,
    SampleBatch,
    SampledCase,
    casework_changed,
)
from inspect_app.uploads.checking import rows_after_header
from inspect_app.uploads.header import Header
from inspect_app.uploads.lookups import Lookups
from inspect_app.uploads.reading import open_rows
from inspect_app.uploads.rows import RowParser

#: Rows written per statement, by both import paths.
WRITE_CHUNK = 5000


class StaleBatch(Exception):
    """Another run already finished this batch: nothing to do."""


def lock_for_import(batch):
    """The batch's row, locked for the import's transaction; :class:`StaleBatch` if settled."""
    locked = SampleBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != BatchStatus.PROCESSING:
        raise StaleBatch
    return locked


def history_reason(batch) -> str:
    """The change reason every imported review's history carries."""
    return f"Imported from sample batch {batch.pk} ({batch.original_filename})"[:100]


def write_checked(path, batch, *, progress, rows_total) -> int:
    """Import every row of an already checked file in one transaction; returns the count."""
    inspection = batch.inspection
    source = open_rows(path, batch.original_filename)
    rows = iter(source)
    _, header_cells = next(rows)
    header = Header.read(header_cells, batch.ignored_columns)
    parser = RowParser(header, Lookups(inspection))
    written = 0
    history_date = timezone.now()

    with transaction.atomic():
        locked = lock_for_import(batch)
        parsed_rows = _parsed(parser, rows_after_header(rows, parser))
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
        mark_imported(batch, locked, written, history_date=history_date)
    return written


def mark_imported(batch, locked, written, *, history_date):
    """How both import paths end, inside their transaction, once every row is written.

    Saving the batch's new status is what asks for the programme's figures
    to be recomputed (the batch's post_save signal, in compliance): the bulk
    inserts send no signals of their own.
    """
    record_history(batch, history_reason(batch), history_date)
    locked.status = BatchStatus.IMPORTED
    locked.row_count = written
    locked.errors = []
    locked.error_count = 0
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "row_count", "errors", "error_count", "finished_at"])
    # Last, so the inspection's row is held only briefly.
    casework_changed(batch.inspection_id)


def record_history(batch, reason, when):
    """The "created" history record of every review the batch brought, in one statement.

    The same rows simple_history's ``bulk_history_create`` would make, without
    building a Python object for each: the columns come from the historical
    model, so a field added to reviews is carried along.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            history_copy_sql(
                "+",
                f"JOIN {quote(SampledCase._meta.db_table)} sampled_case "
                f"ON sampled_case.{quote('id')} = review.{quote('case_id')} "
                f"WHERE sampled_case.{quote('batch_id')} = %s",
            ),
            [*history_values(when, reason, batch.uploaded_by_id), batch.pk],
        )


def history_copy_sql(history_type, joined_and_where) -> str:
    """INSERT … SELECT of a history record of type ``history_type`` ("+", "~" or "-") for
    each review ``joined_and_where`` picks out of ``review``; its first three parameters
    are :func:`history_values`."""
    history = CaseReview.history.model
    quote = connection.ops.quote_name
    tracked = [field.column for field in history.tracked_fields]
    return (
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({', '.join(quote(column) for column in tracked)}, "
        f"{quote('history_date')}, {quote('history_change_reason')}, {quote('history_type')}, "
        f"{quote('history_user_id')}) "
        f"SELECT {', '.join('review.' + quote(column) for column in tracked)}, "
        f"%s, %s, '{history_type}', %s "
        f"FROM {quote(CaseReview._meta.db_table)} review {joined_and_where}"
    )


def history_values(when, reason, user_id) -> list:
    """The date, change reason and user of the history records :func:`history_copy_sql` makes."""
    return [connection.ops.adapt_datetimefield_value(when), reason, user_id]


def _parsed(parser, rows):
    for number, cells in rows:
        problems = []
        parsed = parser.parse(number, cells, problems)
        if problems or parsed is None:
            # Checked a moment ago, so this means the file or the lookups
            # changed under us: stop, and let the transaction roll back.
            raise RuntimeError(f"row {number} no longer passes its checks: {problems}")
        yield parsed

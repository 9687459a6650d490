"""PostgreSQL's import: one pass, through a TEMPORARY staging table.

Inside the import's transaction each row is parsed once and COPYed into the
staging table; the references are checked there in SQL, and only a file
without an error is then moved into the real tables with INSERT … SELECT. A
file with errors rolls back, leaving nothing, the staging table included.
SQLite, the embedded default, keeps the two passes (:mod:`checking`, then
:mod:`writing`).
"""

import io
import re

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from inspect_app.inspections.decisions import DECISION_FIELDS
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase
from inspect_app.uploads import writing
from inspect_app.uploads.checking import Validation, check_rows
from inspect_app.uploads.references import report_staged_duplicates

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


class FileHasErrors(Exception):
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


def import_staged(path, batch, *, errors, progress) -> tuple[Validation, int]:
    """Check and import in one pass and one transaction.

    Raises :class:`FileHasErrors` (after rolling back: nothing but the
    staging table was written) when the file has any error, and
    :class:`writing.StaleBatch` when another run already settled the batch.
    """
    history_date = timezone.now()
    with transaction.atomic():
        locked = writing.lock_for_import(batch)
        staging = _Staging(batch.inspection)
        validation = check_rows(
            path,
            batch.inspection,
            filename=batch.original_filename,
            ignored_columns=batch.ignored_columns,
            errors=errors,
            progress=progress,
            staging=staging,
        )
        if errors:
            raise FileHasErrors(validation)
        total = staging.count
        statement = _staged_write_statement(batch)
        written = 0
        with connection.cursor() as cursor:
            while written < total:
                last = min(written + writing.WRITE_CHUNK, total)
                _write_staged_chunk(cursor, statement, written, last)
                written = last
                if settings.DEBUG:
                    reset_queries()
                progress.report("importing", written / max(total, 1), written, total)
        staging.drop()
        writing.mark_imported(batch, locked, written, history_date=history_date)
    return validation, written


def uses_staging() -> bool:
    """Whether imports go through the staging table: only PostgreSQL has COPY."""
    return connection.vendor == "postgresql"

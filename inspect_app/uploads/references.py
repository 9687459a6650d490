"""Finding references used twice in a file, or already in the inspection, in flat memory.

A million references held in a Python set would cost about 100 MB; instead
the references are written, in chunks, to a scratch SQLite file on disk
(Python's own sqlite3, not the project's database), which answers "which
references appear more than once" with one query at the end. References
already in the inspection are looked up chunk by chunk through the unique
index on (inspection, reference).

On PostgreSQL the import stages every row in a temporary table anyway, so
:func:`report_staged_duplicates` makes the same two checks there in SQL, with
the same messages (defined once, below).
"""

import contextlib
import os
import sqlite3
import tempfile

from django.db import connection

from inspect_app.inspections.models import SampledCase

CHUNK = 2000
#: The two problems, whichever way they are found (here, or in SQL on PostgreSQL).
ALREADY_IN_INSPECTION = "this reference is already in the inspection"


def repeated(first_row) -> str:
    return f"this reference is also on row {first_row}: each must be unique"


class ReferenceCheck:
    """Collects (reference, row) pairs; reports duplicates and clashes with the inspection."""

    def __init__(self, inspection, report):
        """``report(row, message)`` is called for each problem, at the reference column."""
        self.inspection = inspection
        self.report = report
        self._pending = []
        self._check_existing = SampledCase.objects.filter(inspection=inspection).exists()
        handle, self._path = tempfile.mkstemp(prefix="batch-references-", suffix=".sqlite3")
        os.close(handle)
        self._db = sqlite3.connect(self._path)
        # Scratch data: nothing to recover after a crash, so no journal.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (reference TEXT NOT NULL, row INTEGER NOT NULL)")

    def add(self, reference, row):
        self._pending.append((reference, row))
        if len(self._pending) >= CHUNK:
            self._flush()

    def _flush(self):
        if not self._pending:
            return
        self._db.executemany("INSERT INTO seen (reference, row) VALUES (?, ?)", self._pending)
        if self._check_existing:
            rows_by_reference = {}
            for reference, row in self._pending:
                rows_by_reference.setdefault(reference, []).append(row)
            existing = SampledCase.objects.filter(
                inspection=self.inspection, reference__in=list(rows_by_reference)
            ).values_list("reference", flat=True)
            for reference in existing:
                for row in rows_by_reference[reference]:
                    self.report(row, ALREADY_IN_INSPECTION)
        self._pending = []

    def finish(self):
        """Report every reference used more than once, at each repeat."""
        self._flush()
        self._db.execute("CREATE INDEX seen_by_reference ON seen (reference, row)")
        repeats = self._db.execute(
            """
            SELECT seen.row, first.row
            FROM seen
            JOIN (SELECT reference, MIN(row) AS row FROM seen GROUP BY reference
                  HAVING COUNT(*) > 1) AS first
              ON first.reference = seen.reference
            WHERE seen.row > first.row
            ORDER BY seen.row
            """
        )
        for row, first_row in repeats:
            self.report(row, repeated(first_row))

    def close(self):
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def report_staged_duplicates(table, inspection, report):
    """The same checks as :class:`ReferenceCheck`, in SQL, on a PostgreSQL staging table.

    ``table`` has the columns ``row`` and ``reference`` (a line for each row
    whose reference is valid). ``report(row, message)`` is called for each
    problem, in the order :class:`ReferenceCheck` reports them: references
    already in the inspection, then each repeat. Results are read through
    server-side cursors, a chunk at a time, so a file full of duplicates
    does not need memory for all of them.
    """
    cases = SampledCase._meta.db_table
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"""
            SELECT staged.row
            FROM {table} AS staged
            JOIN {cases} AS existing
              ON existing.inspection_id = %s AND existing.reference = staged.reference
            ORDER BY staged.row
            """,
            [inspection.pk],
        )
        for (row,) in cursor:
            report(row, ALREADY_IN_INSPECTION)
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"""
            SELECT staged.row, first.row
            FROM {table} AS staged
            JOIN (SELECT reference, MIN(row) AS row FROM {table} GROUP BY reference
                  HAVING COUNT(*) > 1) AS first
              ON first.reference = staged.reference
            WHERE staged.row > first.row
            ORDER BY staged.row
            """
        )
        for row, first_row in cursor:
            report(row, repeated(first_row))

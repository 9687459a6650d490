"""The pass over a batch file that finds every error in it.

It keeps nothing per row in memory. On its own it writes nothing: repeated
references are found through a scratch file on disk (:mod:`references`).
Given a staging table (PostgreSQL, :mod:`staging`), it copies each row there
as it is parsed, so rows are parsed once, not twice.
"""

import contextlib
from dataclasses import dataclass

from inspect_app.uploads.columns import COLUMN_NAMES
from inspect_app.uploads.errors import WHOLE_FILE, ErrorLog
from inspect_app.uploads.header import Header
from inspect_app.uploads.lookups import Lookups
from inspect_app.uploads.progress import PROGRESS_EVERY_ROWS, Progress
from inspect_app.uploads.reading import UnreadableFile, open_rows
from inspect_app.uploads.references import ReferenceCheck
from inspect_app.uploads.rows import RowParser


@dataclass
class Validation:
    """What the checking pass found: the errors, and how many rows the file has."""

    errors: ErrorLog
    rows: int = 0


def check_rows(
    path, inspection, *, filename="", ignored_columns=(), errors=None, progress=None, staging=None
) -> Validation:
    """The one pass over the file that finds every error.

    Without ``staging`` it writes nothing (references are checked through a
    scratch file). With a staging table (see :mod:`staging`), each row is
    copied into it as it is parsed, and the references are checked there in
    SQL.
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
                for number, cells in rows_after_header(rows, parser):
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


def rows_after_header(rows, parser):
    """(row number, cells) of each row after the header; wholly blank rows are skipped."""
    for number, cells in rows:
        if not parser.is_blank(cells):
            yield number, cells

"""Reading an extract file row by row, checking each row as the extract format defines it.

An extract follows the batch rules (docs/sampling.md): CSV (UTF-8, with or
without a byte-order mark) or XLSX, one header row matched case-insensitively,
every error kept as ``row N, column C: message``. Its columns are few and its
rows many, so each row is checked with as little work as it needs: the common
forms of each value are recognised first, and the general parsers only see the
rest. Nothing here touches the database but the offence groups it is given.
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from inspect_app.core import cells
from inspect_app.inspections.decisions import DECISION_FIELDS, NEEDS_OFFENCE_GROUP, RecordType

COLUMNS = ("reference", "record_type", "reported_at", "offence_group", "route", "summary")
REQUIRED = ("reference", "record_type", "reported_at")
BATCH_ONLY = (*DECISION_FIELDS, "reviewer", "review_notes")
WHOLE_FILE = "(file)"
MAX_REFERENCE = 64
MAX_ROUTE = 64
MAX_SUMMARY = 10_000
KEPT_ERRORS = 1000
KEPT_SPELLINGS = 1000
RECORD_TYPES = {value: value for value in RecordType.values}
NEEDS_GROUP = frozenset(str(value) for value in NEEDS_OFFENCE_GROUP)
XLSX_MAGIC = b"PK\x03\x04"
_from_iso = datetime.datetime.fromisoformat


@dataclass
class Errors:
    """Every error found, counted; the first ones kept to show."""

    kept: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, row, column, message):
        self.count += 1
        if len(self.kept) < KEPT_ERRORS:
            self.kept.append(f"row {row}, column {column}: {message}")

    def __bool__(self):
        return self.count > 0


class ExtractRow(NamedTuple):
    """One checked record. ``reported_at`` is an aware date-time, or a naive one in UK time."""

    row: int
    reference: str
    record_type: str
    reported_at: datetime.datetime
    offence_group_id: int | None
    route: str
    summary: str


# A checked row is made a million times: straight from its values, as a tuple is.
_new_row = tuple.__new__


def is_workbook(path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == XLSX_MAGIC


def _csv_rows(path) -> Iterator[tuple[int, list]]:
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        yield from enumerate(csv.reader(text), start=1)


def _xlsx_rows(path) -> Iterator[tuple[int, list]]:
    import openpyxl  # only workbooks need it

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if value is None else value for value in values]
    finally:
        workbook.close()


def workbook_rows(path) -> int | None:
    """The records below the header the first sheet's stated size holds, or None.

    Excel and most writers state a sheet's size (its dimension) at its head; read-only
    openpyxl reads only that, not the rows. A sheet that states none, or a file that is
    not a workbook after all, gives None: the import says what is wrong with it.
    """
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # the import itself names what is wrong with the file
        return None
    try:
        rows = workbook.worksheets[0].max_row if workbook.worksheets else None
    except Exception:
        rows = None
    finally:
        workbook.close()
    return max(0, rows - 1) if isinstance(rows, int) else None


def open_rows(path) -> Iterator[tuple[int, list]]:
    return _xlsx_rows(path) if is_workbook(path) else _csv_rows(path)


def read_header(cells_in_row, errors: Errors) -> dict[str, int] | None:
    """Which position holds which column; None (with the errors) when the rows cannot be read."""
    positions: dict[str, int] = {}
    readable = True
    for index, cell in enumerate(cells_in_row):
        name = cells.normalise_header(cell)
        if not name:
            continue
        if name in BATCH_ONLY:
            errors.add(
                1,
                name,
                "an extract holds no decisions: decisions and reviewers belong in a sample "
                "batch (or a completed workbook) once the sample is drawn",
            )
            readable = False
        elif name not in COLUMNS:
            errors.add(
                1,
                str(cell).strip(),
                f"unknown column {cells.shown(str(cell).strip())} (column "
                f"{cells.column_letter(index)}): an extract has reference, record_type, "
                "reported_at, offence_group, route and summary",
            )
            readable = False
        elif name in positions:
            errors.add(1, name, "the column appears twice")
            readable = False
        else:
            positions[name] = index
    for name in REQUIRED:
        if name not in positions:
            errors.add(1, name, "this required column is missing")
            readable = False
    return positions if readable else None


class RowChecker:
    """Checks each row of one extract against the format and the known offence groups.

    A row is read in one step (``operator.itemgetter`` over the header's
    positions, a column the header lacks reading as the empty cell appended to
    every row), and each value is first looked up in its common form: a record
    type as written, an offence group as a file spells it, a date-time as ISO
    text. Only a value that misses goes through the general rules below.
    """

    def __init__(self, positions, offence_groups: dict[str, int], now):
        self.positions = positions
        self.offence_groups = offence_groups
        self.now = now
        self.now_uk = now.astimezone(cells.LONDON).replace(tzinfo=None)
        self.width = max(positions.values()) + 1
        self._pick = operator.itemgetter(*(positions.get(name, self.width) for name in COLUMNS))
        # Each spelling of an offence group met in this file, as written (bounded: a file
        # of many spellings is still read, only without remembering the rest).
        self._groups_as_written: dict[str, int] = {}

    def check(self, row, values, errors: Errors) -> ExtractRow | None:
        """The checked record, or None: a blank row (skipped), or errors added to ``errors``."""
        overflow = False
        if len(values) == self.width:
            values.append("")
        else:
            values, overflow = self._fit(values)
        reference, kind, when, group, route, summary = self._pick(values)
        reference = (reference if reference.__class__ is str else str(reference)).strip()
        if not reference:
            if not overflow and _is_blank(values):
                return None
            before = errors.count
            errors.add(row, "reference", "a reference is needed")
        else:
            before = errors.count
            if len(reference) > MAX_REFERENCE:
                errors.add(row, "reference", f"longer than {MAX_REFERENCE} characters")
        record_type = RECORD_TYPES.get(kind)
        if record_type is None:
            record_type = self._record_type(kind, row, errors)
        reported_at = self._reported_at(when, row, errors)
        offence_group_id = None
        if group:
            offence_group_id = self._groups_as_written.get(group)
            if offence_group_id is None:
                offence_group_id = self._offence_group(group, row, errors)
        if offence_group_id is None and record_type in NEEDS_GROUP and not _has_text(group):
            errors.add(row, "offence_group", f"a {record_type} record needs an offence group")
        route = (route if route.__class__ is str else str(route)).strip()
        if len(route) > MAX_ROUTE:
            errors.add(row, "route", f"longer than {MAX_ROUTE} characters")
        summary = (summary if summary.__class__ is str else str(summary)).strip()
        if len(summary) > MAX_SUMMARY:
            errors.add(row, "summary", f"longer than {MAX_SUMMARY:,} characters")
        if overflow:
            errors.add(row, WHOLE_FILE, "the row has values beyond the header's last column")
        if errors.count != before:
            return None
        return _new_row(
            ExtractRow,
            (row, reference, record_type, reported_at, offence_group_id, route, summary),
        )

    def _fit(self, values):
        """A row of any other length as one of the header's width plus the empty cell, and
        whether it had values beyond the header's last column."""
        width = self.width
        overflow = len(values) > width and any(
            str(value).strip() for value in values[width:] if value is not None
        )
        return [*values[:width], *[""] * (width + 1 - min(len(values), width))], overflow

    def _offence_group(self, value, row, errors):
        text = value.strip() if isinstance(value, str) else value
        if not text:
            return None
        found = self.offence_groups.get(str(text).lower())
        if found is None:
            errors.add(
                row,
                "offence_group",
                f"{cells.shown(text)} is not an offence group's code or name",
            )
        elif isinstance(value, str) and len(self._groups_as_written) < KEPT_SPELLINGS:
            self._groups_as_written[value] = found
        return found

    def _record_type(self, value, row, errors):
        text = cells.normalise_header(value)
        found = RECORD_TYPES.get(text)
        if found is None:
            errors.add(
                row,
                "record_type",
                f"{cells.shown(value.strip() if isinstance(value, str) else value)} is not a "
                "record type: use incident, other_system, no_crime or oocd"
                if text
                else "a record type is needed: incident, other_system, no_crime or oocd",
            )
        return found

    def _reported_at(self, value, row, errors):
        # The common case, an ISO date-time without a zone, is read by fromisoformat and
        # left naive: the database reads it as UK time. Only a day the clocks change on
        # needs the full check that the time happened at all.
        if value.__class__ is str:
            value = value.strip()
            if value[:4].isdigit():
                try:
                    moment = _from_iso(value)
                except ValueError:
                    moment = None
                if moment is not None and moment.tzinfo is None:
                    if cells._clocks_change_on(moment.date()):
                        return self._general_date(value, row, errors)
                    if moment > self.now_uk:
                        errors.add(row, "reported_at", f"{cells.shown(value)} is in the future")
                    return moment
        return self._general_date(value, row, errors)

    def _general_date(self, value, row, errors):
        try:
            return cells.parse_reported_at(value, self.now)
        except cells.ValueProblem as problem:
            errors.add(row, "reported_at", str(problem))
        except (TypeError, AttributeError):
            errors.add(row, "reported_at", f"{cells.shown(value)} is not a date")
        return None


def _has_text(value) -> bool:
    return bool(value.strip() if isinstance(value, str) else value)


def _is_blank(values) -> bool:
    return not any(str(value).strip() for value in values if value is not None)

"""Reading a plain extract column by column, as COPY text, without a row in Python.

Most extracts are plain: a CSV file whose every value is already in the form
the format stores. Such a file is read here a block at a time by Arrow's CSV
reader, and each check of the row-by-row reading (``extract_rows``) is made
over whole columns: lengths and surrounding spaces by Arrow's string kernels,
record types and offence groups over each distinct value met, dates-times by
Arrow's parser. The records come out as CSV for ``COPY ... (FORMAT csv)``.

Only what this module can vouch for is read so: the first doubt (a workbook,
a header with any error, a row of another width, a date in any form but
plain ISO, any value the row-by-row reading would refuse or change beyond
trimming its spaces) raises :class:`NotPlain`, and the caller reads the file
row by row instead, which names every error. Whenever the reading ends
without NotPlain, its records are those the row-by-row reading gives, value
for value. Repeated references are not looked for: the table's unique index
finds them.
"""

from __future__ import annotations

import array
import csv
import datetime
import io
import itertools
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from inspect_app.core import cells
from inspect_app.sampling.extract_rows import (
    MAX_REFERENCE,
    MAX_ROUTE,
    MAX_SUMMARY,
    NEEDS_GROUP,
    RECORD_TYPES,
    Errors,
    RowChecker,
    is_workbook,
    read_header,
)

#: Bytes of the file Arrow reads at a time. Its reader keeps up to 32 blocks read ahead
#: of the one being checked: small blocks keep an import's memory the same for any
#: length of file.
BLOCK_SIZE = 256 << 10
#: About how many bytes of the file's values are checked at once: the few steps in
#: Python that each check takes are made once for several blocks.
PIECE_BYTES = 1 << 20
#: The date-time forms read here, all of which ``datetime.fromisoformat`` reads as naive.
#: A year below 1000 is left to the row-by-row reading (year 0 is no date there).
PLAIN_MOMENT = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
OUTPUT = ("reference", "record_type", "reported_at", "offence_group_id", "route", "summary")


class NotPlain(Exception):
    """The file holds something the column-wise reading does not vouch for: it is read row by
    row instead (extract_rows), which names every error."""


def plain_batches(path, groups: dict[str, int], now) -> Iterator[tuple[bytes, int, int]]:
    """The extract's records as COPY text in CSV form, a batch at a time: (data, records in
    the batch, rows of the file read so far (approx is fine, for a progress bar)).
    Raises NotPlain (possibly after yielding some batches) at the first doubt.

    The text has no header and these columns, in this order: reference, record_type,
    reported_at (ISO text without a zone: UK time), offence_group_id (empty for none),
    route and summary (quoted, so an empty one is the empty string, not NULL).
    """
    if is_workbook(path):
        raise NotPlain("a workbook")
    header = _header(path)
    errors = Errors()
    positions = read_header(header, errors)
    if positions is None:
        raise NotPlain("the header has errors")
    reading = _Columns(header, positions, RowChecker(positions, groups, now))
    rows = 0
    for batch in _pieces(path, header):
        rows += batch.num_rows
        table = reading.records(batch)
        if table.num_rows:
            yield _as_csv(table), table.num_rows, rows + 1


def _pieces(path, header) -> Iterator[pa.RecordBatch]:
    """The rows after the header, as columns of text, about ``PIECE_BYTES`` at a time."""
    pending, size = [], 0
    batches = _arrow_batches(path, len(header))
    first = True
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except (pa.ArrowException, OSError) as error:
            # Arrow stops at a row of another width, text that is not UTF-8, a row longer
            # than a block: each of them the row-by-row reading has words for.
            raise NotPlain(str(error)) from error
        if first:
            first = False
            # Arrow reads the header as a row: it must read it as Python's csv did.
            if [column[0].as_py() for column in batch.columns] != header:
                raise NotPlain("the header reads otherwise")
            batch = batch.slice(1)
        pending.append(batch)
        size += batch.nbytes
        if size >= PIECE_BYTES:
            yield pa.concat_batches(pending)
            pending, size = [], 0
    if pending and sum(batch.num_rows for batch in pending):
        yield pa.concat_batches(pending)


def _header(path) -> list[str]:
    """The first row as the row-by-row reading sees it."""
    try:
        with open(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return next(csv.reader(text))
    except StopIteration:
        raise NotPlain("the file is empty") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise NotPlain(str(error)) from error


def _arrow_batches(path, width) -> Iterator[pa.RecordBatch]:
    """Every row, the header first, as ``width`` columns of text; blank lines left out."""
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(block_size=BLOCK_SIZE, autogenerate_column_names=True),
        # What Python's csv reads: quotes doubled inside quotes, line breaks inside them.
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"f{index}": pa.string() for index in range(width)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=True,
        ),
    )
    with reader:
        yield from reader


def _as_csv(table) -> bytes:
    # Arrow quotes every text value, the empty one included, and leaves a missing
    # offence group bare: COPY reads the one as '' and the other as NULL. Every line so
    # starts with a quote, and COPY cannot take a value for its end-of-data mark.
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    data = sink.getvalue().to_pybytes()
    if b"\0" in data:
        raise NotPlain("a value holds a NUL character, which PostgreSQL cannot store")
    return data


def _strip(column):
    # Arrow's spaces are Python's, the characters ``str.strip()`` takes off: a test
    # holds the two to each other over every character.
    return pc.utf8_trim_whitespace(column)


def _any(mask) -> bool:
    return bool(pc.any(mask).as_py())


def _longest(column) -> int:
    return pc.max(pc.utf8_length(column)).as_py() or 0


def _empty(column):
    return pc.invert(pc.binary_length(column).cast(pa.bool_()))


# Arrays of the few values looked up in Python are built from their buffers: pa.array
# and pa.scalar import pandas (half a second) to ask whether they were given its objects.


def _bits(flags) -> pa.Buffer:
    packed = bytearray((len(flags) + 7) // 8)
    for index, flag in enumerate(flags):
        if flag:
            packed[index >> 3] |= 1 << (index & 7)
    return pa.py_buffer(packed)


def _booleans(flags) -> pa.Array:
    return pa.Array.from_buffers(pa.bool_(), len(flags), [None, _bits(flags)])


def _integers(values) -> pa.Array:
    """64-bit integers, null for None."""
    data = array.array("q", [0 if value is None else value for value in values])
    valid = _bits([value is not None for value in values])
    return pa.Array.from_buffers(pa.int64(), len(values), [valid, pa.py_buffer(data)])


def _strings(values) -> pa.Array:
    encoded = [value.encode() for value in values]
    offsets = array.array("i", itertools.accumulate(map(len, encoded), initial=0))
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets), data])


class _Columns:
    """The checks of ``RowChecker.check``, made over a batch's columns at once.

    Record types and offence groups are few: each distinct value is looked up once
    by the checker's own rules and remembered for the rest of the file.
    """

    def __init__(self, header, positions, checker: RowChecker):
        self.width = len(header)
        self.positions = positions
        self.checker = checker
        # Beyond the header's last named column every value must be blank.
        self.beyond = range(checker.width, self.width)
        self.field_limit = csv.field_size_limit()
        self.record_types: dict[str, str] = {}
        self.groups: dict[str, int | None] = {}
        self.days_checked: set[datetime.date] = set()

    def records(self, batch) -> pa.Table:
        """The batch's records as the table to write, or NotPlain."""
        columns = batch.columns
        # Python's csv refuses a value longer than its limit; its bytes are at least
        # its characters, so a batch whose values all fit in that many bytes is read alike.
        for column in columns:
            if (pc.max(pc.binary_length(column)).as_py() or 0) > self.field_limit:
                raise NotPlain("a value longer than the csv module reads")
        reference = _strip(self._raw(columns, "reference"))
        empty = _empty(reference)
        if _any(empty):
            # A row with no reference is skipped when it is blank, and an error otherwise.
            blank = empty
            for column in columns:
                blank = pc.and_(blank, _empty(_strip(column)))
            if _any(pc.xor(empty, blank)):
                raise NotPlain("a record without a reference")
            keep = pc.invert(blank)
            columns = [column.filter(keep) for column in columns]
            reference = reference.filter(keep)
            if not len(reference):
                return pa.table({})
        for index in self.beyond:
            if _longest(_strip(columns[index])):
                raise NotPlain("values beyond the header's last column")
        if _longest(reference) > MAX_REFERENCE:
            raise NotPlain("a reference too long")
        record_type, needs_group = self._record_types(self._raw(columns, "record_type"))
        group = self._groups(self._raw(columns, "offence_group"), len(reference))
        if _any(pc.and_(needs_group, pc.is_null(group))):
            raise NotPlain("a record without the offence group it needs")
        route = _strip(self._raw(columns, "route"))
        summary = _strip(self._raw(columns, "summary"))
        if _longest(route) > MAX_ROUTE or _longest(summary) > MAX_SUMMARY:
            raise NotPlain("a route or summary too long")
        moment = self._moments(_strip(self._raw(columns, "reported_at")))
        return pa.table([reference, record_type, moment, group, route, summary], names=list(OUTPUT))

    def _raw(self, columns, name):
        """The column as written, or (for a column the header lacks) the empty cell."""
        position = self.positions.get(name)
        if position is None:
            return pc.utf8_slice_codeunits(columns[0], 0, 0)
        return columns[position]

    def _record_types(self, raw):
        """Each record's type as stored, and whether it needs an offence group."""
        encoded = pc.dictionary_encode(raw)
        kinds = []
        for value in encoded.dictionary.to_pylist():
            kind = self.record_types.get(value)
            if kind is None:
                errors = Errors()
                kind = RECORD_TYPES.get(value) or self.checker._record_type(value, 0, errors)
                if errors:
                    raise NotPlain("not a record type")
                self.record_types[value] = kind
            kinds.append(kind)
        indices = encoded.indices
        needs = _booleans([kind in NEEDS_GROUP for kind in kinds])
        return _strings(kinds).take(indices), needs.take(indices)

    def _groups(self, raw, count):
        """Each record's offence group id, null for none."""
        if "offence_group" not in self.positions:
            return pa.nulls(count, pa.int64())
        encoded = pc.dictionary_encode(raw)
        ids = []
        for value in encoded.dictionary.to_pylist():
            if value not in self.groups:
                errors = Errors()
                found = self.checker._offence_group(value, 0, errors) if value else None
                if errors:
                    raise NotPlain("not an offence group")
                self.groups[value] = found
            ids.append(self.groups[value])
        return _integers(ids).take(encoded.indices)

    def _moments(self, text):
        """Each date-time as ``isoformat()`` gives the one ``RowChecker`` reads."""
        if not pc.all(pc.match_substring_regex(text, PLAIN_MOMENT)).as_py():
            raise NotPlain("a date-time in another form")
        # Arrow's ISO parser, like fromisoformat, refuses a day or a time that does not
        # exist (30 February, 24:00, a 60th second).
        try:
            moment = text.cast(pa.timestamp("s"))
        except pa.ArrowInvalid as error:
            raise NotPlain("not a real date or time") from error
        if pc.max(moment).as_py() > self.checker.now_uk:
            raise NotPlain("a date-time in the future")
        iso = pc.binary_replace_slice(moment.cast(pa.string()), 10, 11, "T")
        days = moment.cast(pa.date32())
        distinct = pc.unique(days)
        changing = [self._clocks_change_on(day) for day in distinct.to_pylist()]
        if any(changing):
            mask = pc.is_in(days, value_set=distinct.filter(_booleans(changing)))
            iso = self._clock_change_days(text, iso, mask)
        return iso

    def _clocks_change_on(self, day) -> bool:
        if day in self.days_checked:
            return False
        if cells._clocks_change_on(day):
            return True
        self.days_checked.add(day)
        return False

    def _clock_change_days(self, text, iso, mask):
        """``iso`` with each moment of a day the clocks change read by the checker itself.

        On such a day a time may not have happened, or have happened twice: the checker
        refuses the one and gives the other an offset (summer time's, as Python's first
        reading of it). Such days are two a year, and each has few distinct moments.
        """
        encoded = pc.dictionary_encode(text.filter(mask))
        errors = Errors()
        exact = []
        for value in encoded.dictionary.to_pylist():
            moment = self.checker._reported_at(value, 0, errors)
            if errors:
                raise NotPlain("a time the clocks skipped, or in the future")
            exact.append(moment.isoformat())
        replaced = _strings(exact).take(encoded.indices)
        return pc.replace_with_mask(iso, mask, replaced)

"""Reading a batch file row by row without holding it in memory.

A CSV file is decoded line by line (so a bad byte is reported at the row it
is on) and parsed with :mod:`csv`; an XLSX workbook is read with openpyxl in
read-only mode. Both yield ``(row number, cells)`` where the row number is
the one a spreadsheet shows: the header is row 1.

Problems that stop the file being read at all raise :class:`UnreadableFile`
with the row they were found on. A file is screened before it is parsed
(:mod:`screening`), and both readers stop at the same limits on rows,
columns and cells however the file describes itself, so a hostile file is
refused after bounded work, never parsed for hours.
"""

import contextlib
import csv
import datetime
import itertools
import os
import zipfile
from collections.abc import Iterator

from inspect_app.uploads.errors import UnreadableFile
from inspect_app.uploads.screening import (
    ENTITIES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_LINE_BYTES,
    MAX_ROWS,
    READ_CHUNK_BYTES,
    damaged,
    screen_workbook,
    sniff,
)

__all__ = ["UnreadableFile", "CsvRows", "XlsxRows", "file_kind", "open_rows"]

UTF8_BOM = b"\xef\xbb\xbf"
SAVE_AS_CSV_UTF8 = (
    'save it from Excel with "Save as" and the type "CSV UTF-8 (Comma delimited)", '
    "or upload the .xlsx workbook itself"
)


def file_kind(path, filename="") -> str:
    """``"xlsx"`` or ``"csv"``, from the file's first bytes (its name can lie).

    Files that are something else (an old .xls, a password-protected
    workbook, a program, an image) are refused here.
    """
    return sniff(path, filename)


def too_many_rows() -> str:
    return (
        f"the file goes on past row {MAX_ROWS:,}, the last row Excel allows, and a batch is "
        "far smaller: split it into smaller batches"
    )


def too_many_columns(count) -> str:
    return (
        f"this row has {count:,} values; a batch has at most {MAX_COLUMNS} columns, counting "
        "columns to ignore: delete the columns that are not part of the batch"
    )


class CsvRows:
    """The rows of a CSV file: UTF-8 (with or without a byte-order mark), any line ending."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path) or 1
        self._handle = None

    def fraction_read(self) -> float:
        if self._handle is None or self._handle.closed:
            return 0.0
        return min(self._handle.tell() / self.size, 1.0)

    def __iter__(self) -> Iterator[tuple[int, list]]:
        with open(self.path, "rb") as self._handle:
            reader = csv.reader(self._decoded_lines(self._handle), strict=True)
            row = 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except _NotUtf8:
                    raise UnreadableFile(
                        row + 1, f"the file is not in UTF-8 text encoding: {SAVE_AS_CSV_UTF8}"
                    ) from None
                except _LineTooLong:
                    raise UnreadableFile(
                        row + 1,
                        f"a line of the file is longer than {MAX_LINE_BYTES // (1 << 20)} MB "
                        f"without a line break, which no file of records is: {SAVE_AS_CSV_UTF8}",
                    ) from None
                except _StrayByteOrderMark:
                    raise UnreadableFile(
                        row + 1,
                        "this row holds a byte-order mark, an invisible marker that belongs only "
                        "at the very start of a file (were two files joined into one?): upload "
                        f"each file on its own, or {SAVE_AS_CSV_UTF8}",
                    ) from None
                except csv.Error as error:
                    raise UnreadableFile(row + 1, _csv_problem(error)) from None
                row += 1
                if row > MAX_ROWS:
                    raise UnreadableFile(row, too_many_rows())
                if len(cells) > MAX_COLUMNS:
                    raise UnreadableFile(row, too_many_columns(len(cells)))
                if row == 1 and any("\x00" in cell for cell in cells):
                    raise UnreadableFile(
                        1,
                        "the file is not in UTF-8 text encoding (it holds NUL characters, "
                        f"as UTF-16 files do): {SAVE_AS_CSV_UTF8}",
                    )
                yield row, cells

    @staticmethod
    def _decoded_lines(handle) -> Iterator[str]:
        """Each physical line, decoded, with its line ending (\\n, \\r\\n or \\r) kept.

        Lines are decoded one at a time: UTF-8 never has a line-break byte
        inside a character, so the split is safe, and a bad byte is found on
        the row that holds it. A line's pieces are kept apart until it ends
        (joining them at every chunk would copy a long line over and over),
        and a line longer than any record is refused. A byte-order mark is
        allowed only at the start of the file.
        """
        pending = []  # the pieces of a line that has not ended yet
        pending_bytes = 0
        first = True
        while True:
            chunk = handle.read(READ_CHUNK_BYTES)
            if first:
                first = False
                if chunk.startswith(UTF8_BOM):
                    chunk = chunk[len(UTF8_BOM) :]
            if not chunk:
                if pending:
                    yield _checked(b"".join(pending))
                return
            if b"\n" not in chunk and b"\r" not in chunk:
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes > MAX_LINE_BYTES:
                    raise _LineTooLong
                continue
            pending.append(chunk)
            data = b"".join(pending)
            lines = data.splitlines(keepends=True)
            if len(lines[0]) > MAX_LINE_BYTES:
                raise _LineTooLong
            # The last piece may be a line cut by the chunk, or a "\r" whose
            # "\n" is in the next chunk: keep it for the next round.
            last = lines.pop()
            if last.endswith(b"\n"):
                lines.append(last)
                pending, pending_bytes = [], 0
            else:
                pending, pending_bytes = [last], len(last)
            if UTF8_BOM in data:
                yield from map(_checked, lines)
                continue
            try:
                # Decoded as csv asks for each line, so a bad byte stops it at its row.
                yield from map(bytes.decode, lines)
            except UnicodeDecodeError:
                raise _NotUtf8 from None


class _NotUtf8(Exception):
    pass


class _LineTooLong(Exception):
    pass


class _StrayByteOrderMark(Exception):
    pass


def _checked(line: bytes) -> str:
    """A line decoded, refusing a byte-order mark within it (the file's own is gone by now)."""
    if UTF8_BOM in line:
        raise _StrayByteOrderMark
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotUtf8 from None


def _csv_problem(error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f"a value is longer than {csv.field_size_limit():,} characters; "
            "the file cannot be read past this row"
        )
    if "EOF" in text or "unexpected end of data" in text:
        return 'a quoted value is never closed (a " is missing); the file ends inside it'
    return f"this row is not valid CSV ({text}); the file cannot be read past it"


class RowWithBadCells(list):
    """A workbook row some of whose cells hold no usable value.

    ``problems`` maps a cell's position to what is wrong with it; the cell
    itself holds what the workbook shows (an error code such as ``#N/A``, or
    nothing). The row parser reports these in place of what the cells'
    values would otherwise be blamed for. A CSV row never is one.
    """

    def __init__(self, cells, problems):
        super().__init__(cells)
        self.problems = problems


FORMULA_WITHOUT_RESULT = (
    "the cell holds a formula whose result was not saved in the workbook: open it in Excel "
    "and save it again, or paste the values in place of the formulas"
)


class XlsxRows:
    """The rows of an XLSX workbook's first sheet, read in openpyxl's streaming mode.

    Cells keep their types where it matters (dates and times stay datetimes);
    numbers and booleans become text, as a CSV would hold them. A formula
    counts as the result Excel saved with it. A cell showing an Excel error
    (``#N/A``, ``#REF!``…), or a formula saved without its result, makes the
    row a :class:`RowWithBadCells`: nothing is silently read as blank.
    """

    def __init__(self, path):
        self.path = path
        self._rows_done = 0
        self._max_row = None

    def fraction_read(self) -> float:
        if not self._max_row:
            return 0.0
        return min(self._rows_done / self._max_row, 1.0)

    def __iter__(self) -> Iterator[tuple[int, list]]:
        has_formulas = screen_workbook(self.path)
        with self._open(data_only=True) as values:
            if not values.worksheets:
                raise UnreadableFile(1, "the workbook has no sheets")
            sheet = values.worksheets[0]
            width = _claimed_width(sheet)
            self._max_row = sheet.max_row
            with self._open(data_only=False, unless=not has_formulas) as formulas:
                formula_rows = itertools.repeat(())
                if formulas:
                    formula_rows = _unpadded(formulas.worksheets[0]).iter_rows()
                pairs = zip(_unpadded(sheet).iter_rows(), formula_rows, strict=False)
                yield from self._bounded(pairs, width)

    def _bounded(self, pairs, width):
        """Each row, padded to the sheet's width; reading stops at the limits, whatever the
        sheet says of itself, and anything the parser raises becomes a message."""
        cells_read = 0
        number = 0
        while True:
            try:
                cells, formula_cells = next(pairs)
            except StopIteration:
                return
            except UnreadableFile:
                raise
            except Exception as error:  # a hostile workbook can make the parser raise anything
                raise UnreadableFile(number + 1, _workbook_problem(error)) from None
            number += 1
            if number > MAX_ROWS:
                raise UnreadableFile(number, too_many_rows())
            if max(len(cells), len(formula_cells)) > MAX_COLUMNS:
                raise UnreadableFile(number, too_many_columns(max(len(cells), len(formula_cells))))
            self._rows_done = number
            if not cells and not formula_cells:
                yield number, cells  # a missing row: blank, and quick to pass over
                continue
            if number == 1:
                # Rows are as wide as the header at least, even where the sheet claims no
                # size (some programs write none), or too small a one.
                width = max(width, len(cells))
            cells_read += max(len(cells), width)
            if cells_read > MAX_CELLS:
                raise UnreadableFile(number, _too_many_cells())
            yield number, _row(cells, formula_cells, width)

    def _open(self, *, data_only, unless=False):
        """The workbook, read-only, closed when done (None if ``unless``)."""
        if unless:
            return contextlib.nullcontext()
        # Imported here: every process that loads the uploads app (each manage.py
        # command, each web worker) would otherwise pay for openpyxl at start-up.
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=data_only)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as error:
            # (ElementTree's ParseError is a SyntaxError; defusedxml's refusals, ValueErrors.)
            cause = _root_cause(error)
            if _is_defused_refusal(cause) or isinstance(cause, SyntaxError):
                raise UnreadableFile(1, _workbook_problem(cause)) from None
            raise UnreadableFile(
                1, f"the workbook could not be opened ({_one_line(cause)})"
            ) from None
        return contextlib.closing(workbook)


def _unpadded(sheet):
    """The sheet, told to forget the size it claims.

    openpyxl would otherwise pad every row to the claimed width and add
    empty rows down to the claimed last row: a claim of A1:XFD1048576 in a
    tiny file is seventeen billion cells. Rows are padded here instead, to
    a width already checked (:func:`_claimed_width`).
    """
    sheet.reset_dimensions()
    return sheet


def _claimed_width(sheet) -> int:
    """The width the sheet claims (its ``<dimension>``), refused when no batch could fill it."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if columns > MAX_COLUMNS or rows > MAX_ROWS or rows * columns > MAX_CELLS:
        raise UnreadableFile(
            1,
            f"the first sheet says it spans {sheet.calculate_dimension()}, {rows:,} rows by "
            f"{columns:,} columns, more than a batch can hold (at most {MAX_ROWS:,} rows, "
            f"{MAX_COLUMNS} columns, {MAX_CELLS:,} cells): delete the empty rows and columns "
            "beyond the records, or copy the records into a new workbook, and save it again",
        )
    return columns


def _too_many_cells() -> str:
    return (
        f"the sheet holds more than {MAX_CELLS:,} cells, more than a batch can: split it into "
        "smaller batches"
    )


def _is_defused_refusal(error) -> bool:
    from defusedxml import DefusedXmlException

    return isinstance(error, DefusedXmlException)


def _root_cause(error):
    """What stopped the parser: openpyxl wraps it in a ValueError of its own (whose text
    names the file's path on the server, which a message must not). The XML parser's own
    error, where the chain has one, else the first error of the chain."""
    chain = [error]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) and len(chain) < 10:
        chain.append(cause)
    for link in chain:
        if isinstance(link, SyntaxError) or _is_defused_refusal(link):
            return link
    return chain[-1]


def _one_line(error) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _workbook_problem(error) -> str:
    """One line for what stopped the parser part-way through the sheet."""
    error = _root_cause(error)
    if _is_defused_refusal(error):
        return ENTITIES
    detail = _one_line(error)
    if isinstance(error, SyntaxError):  # ElementTree's ParseError
        return damaged(f"its XML is not well-formed: {detail}")
    return damaged(f"it cannot be read past this row: {detail}")


def _row(cells, formula_cells, width=0):
    """A row's cell values as text (or dates), padded to ``width``, with any cells that hold
    no usable value. A row without cells stays empty: it is blank, whatever the width."""
    texts = [_cell_text(cell.value) for cell in cells]
    if (cells or formula_cells) and len(texts) < width:
        texts.extend([""] * (width - len(texts)))
    problems = {}
    for index, cell in enumerate(cells):
        if cell.data_type == "e":
            problems[index] = (
                f"the cell shows the Excel error {cell.value}: correct it in the workbook"
            )
    for index, cell in enumerate(formula_cells):
        if cell.data_type == "f" and (index >= len(cells) or cells[index].value is None):
            problems[index] = FORMULA_WITHOUT_RESULT
    return RowWithBadCells(texts, problems) if problems else texts


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value
    return str(value)


def open_rows(path, filename=""):
    """The row source for the file at ``path``: :class:`CsvRows` or :class:`XlsxRows`."""
    return XlsxRows(path) if file_kind(path, filename) == "xlsx" else CsvRows(path)

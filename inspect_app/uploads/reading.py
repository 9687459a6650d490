"""Reading a batch file row by row without holding it in memory.

A CSV file is decoded line by line (so a bad byte is reported at the row it
is on) and parsed with :mod:`csv`; an XLSX workbook is read with openpyxl in
read-only mode. Both yield ``(row number, cells)`` where the row number is
the one a spreadsheet shows: the header is row 1.

Problems that stop the file being read at all raise :class:`UnreadableFile`
with the row they were found on.
"""

import contextlib
import csv
import datetime
import itertools
import os
import re
import zipfile
from collections.abc import Iterator

UTF8_BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
READ_CHUNK_BYTES = 1 << 16
SAVE_AS_CSV_UTF8 = (
    'save it from Excel with "Save as" and the type "CSV UTF-8 (Comma delimited)", '
    "or upload the .xlsx workbook itself"
)


class UnreadableFile(Exception):
    """The file cannot be read past ``row``; ``message`` says why and what to do."""

    def __init__(self, row, message):
        super().__init__(message)
        self.row = row
        self.message = message


def file_kind(path, filename="") -> str:
    """``"xlsx"`` or ``"csv"``, from the file's first bytes (its name can lie)."""
    with open(path, "rb") as handle:
        start = handle.read(8)
    if start.startswith(ZIP_MAGIC):
        return "xlsx"
    if start.startswith(OLE_MAGIC):
        raise UnreadableFile(
            1, "this is an old-style Excel (.xls) file: save it as .xlsx or as CSV UTF-8"
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile(1, "this file is named .xlsx but is not an Excel workbook")
    return "csv"


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
                except csv.Error as error:
                    raise UnreadableFile(row + 1, _csv_problem(error)) from None
                row += 1
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
        the row that holds it.
        """
        pending = b""
        first = True
        while True:
            chunk = handle.read(READ_CHUNK_BYTES)
            if first:
                first = False
                if chunk.startswith(UTF8_BOM):
                    chunk = chunk[len(UTF8_BOM) :]
            data = pending + chunk
            if not chunk:
                if data:
                    yield _decode(data)
                return
            lines = data.splitlines(keepends=True)
            # The last piece may be a line cut by the chunk, or a "\r" whose
            # "\n" is in the next chunk: keep it for the next round.
            pending = lines.pop()
            if pending.endswith(b"\n"):
                lines.append(pending)
                pending = b""
            try:
                # Decoded as csv asks for each line, so a bad byte stops it at its row.
                yield from map(bytes.decode, lines)
            except UnicodeDecodeError:
                raise _NotUtf8 from None


class _NotUtf8(Exception):
    pass


def _decode(line: bytes) -> str:
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
#: A formula element in a worksheet's XML (``<f>``, ``<f t="shared" …>``, ``<x:f>``).
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _has_formulas(path) -> bool:
    """Whether any worksheet of the workbook holds a formula: a quick scan of its XML.

    Most workbooks have none, and are then read once; one with formulas is
    read a second time to find the ones whose results were never saved.
    """
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as member:
                tail = b""
                for chunk in iter(lambda member=member: member.read(READ_CHUNK_BYTES), b""):
                    if _FORMULA_ELEMENT.search(tail + chunk):
                        return True
                    tail = chunk[-32:]
    return False


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
        with self._open(data_only=True) as values:
            if not values.worksheets:
                raise UnreadableFile(1, "the workbook has no sheets")
            sheet = values.worksheets[0]
            self._max_row = sheet.max_row
            with self._open(data_only=False, unless=not _has_formulas(self.path)) as formulas:
                formula_rows = (
                    formulas.worksheets[0].iter_rows() if formulas else itertools.repeat(())
                )
                for number, (cells, formula_cells) in enumerate(
                    zip(sheet.iter_rows(), formula_rows, strict=False), start=1
                ):
                    self._rows_done = number
                    yield number, _row(cells, formula_cells)

    def _open(self, *, data_only, unless=False):
        """The workbook, read-only, closed when done (None if ``unless``)."""
        if unless:
            return contextlib.nullcontext()
        # Imported here: every process that loads the uploads app (each manage.py
        # command, each web worker) would otherwise pay for openpyxl at start-up.
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=data_only)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise UnreadableFile(1, f"the workbook could not be opened ({error})") from None
        return contextlib.closing(workbook)


def _row(cells, formula_cells):
    """A row's cell values as text (or dates), with any cells that hold no usable value."""
    texts = [_cell_text(cell.value) for cell in cells]
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

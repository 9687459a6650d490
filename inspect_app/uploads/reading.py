"""Reading a batch file row by row without holding it in memory.

A CSV file is decoded line by line (so a bad byte is reported at the row it
is on) and parsed with :mod:`csv`; an XLSX workbook is read with openpyxl in
read-only mode. Both yield ``(row number, cells)`` where the row number is
the one a spreadsheet shows: the header is row 1.

Problems that stop the file being read at all raise :class:`UnreadableFile`
with the row they were found on.
"""

import csv
import datetime
import os
import zipfile
from collections.abc import Iterator

import openpyxl

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


class XlsxRows:
    """The rows of an XLSX workbook's first sheet, read in openpyxl's streaming mode.

    Cells keep their types where it matters (dates and times stay datetimes);
    numbers and booleans become text, as a CSV would hold them.
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
        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise UnreadableFile(1, f"the workbook could not be opened ({error})") from None
        try:
            if not workbook.worksheets:
                raise UnreadableFile(1, "the workbook has no sheets")
            sheet = workbook.worksheets[0]
            self._max_row = sheet.max_row
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                self._rows_done = number
                yield number, [_cell_text(value) for value in values]
        finally:
            workbook.close()


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

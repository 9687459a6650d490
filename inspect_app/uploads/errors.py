"""Errors found in a batch file, each at a row and column a spreadsheet user can find."""

from dataclasses import dataclass

#: The column named for problems with the file as a whole (encoding, size, a duplicate).
WHOLE_FILE = "(file)"
#: How many errors a batch keeps to show; the total is always counted.
MAX_STORED_ERRORS = 1000


class UnreadableFile(Exception):
    """The file cannot be read past ``row``; ``message`` says why and what to do."""

    def __init__(self, row, message):
        super().__init__(message)
        self.row = row
        self.message = message


@dataclass(frozen=True, slots=True)
class BatchError:
    """One thing wrong with a batch file.

    ``row`` is the row number a spreadsheet shows (the header is row 1);
    ``column`` is the column's name, a spreadsheet letter where the column
    has no name, or ``(file)`` for the file as a whole.
    """

    row: int
    column: str
    message: str

    def line(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    @classmethod
    def from_dict(cls, data) -> "BatchError":
        return cls(int(data["row"]), str(data["column"]), str(data["message"]))


class RowsMessage(str):
    """A problem said once for all the rows it is found on, not once a row.

    As a string it reads as the message for the one row it was found on;
    ``template`` holds ``{rows}`` where :class:`ErrorLog` writes every row
    the same message came from ("rows 2–1435", "rows 2, 5, 9–12").
    """

    def __new__(cls, text, template):
        message = super().__new__(cls, text)
        message.template = template
        return message


class RowSpans:
    """Row numbers, arriving in increasing order, kept as runs: a few runs, then a count."""

    MAX_RUNS = 10

    def __init__(self):
        self.runs = []  # [first, last]
        self.count = 0
        self.unlisted = 0

    @property
    def first(self) -> int:
        return self.runs[0][0]

    def add(self, row):
        self.count += 1
        if self.runs and not self.unlisted and row == self.runs[-1][1] + 1:
            self.runs[-1][1] = row
        elif len(self.runs) < self.MAX_RUNS and not self.unlisted:
            self.runs.append([row, row])
        else:
            self.unlisted += 1  # a file of alternating rows must not make a line of thousands

    def text(self) -> str:
        listed = ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in self.runs)
        if self.unlisted:
            listed += f" and {self.unlisted:,} more"
        return f"{'row' if self.count == 1 else 'rows'} {listed}"


class ErrorLog:
    """Every error counted; the first ``limit`` of them (by row) kept.

    Errors may arrive out of row order (duplicates are found at the end), so
    the log sorts before trimming. ``limit=None`` keeps them all (the command
    line prints every one). A :class:`RowsMessage` counts once however many
    rows it comes from, and is reported at the first of them.
    """

    def __init__(self, limit=MAX_STORED_ERRORS, column_order=()):
        self.limit = limit
        self.count = 0
        self._kept = []
        self._groups = {}  # (column, template) → RowSpans
        self._column_rank = {name: rank for rank, name in enumerate(column_order)}

    def add(self, row, column, message):
        if isinstance(message, RowsMessage):
            spans = self._groups.get((column, message.template))
            if spans is None:
                self.count += 1
                spans = self._groups[(column, message.template)] = RowSpans()
            spans.add(row)
            return
        self.count += 1
        self._kept.append(BatchError(row, column, message))
        if self.limit is not None and len(self._kept) > 2 * self.limit:
            self._trim()

    def set_column_order(self, column_order):
        self._column_rank = {name: rank for rank, name in enumerate(column_order)}

    def _key(self, error):
        return (error.row, self._column_rank.get(error.column, len(self._column_rank)))

    def _trim(self):
        self._kept.sort(key=self._key)
        if self.limit is not None:
            del self._kept[self.limit :]

    def __bool__(self):
        return self.count > 0

    @property
    def errors(self) -> list[BatchError]:
        self._trim()
        if not self._groups:
            return list(self._kept)
        grouped = [
            BatchError(spans.first, column, template.replace("{rows}", spans.text()))
            for (column, template), spans in self._groups.items()
        ]
        errors = sorted(self._kept + grouped, key=self._key)
        return errors if self.limit is None else errors[: self.limit]

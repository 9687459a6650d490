"""Errors found in a batch file, each at a row and column a spreadsheet user can find."""

from dataclasses import dataclass

#: The column named for problems with the file as a whole (encoding, size, a duplicate).
WHOLE_FILE = "(file)"
#: How many errors a batch keeps to show; the total is always counted.
MAX_STORED_ERRORS = 1000


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


class ErrorLog:
    """Every error counted; the first ``limit`` of them (by row) kept.

    Errors may arrive out of row order (duplicates are found at the end), so
    the log sorts before trimming. ``limit=None`` keeps them all (the command
    line prints every one).
    """

    def __init__(self, limit=MAX_STORED_ERRORS, column_order=()):
        self.limit = limit
        self.count = 0
        self._kept = []
        self._column_rank = {name: rank for rank, name in enumerate(column_order)}

    def add(self, row, column, message):
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
        return list(self._kept)

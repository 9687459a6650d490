"""Matching a file's header row to the columns of the format (docs/batch-format.md)."""

import datetime
from dataclasses import dataclass, field

from inspect_app.uploads.columns import (
    COLUMN_NAMES,
    REQUIRED_COLUMNS,
    column_letter,
    normalise_header,
)
from inspect_app.uploads.errors import WHOLE_FILE
from inspect_app.uploads.reading import SAVE_AS_CSV_UTF8
from inspect_app.uploads.values import shown


@dataclass
class Header:
    """Which position holds which column, and what is wrong with the header row."""

    positions: dict = field(default_factory=dict)  # column name → index
    unnamed: list = field(default_factory=list)  # indexes of blank headers: must stay empty
    width: int = 0
    problems: list = field(default_factory=list)  # (column, message)
    # False when the rows cannot be checked against this header: it is not a
    # header at all, names a column twice, or lacks a required one.
    rows_readable: bool = True

    @classmethod
    def read(cls, cells, ignored=()) -> "Header":
        header = cls(width=len(cells))
        not_a_header = _not_a_header(cells)
        if not_a_header:
            # One message that says what is wrong, not one per column.
            header.problems.append((WHOLE_FILE, not_a_header))
            header.rows_readable = False
            return header
        ignored = {normalise_header(name) for name in ignored}
        for index, cell in enumerate(cells):
            if isinstance(cell, datetime.date | datetime.time):
                cell = str(cell)
            name = normalise_header(cell)
            if name in ignored:
                continue  # asked for: whatever it holds is left out
            if not name:
                header.unnamed.append(index)
            elif name not in COLUMN_NAMES:
                header.problems.append(
                    (
                        str(cell).strip(),
                        f"unknown column {shown(str(cell).strip())} (column "
                        f"{column_letter(index)}): remove it, or ask for it to be ignored",
                    )
                )
            elif name in header.positions:
                header.rows_readable = False
                header.problems.append(
                    (
                        name,
                        f"the column appears twice (columns "
                        f"{column_letter(header.positions[name])} and {column_letter(index)})",
                    )
                )
            else:
                header.positions[name] = index
        for name in REQUIRED_COLUMNS:
            if name not in header.positions:
                header.rows_readable = False
                header.problems.append((name, "this required column is missing"))
        return header


#: Separators a CSV may have been saved with instead of commas, as a message names them.
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _not_a_header(cells) -> str:
    """Why row 1 cannot be the header at all; '' when it can be read as one.

    A row with several cells of which none names a column is still read as
    a header (its columns may just be misnamed): each gets its own message.
    """
    texts = [cell if isinstance(cell, str) else str(cell) for cell in cells]
    if any(normalise_header(text) in COLUMN_NAMES for text in texts):
        return ""
    line = ",".join(texts)
    for separator, name in OTHER_SEPARATORS.items():
        if any(normalise_header(part) in COLUMN_NAMES for part in line.split(separator)):
            return f"the columns are separated by {name}, not commas: {SAVE_AS_CSV_UTF8}"
    filled = sum(1 for text in texts if text.strip())
    if filled == 0:
        return (
            "row 1 is blank: the header row (reference, record_type, reported_at…) must be "
            "the first row, with nothing above it"
        )
    if filled == 1:
        return (
            "row 1 is not a header row: none of its cells names a column. The header "
            "(reference, record_type, reported_at…) must be the first row, with no title above it"
        )
    return ""

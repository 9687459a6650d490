"""Writing text that people will open in a spreadsheet, safely.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return) is run as a formula by Excel and LibreOffice, so text taken
from an uploaded file could run something on the machine of whoever opens an
export ("CSV injection"). The project stores such text exactly as given and
neutralises it here, on the way out, by putting a single quote in front: the
spreadsheet then shows the text as text. Every CSV or XLSX the project writes
passes its cells through :func:`neutralise`.
"""

import csv
import io

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` made safe for a spreadsheet cell; text that could run as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralised_row(values):
    return [neutralise(value) for value in values]


def csv_text(header, rows):
    """A CSV document (str) of ``header`` and ``rows``, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(neutralised_row(header))
    for row in rows:
        writer.writerow(neutralised_row(row))
    return buffer.getvalue()

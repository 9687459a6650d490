"""CSV and XLSX downloads of the dashboard's tables (django-tables2's TableExport).

An export is the table the reader is looking at (same user, same filters, same
method and confidence, every page of it), built from the same rows, so it
goes through ``visible_to`` exactly as the page did.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, so a name somebody typed as ``=HYPERLINK(...)`` could run in a
reader's spreadsheet: every header and cell goes through the project's one
``core.spreadsheet.neutralise``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django_tables2.export import TableExport

from inspect_app.core.spreadsheet import neutralise

EXPORT_PARAMETER = "_export"
FORMATS = (TableExport.CSV, TableExport.XLSX)


def available_formats() -> tuple[str, ...]:
    return FORMATS


class NeutralisedTableExport(TableExport):
    """django-tables2's export with every header and cell neutralised first."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        headers = [neutralise(header) for header in dataset.headers or []]
        rows = [[neutralise(cell) for cell in row] for row in dataset]
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append(row)
        return dataset


def export_response(table, export_format: str, filename: str) -> HttpResponse | None:
    """The download of ``table`` in ``export_format``, or None if that format is not offered."""
    if export_format not in available_formats():
        return None
    # An XLSX sheet title is at most 31 characters.
    exporter = NeutralisedTableExport(export_format, table, dataset_kwargs={"title": filename[:31]})
    return exporter.response(filename=f"{filename}.{export_format}")

"""Helpers for the batch upload tests: files written on the fly, and the command run in-process."""

import re
import zipfile

import openpyxl
import pytest

from inspect_app.inspections.models import CaseReview, SampledCase

HEADER = "reference,record_type,reported_at,offence_group,summary"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def write_file(tmp_path):
    """Write ``content`` (str, encoded as ``encoding``; or bytes) to a file; return its path."""

    def write(content, name="batch.csv", encoding="utf-8"):
        path = tmp_path / name
        data = content if isinstance(content, bytes) else content.encode(encoding)
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    """Write rows (lists of cell values) to the first sheet of a workbook."""

    def write(rows, name="batch.xlsx"):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


def nothing_written():
    return SampledCase.objects.count() == 0 and CaseReview.objects.count() == 0


@pytest.fixture
def save_results(tmp_path):
    """Give a workbook's cells the XML Excel writes: ``{"H2": ('HYPERLINK("x")', "str", "x")}``
    makes H2 a formula whose saved result is the text ``x``; a type of ``"e"`` saves an
    error (``#N/A``…). openpyxl itself writes formulas without results.
    """

    def rewrite(path, cells):
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        for reference, (formula, kind, result) in cells.items():
            element = f'<c r="{reference}" t="{kind}"><f>{formula}</f><v>{result}</v></c>'
            pattern = rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)'
            sheet, found = re.subn(pattern, element.replace("\\", "\\\\"), sheet, count=1)
            assert found, f"no cell {reference} in the sheet"
        parts["xl/worksheets/sheet1.xml"] = sheet.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
        return path

    return rewrite

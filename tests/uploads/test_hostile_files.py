"""Hostile files are refused fast and plainly, and write nothing.

Every file of the corpus (tests/uploads/hostile) goes through the command
line, its dry run and the upload page; each gets its one line, its batch
fails (never stays "processing"), no case or review is written, no
traceback is printed. On PostgreSQL the import goes through the staging
table, so both import paths are covered by running these tests on both
databases. Work is bounded rather than timed (the machine is shared): the
refusals said to come before parsing are made with the parser unable to
run, the bytes unpacked are counted, and the memory traced.
"""

import io
import re
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from inspect_app.inspections.models import BatchStatus, SampleBatch
from inspect_app.uploads import reading, screening
from inspect_app.uploads.reading import UnreadableFile, open_rows
from tests.management import run_command
from tests.uploads import hostile
from tests.uploads.conftest import nothing_written
from tests.uploads.test_pages import upload

pytestmark = pytest.mark.django_db

CASES = pytest.mark.parametrize("case", hostile.CORPUS, ids=[case.id for case in hostile.CORPUS])
#: The most Python memory refusing any file of the corpus may take (the largest file is 40 MB;
#: the zip bomb unpacks to 200 MB).
MEMORY_BOUND = 32 << 20


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Each hostile file, built once for the whole run."""
    folder = tmp_path_factory.mktemp("hostile")
    files = {}

    def build(case):
        if case.id not in files:
            path = folder / str(len(files)) / case.filename
            path.parent.mkdir()
            files[case.id] = case.build(path)
        return files[case.id]

    return build


@pytest.fixture
def uploader(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def no_parser(monkeypatch):
    """Make the parsers fail the test if they are reached."""

    def parsed(*args, **kwargs):
        raise AssertionError("the file was handed to a parser")

    def arm(case):
        if case.before_parsing:
            monkeypatch.setattr(openpyxl, "load_workbook", parsed)
            monkeypatch.setattr(reading.csv, "reader", parsed)

    return arm


def _only_line(err, case):
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith("row "), lines[0]
    assert ", column (file): " in lines[0], lines[0]
    assert case.message in lines[0], (case.message, lines[0])
    return lines[0]


@CASES
def test_it_refuses_a_hostile_file_on_the_command_line(case, built, no_parser, inspection_a):
    path = built(case)
    no_parser(case)
    status, out, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)

    assert status == 1, out
    _only_line(err, case)
    batch = SampleBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert batch.error_count == 1 and case.message in batch.errors[0]["message"]
    assert not batch.stored_file  # the file is not kept
    assert nothing_written()


@CASES
def test_its_dry_run_refuses_it_too(case, built, no_parser, inspection_a):
    path = built(case)
    no_parser(case)
    status, _, err = run_command(
        "import_batch", str(path), "--inspection", inspection_a.slug, "--dry-run"
    )
    assert status == 1
    _only_line(err, case)
    assert SampleBatch.objects.count() == 0
    assert nothing_written()


@CASES
def test_the_upload_page_refuses_it_with_the_same_line(
    case, built, no_parser, uploader, inspection_a, django_capture_on_commit_callbacks
):
    content = built(case).read_bytes()
    no_parser(case)
    # The form takes .csv and .xlsx only: anything else is renamed, as a hostile sender would.
    name = case.filename if case.filename.endswith((".csv", ".xlsx")) else "renamed.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(uploader, inspection_a, content, name=name)
    assert response.status_code == 302, response.content.decode()[:500]
    batch = SampleBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert [error["column"] for error in batch.errors] == ["(file)"]
    assert case.message in batch.errors[0]["message"]
    page = uploader.get(reverse("batch-detail", kwargs={"pk": batch.pk}))
    html = page.content.decode()
    assert "nothing was imported" in html and "Traceback" not in html
    assert nothing_written()


@CASES
def test_it_is_refused_in_bounded_memory(case, built):
    path = built(case)
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as refused:
            for _ in open_rows(path, case.filename):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert case.message in refused.value.message
    assert "\n" not in refused.value.message
    assert peak < MEMORY_BOUND, f"{peak / 1048576:.1f} MB"


def test_a_directory_that_lies_about_a_size_bounds_what_is_unpacked(tmp_path, monkeypatch):
    path = hostile.lying_directory(tmp_path / "lies.xlsx")
    unpacked = []
    real_read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = real_read(self, n)
        unpacked.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    with pytest.raises(UnreadableFile, match="damaged"):
        screening.screen_workbook(path)
    # 50 MB are packed in the part; no more than the parts' stated sizes came out.
    stated = sum(part.file_size for part in zipfile.ZipFile(path).infolist())
    assert sum(unpacked) <= stated < 64 << 10


def test_openpyxl_reads_workbooks_through_defusedxml(tmp_path, monkeypatch):
    """The second line of defence: with the screening's own check of declarations turned
    off, openpyxl still refuses entities, because it parses with defusedxml."""
    assert openpyxl.DEFUSEDXML is True
    monkeypatch.setattr(screening, "_DECLARATIONS", ())
    for build in (hostile.billion_laughs, hostile.external_entity):
        path = build(tmp_path / f"{build.__name__}.xlsx")
        with pytest.raises(UnreadableFile) as refused:
            list(open_rows(path, path.name))
        assert refused.value.message == screening.ENTITIES


def test_the_cells_read_are_counted_whatever_the_sheet_claims(write_xlsx, monkeypatch):
    path = write_xlsx([["reference", "record_type", "reported_at"]] + [["A", "b", "c"]] * 10)
    _claim_no_size(path)
    monkeypatch.setattr(reading, "MAX_CELLS", 20)
    with pytest.raises(UnreadableFile, match="the sheet holds more than 20 cells") as refused:
        list(open_rows(path, "batch.xlsx"))
    assert refused.value.row == 7  # 3 cells a row: the 21st is on row 7


def test_a_workbook_rows_short_of_its_width_are_still_padded(write_xlsx):
    """openpyxl is told to forget the sheet's claimed size; rows are padded here instead."""
    path = write_xlsx([["reference", "record_type", "reported_at", "summary"], ["A1", "incident"]])
    rows = list(open_rows(path, "batch.xlsx"))
    assert rows[1] == (2, ["A1", "incident", "", ""])


def test_a_genuine_workbook_is_not_refused_by_the_screening(write_xlsx):
    path = write_xlsx([["reference", "record_type", "reported_at"], ["A1", "incident", "=1+1"]])
    assert screening.screen_workbook(path) is True  # it found the formula


def _claim_no_size(path):
    """Take the sheet's ``<dimension>`` out, as some programs write workbooks."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"], found = re.subn(rb"<dimension [^>]*/>", b"", sheet)
    assert found == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_rows_beyond_the_size_a_sheet_claims_are_read_not_dropped(tmp_path):
    """openpyxl stops at the last row a sheet claims; rows past it would vanish unseen."""
    rows = hostile.workbooks.GOOD_ROWS + hostile.workbooks.row_xml(3, ["ESX-2", "incident"])
    path = hostile.workbooks.write_workbook(
        tmp_path / "claims.xlsx",
        hostile.workbooks.sheet_xml(rows, dimension=b'<dimension ref="A1:E2"/>'),
    )
    read = list(open_rows(path, "claims.xlsx"))
    assert [number for number, _ in read] == [1, 2, 3]
    assert read[2][1] == ["ESX-2", "incident", "", "", ""]  # padded to the claimed width


def test_missing_rows_are_passed_over_without_being_filled_in(tmp_path, monkeypatch):
    """A row numbered four billion after row 2, in a sheet claiming 500 columns: the rows
    between are not built cell by cell (500 cells each would take minutes); reading stops
    at Excel's last row."""
    rows = hostile.workbooks.GOOD_ROWS + hostile.workbooks.row_xml(4_000_000_000, ["ESX-2"])
    path = hostile.workbooks.write_workbook(
        tmp_path / "gap.xlsx",
        hostile.workbooks.sheet_xml(rows, dimension=b'<dimension ref="A1:SF2"/>'),
    )
    built = []
    real_row = reading._row

    def counted(*args):
        built.append(args)
        assert len(built) < 10, "blank rows are being built cell by cell"
        return real_row(*args)

    monkeypatch.setattr(reading, "_row", counted)
    with pytest.raises(UnreadableFile, match="goes on past row 1,048,576"):
        list(open_rows(path, "gap.xlsx"))
    assert len(built) == 2


def test_a_part_giving_more_than_its_directory_says_is_cut_off_and_refused(tmp_path, monkeypatch):
    """The screening's own count, apart from zipfile's: a reader that would not stop where
    the directory says (another zip library, a future zipfile) is cut off there."""
    path = hostile.workbooks.write_workbook(tmp_path / "more.xlsx")
    real_open = zipfile.ZipFile.open
    served = []

    def overflowing(self, name, *args, **kwargs):
        member = real_open(self, name, *args, **kwargs)
        if getattr(name, "filename", name) != "xl/worksheets/sheet1.xml":
            return member
        endless = io.BytesIO(member.read() + b" " * (8 << 20))
        real_read = endless.read
        endless.read = lambda n=-1: served.append(n) or real_read(n)
        return endless

    monkeypatch.setattr(zipfile.ZipFile, "open", overflowing)
    with pytest.raises(UnreadableFile, match="unpacks to more than its directory says"):
        screening.screen_workbook(path)
    assert len(served) <= 2  # one chunk past the stated size, not 8 MB of them

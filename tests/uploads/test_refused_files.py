"""A corpus of bad batch files: each is refused with the right row, column and message,
and not one case or review is written.

Files go through ``manage.py import_batch``, the same path an upload takes
(receive the file, make a batch, validate, import).
"""

import datetime

import pytest

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase
from tests.factories import UserFactory
from tests.management import run_command
from tests.uploads.conftest import HEADER

pytestmark = pytest.mark.django_db

DECIDED = "reference,record_type,reported_at,offence_group,should_record,was_recorded,reviewer"
ONE_GOOD_ROW = "ESX-100,incident,2014-03-01,,\n"

# (id, file content, [(row, column, text the message contains)])
CSV_CASES = [
    (
        "latin-1 text",
        (HEADER + "\nA1,incident,2014-03-01,,ok\nA2,incident,2014-03-01,,café\n").encode("latin-1"),
        [(3, "(file)", "not in UTF-8 text encoding"), (3, "(file)", "CSV UTF-8")],
    ),
    (
        "UTF-16 with its byte-order mark",
        (HEADER + "\nA1,incident,2014-03-01,,\n").encode("utf-16"),
        [(1, "(file)", "not in UTF-8")],
    ),
    (
        "UTF-16 without a byte-order mark (NUL bytes)",
        (HEADER + "\nA1,incident,2014-03-01,,\n").encode("utf-16-le"),
        [(1, "(file)", "it holds NUL characters, as UTF-16 files do")],
    ),
    (
        "a required column missing",
        "reference,record_type,offence_group\nA1,incident,\n",
        [(1, "reported_at", "this required column is missing")],
    ),
    (
        "an unknown column",
        HEADER + ",colour\nA1,incident,2014-03-01,,,blue\n",
        [(1, "colour", "unknown column 'colour' (column F)")],
    ),
    (
        "a column twice",
        "reference,record_type,reported_at,Reference\nA1,incident,2014-03-01,A1\n",
        [(1, "reference", "the column appears twice (columns A and D)")],
    ),
    (
        "an unknown record type",
        HEADER + "\nA1,crime,2014-03-01,,\n",
        [(2, "record_type", "'crime' is not a record type")],
    ),
    (
        "an impossible UK date",
        HEADER + "\nA1,incident,31/02/2014,,\n",
        [(2, "reported_at", "'31/02/2014' is not a real date")],
    ),
    (
        "an impossible ISO date",
        HEADER + "\nA1,incident,2014-02-30,,\n",
        [(2, "reported_at", "'2014-02-30' is not a real date")],
    ),
    (
        "an American date",
        HEADER + "\nA1,incident,03/31/2014,,\n",
        [(2, "reported_at", "(dates are day/month/year)")],
    ),
    (
        "text that is not a date",
        HEADER + "\nA1,incident,last Tuesday,,\n",
        [(2, "reported_at", "'last Tuesday' is not a date: use YYYY-MM-DD or DD/MM/YYYY")],
    ),
    (
        "a date in the future",
        HEADER + "\nA1,incident,01/01/2099,,\n",
        [(2, "reported_at", "is in the future")],
    ),
    (
        "a time the clocks skipped",
        HEADER + "\nA1,incident,30/03/2014 01:30,,\n",
        [(2, "reported_at", "did not happen in the UK (the clocks went forward)")],
    ),
    (
        "a missing date",
        HEADER + "\nA1,incident,,,\n",
        [(2, "reported_at", "a date is needed")],
    ),
    (
        "an unknown offence group",
        HEADER + "\nA1,no_crime,2014-03-01,Shoplifting,\n",
        [(2, "offence_group", "'Shoplifting' is not an offence group")],
    ),
    (
        "a no-crime without an offence group",
        HEADER + "\nA1,no_crime,2014-03-01,,\n",
        [(2, "offence_group", "an offence group is needed for a no-crime record")],
    ),
    (
        "an out-of-court disposal without an offence group",
        HEADER + "\nA1,oocd,2014-03-01,,\n",
        [(2, "offence_group", "needed for an out-of-court disposal record")],
    ),
    (
        "a decision that is not yes or no",
        DECIDED + "\nA1,incident,2014-03-01,,maybe,,isla-inspector\n",
        [(2, "should_record", "'maybe' is not yes or no")],
    ),
    (
        "recorded when it should not have been",
        DECIDED + "\nA1,incident,2014-03-01,,no,yes,isla-inspector\n",
        [(2, "was_recorded", "can only be answered when 'should record' is yes")],
    ),
    (
        "a no-crime decision on an incident",
        "reference,record_type,reported_at,cancellation_correct,reviewer\n"
        "A1,incident,2014-03-01,yes,isla-inspector\n",
        [(2, "cancellation_correct", "does not apply to an incident record")],
    ),
    (
        "another force",
        HEADER + ",force\nA1,incident,2014-03-01,,,Kent\n",
        [(2, "force", "'Kent' is not this inspection's force, Essex (E23000028)")],
    ),
    (
        "a reference too long",
        HEADER + "\n" + "R" * 65 + ",incident,2014-03-01,,\n",
        [(2, "reference", "is 65 characters long; the most is 64")],
    ),
    (
        "a blank reference",
        HEADER + "\n  ,incident,2014-03-01,,\n",
        [(2, "reference", "a reference is needed")],
    ),
    (
        "a reference twice in the file",
        HEADER + "\nA1,incident,2014-03-01,,\nA2,incident,2014-03-01,,\nA1,incident,2014-03-01,,\n",
        [(4, "reference", "this reference is also on row 2")],
    ),
    (
        "a reviewer who does not exist",
        DECIDED + "\nA1,incident,2014-03-01,,yes,yes,nobody\n",
        [(2, "reviewer", "there is no user called 'nobody'")],
    ),
    (
        "a commissioner as reviewer",
        DECIDED + "\nA1,incident,2014-03-01,,yes,yes,cara-commissioner\n",
        [(2, "reviewer", "'cara-commissioner' is not an inspector or lead inspector")],
    ),
    (
        "an inspector of another inspection",
        DECIDED + "\nA1,incident,2014-03-01,,yes,yes,uma-unassigned\n",
        [(2, "reviewer", "'uma-unassigned' is not assigned to this inspection")],
    ),
    (
        "decisions without a reviewer",
        DECIDED + "\nA1,incident,2014-03-01,,yes,yes,\n",
        [(2, "reviewer", "decisions need a reviewer")],
    ),
    (
        "a reviewer without decisions",
        DECIDED + "\nA1,incident,2014-03-01,,,,isla-inspector\n",
        [(2, "reviewer", "a reviewer is given but no decisions")],
    ),
    (
        "review notes without a reviewer",
        HEADER + ",review_notes\nA1,incident,2014-03-01,,,Looks fine\n",
        [(2, "review_notes", "review notes need a reviewer and decisions")],
    ),
    (
        "a summary too long",
        HEADER + "\nA1,incident,2014-03-01,," + "x" * 10_001 + "\n",
        [(2, "summary", "is 10,001 characters long; the most is 10,000")],
    ),
    (
        "a row with too many values",
        HEADER + "\nA1,incident,2014-03-01,,summary,extra\n",
        [(2, "F", "this row has 6 values but the header has 5 columns")],
    ),
    (
        "a row with too few values",
        HEADER + "\nA1,incident,2014-03-01\n",
        [(2, "D", "this row has 3 values but the header has 5 columns")],
    ),
    (
        "a NUL byte",
        HEADER + "\nA1,incident,2014-03-01,,bad\x00byte\n",
        [(2, "summary", "contains a NUL character")],
    ),
    (
        "a quote never closed",
        HEADER + '\nA1,incident,2014-03-01,,"open quote\nA2,incident,2014-03-01,,\n',
        [(2, "(file)", "a quoted value is never closed")],
    ),
    ("an empty file", "", [(1, "(file)", "the file is empty")]),
    (
        "a header without rows",
        HEADER + "\n\n",
        [(2, "(file)", "the file has a header but no rows")],
    ),
    (
        "a value under no header",
        "reference,record_type,reported_at,\nA1,incident,2014-03-01,stray\n",
        [(2, "D", "a value in a column with no header")],
    ),
    (
        "row numbers count a quoted line break as one row, and blank lines",
        HEADER + '\nA1,incident,2014-03-01,,"two\nlines"\n\nA2,incident,yesterday,,\n',
        [(4, "reported_at", "'yesterday' is not a date")],
    ),
    (
        "an old Excel file",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        [(1, "(file)", "old-style Excel (.xls)")],
    ),
    (
        "semicolons for commas (Excel in many European settings)",
        "reference;record_type;reported_at\nA1;incident;01/03/2014\n",
        [(1, "(file)", 'separated by semicolons, not commas: save it from Excel with "Save as"')],
    ),
    (
        "tabs for commas",
        "Reference\tRecord type\tReported at\nA1\tincident\t01/03/2014\n",
        [(1, "(file)", "the columns are separated by tabs, not commas")],
    ),
    (
        "a blank line above the header",
        "\n" + HEADER + "\nA1,incident,2014-03-01,,\n",
        [(1, "(file)", "row 1 is blank: the header row (reference, record_type, reported_at…)")],
    ),
    (
        "a header whose every column is misnamed gets a message per column",
        "ref,type,date\nA1,incident,2014-03-01\n",
        [
            (1, "ref", "unknown column 'ref' (column A)"),
            (1, "date", "unknown column 'date' (column C)"),
            (1, "reference", "this required column is missing"),
            (1, "reported_at", "this required column is missing"),
        ],
    ),
    (
        "a title above the header",
        "Essex sample 2014,,\n" + HEADER + "\nA1,incident,2014-03-01,,\n",
        [(1, "(file)", "row 1 is not a header row: none of its cells names a column")],
    ),
]


@pytest.fixture
def people(inspector_user, unassigned_inspector, commissioner_a):
    """isla-inspector (assigned), uma-unassigned and cara-commissioner exist."""


@pytest.mark.parametrize(
    "content, expected", [case[1:] for case in CSV_CASES], ids=[case[0] for case in CSV_CASES]
)
def test_it_refuses_a_bad_file_with_the_row_column_and_reason(
    content, expected, write_file, inspection_a, people
):
    path = write_file(content)
    status, out, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)

    assert status == 1, out
    lines = err.strip().splitlines()
    for row, column, text in expected:
        prefix = f"row {row}, column {column}: "
        assert any(line.startswith(prefix) and text in line for line in lines), (prefix, text, err)
    assert SampledCase.objects.count() == 0
    assert CaseReview.objects.count() == 0
    batch = SampleBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert batch.error_count == len(lines)
    assert "Traceback" not in err


def test_an_xlsx_named_file_that_is_not_a_workbook_is_refused(write_file, inspection_a):
    path = write_file(HEADER + "\nA1,incident,2014-03-01,,\n", name="batch.xlsx")
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.startswith("row 1, column (file): this file is named .xlsx but is not an Excel")
    assert SampledCase.objects.count() == 0


def test_a_reference_already_in_the_inspection_is_refused(write_file, inspection_a, case_a):
    path = write_file(
        HEADER + f"\nNEW-1,incident,2014-03-01,,\n{case_a.reference},incident,2014-03-01,,\n"
    )
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.strip() == "row 3, column reference: this reference is already in the inspection"
    assert list(SampledCase.objects.values_list("reference", flat=True)) == [case_a.reference]


def test_every_error_in_a_file_is_reported_in_row_then_column_order(
    write_file, inspection_a, people
):
    path = write_file(
        DECIDED + "\n"
        "A1,incident,31/02/2014,,no,yes,isla-inspector\n"
        "A2,oocd,2014-03-01,,,,\n"
        "A1,robbery,2014-03-01,,,,nobody\n"
    )
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.strip().splitlines() == [
        "row 2, column reported_at: '31/02/2014' is not a real date or time",
        "row 2, column was_recorded: can only be answered when 'should record' is yes",
        "row 3, column offence_group: an offence group is needed for an out-of-court "
        "disposal record",
        "row 4, column reference: this reference is also on row 2: each must be unique",
        "row 4, column record_type: 'robbery' is not a record type: use incident, "
        "other_system, no_crime or oocd",
        "row 4, column reviewer: there is no user called 'nobody'",
    ]
    assert SampledCase.objects.count() == 0


def test_errors_before_a_part_that_cannot_be_read_are_all_reported(write_file, inspection_a):
    path = write_file(
        (HEADER + "\nA1,incident,2014-03-01,,\nA1,incident,31/02/2014,,\n").encode()
        + "A\u00e92,incident,2014-03-01,,\n".encode("latin-1")
    )
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    lines = err.strip().splitlines()
    assert lines[:2] == [
        "row 3, column reference: this reference is also on row 2: each must be unique",
        "row 3, column reported_at: '31/02/2014' is not a real date or time",
    ]
    assert lines[2].startswith("row 4, column (file): the file is not in UTF-8")
    assert len(lines) == 3
    assert SampledCase.objects.count() == 0


def test_the_size_limit_is_checked_before_the_file_is_read(
    settings, write_file, inspection_a, monkeypatch
):
    settings.BATCH_MAX_BYTES = 100
    path = write_file(HEADER + "\n" + "A1,incident,2014-03-01,,\n" * 10)

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr("inspect_app.uploads.checking.open_rows", must_not_parse)
    monkeypatch.setattr("inspect_app.uploads.writing.open_rows", must_not_parse)
    for extra in ((), ("--dry-run",)):
        status, _, err = run_command(
            "import_batch", str(path), "--inspection", inspection_a.slug, *extra
        )
        assert status == 1
        assert err.startswith("row 1, column (file): the file is 0.0 MB; the most that can be")
    assert SampleBatch.objects.count() == 0
    assert SampledCase.objects.count() == 0


def test_the_same_file_twice_is_refused_but_may_follow_a_withdrawn_one(
    write_file, inspection_a, admin_user
):
    from inspect_app.uploads import withdrawal

    path = write_file(HEADER + "\nA1,incident,2014-03-01,,\n")
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 0

    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.startswith(
        "row 1, column (file): this file has already been uploaded to this inspection"
    )
    status, _, err = run_command(
        "import_batch", str(path), "--inspection", inspection_a.slug, "--dry-run"
    )
    assert status == 1 and "already been uploaded" in err
    assert SampledCase.objects.count() == 1

    withdrawal.withdraw(SampleBatch.objects.get(), admin_user)
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 0


def test_a_file_that_failed_may_be_uploaded_again_once_corrected(write_file, inspection_a):
    path = write_file(HEADER + "\nA1,incident,31/02/2014,,\n")
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 1
    # The same bytes again fail the same way (a failed batch does not block them)...
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 1
    path = write_file(HEADER + "\nA1,incident,28/02/2014,,\n")
    assert run_command("import_batch", str(path), "--inspection", inspection_a.slug)[0] == 0


XLSX_HEADER = ["reference", "record_type", "reported_at", "offence_group", "summary"]


def test_a_workbook_with_bad_rows_is_refused_at_the_rows_a_spreadsheet_shows(
    write_xlsx, inspection_a
):
    import datetime

    path = write_xlsx(
        [
            XLSX_HEADER,
            ["X1", "incident", datetime.datetime(2014, 3, 1, 10, 0), None, None],
            [None, None, None, None, None],
            ["X2", "no_crime", "31/02/2014", "Nonsense", None],
            ["X3", "incident", datetime.time(10, 30), None, None],
        ]
    )
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.strip().splitlines() == [
        "row 4, column reported_at: '31/02/2014' is not a real date or time",
        "row 4, column offence_group: 'Nonsense' is not an offence group: give its code "
        "(such as VAP) or its name (such as Violence against the person)",
        "row 5, column reported_at: '10:30:00' is a time without a date",
    ]
    assert SampledCase.objects.count() == 0


def test_a_broken_workbook_is_refused(write_file, inspection_a):
    path = write_file(b"PK\x03\x04 not really a zip file", name="broken.xlsx")
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    assert err.startswith("row 1, column (file): the workbook is incomplete (its end is missing")


def test_a_user_whose_name_differs_only_in_case_is_found(write_file, inspection_a):
    user = UserFactory(username="Dana.Lead", role="lead_inspector")
    path = write_file(DECIDED + "\nA1,incident,2014-03-01,,yes,no,dana.lead\n")
    status, out, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 0, err
    assert CaseReview.objects.get().reviewer == user


def test_a_formula_saved_without_its_result_is_refused_not_read_as_blank(write_xlsx, inspection_a):
    # openpyxl, like many scripts, saves formulas without computing them.
    path = write_xlsx(
        [
            ["reference", "record_type", "reported_at", "summary"],
            ["F1", "incident", datetime.date(2014, 3, 1), '=CONCAT("a", "b")'],
            ["=A2", "incident", datetime.date(2014, 3, 1), ""],
            [None, None, None, "=1+1"],
        ]
    )
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 1
    lines = err.strip().splitlines()
    saved_without_result = "the cell holds a formula whose result was not saved in the workbook"
    assert lines[0].startswith(f"row 2, column summary: {saved_without_result}")
    # Only the formula is blamed, not the blank it would otherwise read as.
    assert lines[1].startswith(f"row 3, column reference: {saved_without_result}")
    # A row with nothing but such a formula is not skipped as blank.
    assert f"row 4, column summary: {saved_without_result}" in err
    assert "row 4, column reference: a reference is needed" in err
    assert SampledCase.objects.count() == 0


def test_a_cell_showing_an_excel_error_is_refused(write_xlsx, save_results, inspection_a):
    path = write_xlsx(
        [
            ["reference", "record_type", "reported_at", "offence_group", "unused"],
            ["E1", "no_crime", datetime.date(2014, 3, 1), "x", "x"],
            ["E2", "incident", datetime.date(2014, 3, 1), "", "x"],
        ]
    )
    save_results(
        path,
        {
            "D2": ("VLOOKUP(Z1, Z2:Z3, 2)", "e", "#N/A"),
            "A3": ("Sheet2!A1", "e", "#REF!"),
            # In a column the admin asked to ignore, an error does not matter.
            "E2": ("1/0", "e", "#DIV/0!"),
        },
    )
    status, _, err = run_command(
        "import_batch",
        str(path),
        "--inspection",
        inspection_a.slug,
        "--ignore-column",
        "unused",
    )
    assert status == 1
    assert err.strip().splitlines() == [
        "row 2, column offence_group: the cell shows the Excel error #N/A: correct it in the "
        "workbook",
        "row 3, column reference: the cell shows the Excel error #REF!: correct it in the workbook",
    ]
    assert SampledCase.objects.count() == 0

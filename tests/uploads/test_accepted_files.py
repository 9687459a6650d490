"""Every accepted way of writing a batch file is imported, with the values it means."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase
from inspect_app.uploads import examples, receiving
from tests.management import run_command
from tests.uploads.conftest import HEADER

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")
ROWS = [
    "reference,record_type,reported_at,offence_group,summary,should_record,was_recorded,reviewer",
    "A1,incident,01/07/2014 10:00,,Summer: BST,yes,no,isla-inspector",
    "A2,no_crime,2014-01-15,burglary,,,,",
]


def imported(path, inspection, *extra):
    status, out, err = run_command(
        "import_batch", str(path), "--inspection", inspection.slug, *extra
    )
    assert status == 0, err
    return out


def assert_the_two_rows_are_stored(inspection):
    first = SampledCase.objects.get(reference="A1")
    assert first.inspection == inspection
    assert first.record_type == "incident"
    # 10:00 in July is British Summer Time: 09:00 UTC.
    assert first.reported_at == datetime.datetime(2014, 7, 1, 9, 0, tzinfo=UTC)
    assert first.summary == "Summer: BST"
    review = first.reviews.get()
    assert (review.kind, review.record_type, review.version) == ("first", "incident", 1)
    assert review.reviewer.username == "isla-inspector"
    assert (review.should_record, review.was_recorded, review.on_time) == (True, False, None)
    second = SampledCase.objects.get(reference="A2")
    assert second.offence_group.code == "BUR"
    assert second.reported_at == datetime.datetime(2014, 1, 15, 0, 0, tzinfo=UTC)
    assert not second.reviews.exists()


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda rows: "\n".join(rows).encode(), id="LF, no final line break"),
        pytest.param(lambda rows: ("\r\n".join(rows) + "\r\n").encode(), id="CRLF"),
        pytest.param(lambda rows: ("\r".join(rows) + "\r").encode(), id="CR (old Mac)"),
        pytest.param(lambda rows: b"\xef\xbb\xbf" + "\r\n".join(rows).encode(), id="BOM"),
    ],
)
def test_it_imports_utf8_with_any_line_ending_and_with_or_without_a_bom(
    encode, write_file, inspection_a, inspector_user
):
    path = write_file(encode(ROWS))
    out = imported(path, inspection_a)
    assert out.strip() == "2 rows imported into essex-test"
    assert_the_two_rows_are_stored(inspection_a)
    batch = SampleBatch.objects.get()
    assert (batch.status, batch.row_count, batch.errors) == (BatchStatus.IMPORTED, 2, [])


def test_it_matches_messy_headers_and_values(write_file, inspection_a, inspector_user):
    path = write_file(
        " Reference ,RECORD_TYPE,Reported At,offence-group,  Summary,Should Record,"
        "was_recorded,  REVIEWER ,Force,notes-for-us,\n"
        "A1, Incident ,01/07/2014 10:00,, Summer: BST ,Y,N,isla-inspector,e23000028,x,\n"
        "\n"
        "A2,No-Crime,2014-01-15,BUR,,,,,essex,,\n"
        ",,,,,,,,,,\n"
    )
    imported(path, inspection_a, "--ignore-column", "Notes For Us")
    first = SampledCase.objects.get(reference="A1")
    assert first.summary == " Summer: BST "  # free text is kept exactly as given
    assert first.reviews.get().should_record is True
    assert SampledCase.objects.get(reference="A2").record_type == "no_crime"
    assert SampledCase.objects.count() == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2014-03-01", datetime.datetime(2014, 3, 1, tzinfo=LONDON)),
        ("2014-03-01T14:30", datetime.datetime(2014, 3, 1, 14, 30, tzinfo=LONDON)),
        ("2014-03-01 14:30:15", datetime.datetime(2014, 3, 1, 14, 30, 15, tzinfo=LONDON)),
        ("2014-07-01T14:30:00Z", datetime.datetime(2014, 7, 1, 14, 30, tzinfo=UTC)),
        ("2014-07-01T14:30+02:00", datetime.datetime(2014, 7, 1, 12, 30, tzinfo=UTC)),
        ("1/3/2014", datetime.datetime(2014, 3, 1, tzinfo=LONDON)),
        ("01/07/2014 23:59", datetime.datetime(2014, 7, 1, 22, 59, tzinfo=UTC)),
        # The hour the clocks go back happens twice: the first (BST) is taken.
        ("26/10/2014 01:30", datetime.datetime(2014, 10, 26, 0, 30, tzinfo=UTC)),
    ],
)
def test_it_reads_iso_and_uk_dates_as_uk_time(text, expected, write_file, inspection_a):
    path = write_file(f"reference,record_type,reported_at\nD1,incident,{text}\n")
    imported(path, inspection_a)
    assert SampledCase.objects.get().reported_at == expected


@pytest.mark.parametrize(
    "yes, no", [("yes", "no"), ("Y", "N"), ("TRUE", "False"), ("1", "0"), (" yes ", " no ")]
)
def test_it_reads_every_spelling_of_yes_and_no(yes, no, write_file, inspection_a, inspector_user):
    path = write_file(
        "reference,record_type,reported_at,should_record,was_recorded,reviewer\n"
        f"Y1,incident,2014-03-01,{yes},{no},isla-inspector\n"
    )
    imported(path, inspection_a)
    review = CaseReview.objects.get()
    assert (review.should_record, review.was_recorded) == (True, False)


def test_it_imports_a_workbook_with_typed_cells(write_xlsx, inspection_a, inspector_user):
    path = write_xlsx(
        [
            [
                "Reference",
                "Record type",
                "Reported at",
                "Offence group",
                "Should record",
                "Was recorded",
                "Reviewer",
                "Summary",
            ],
            [
                12345,
                "incident",
                datetime.datetime(2014, 7, 1, 10, 0),
                None,
                True,
                0,
                "isla-inspector",
                "@SUM(A1:A2)",
            ],
            [None, None, None, None, None, None, None, None],
            ["X-2", "oocd", datetime.date(2014, 3, 2), "Drug offences", None, None, None, None],
        ]
    )
    out = imported(path, inspection_a)
    assert out.strip() == "2 rows imported into essex-test"
    first = SampledCase.objects.get(reference="12345")  # a number cell, as text
    assert first.reported_at == datetime.datetime(2014, 7, 1, 9, 0, tzinfo=UTC)
    # Text that looks like a formula is stored as given (neutralised only on export).
    assert first.summary == "@SUM(A1:A2)"
    review = first.reviews.get()
    assert (review.should_record, review.was_recorded) == (True, False)
    assert SampledCase.objects.get(reference="X-2").offence_group.code == "DRG"


def test_a_dry_run_checks_everything_and_writes_nothing(write_file, inspection_a, inspector_user):
    path = write_file("\n".join(ROWS))
    status, out, _ = run_command(
        "import_batch", str(path), "--inspection", inspection_a.slug, "--dry-run"
    )
    assert status == 0
    assert out.strip() == "2 rows checked: no errors (dry run, nothing imported)"
    assert SampledCase.objects.count() == 0
    assert SampleBatch.objects.count() == 0


def test_the_command_refuses_an_unknown_inspection_or_file(write_file):
    status, _, err = run_command("import_batch", "/no/such/file.csv", "--inspection", "x")
    assert status != 0 and "no such file" in err
    path = write_file("\n".join(ROWS))
    status, _, err = run_command("import_batch", str(path), "--inspection", "nowhere")
    assert status != 0 and "no inspection with slug 'nowhere'" in err


def test_the_example_file_imports_cleanly(tmp_path, inspection_a, inspector_user):
    path = tmp_path / "example.csv"
    path.write_text(examples.example_csv(inspection_a), encoding="utf-8")
    out = imported(path, inspection_a)
    assert out.strip() == "5 rows imported into essex-test"
    assert CaseReview.objects.filter(reviewer=inspector_user).count() == 4
    assert set(SampledCase.objects.values_list("record_type", flat=True)) == {
        "incident",
        "other_system",
        "no_crime",
        "oocd",
    }


def test_the_example_file_imports_cleanly_without_anyone_to_review(tmp_path, inspection_a):
    path = tmp_path / "example.csv"
    path.write_text(examples.example_csv(inspection_a), encoding="utf-8")
    imported(path, inspection_a)
    assert SampledCase.objects.count() == 5 and CaseReview.objects.count() == 0


def test_the_template_has_every_column_and_imports_nothing(tmp_path, inspection_a):
    from inspect_app.uploads.columns import COLUMN_NAMES

    text = examples.template_csv()
    assert text.strip().split(",") == list(COLUMN_NAMES)


def test_imported_reviews_carry_history_naming_the_batch(write_file, inspection_a, inspector_user):
    imported(write_file("\n".join(ROWS)), inspection_a)
    history = CaseReview.history.get()
    assert history.history_type == "+"
    assert "Imported from sample batch" in history.history_change_reason


def test_an_import_asks_for_the_figures_to_be_recomputed(
    write_file, inspection_a, inspector_user, monkeypatch
):
    asked = []
    monkeypatch.setattr(
        "inspect_app.compliance.signals.request_recompute",
        lambda programme_id: asked.append(programme_id),
    )
    imported(write_file("\n".join(ROWS)), inspection_a)
    assert asked == [inspection_a.programme_id]


def test_a_one_row_file_is_reported_as_one_row(write_file, inspection_a):
    path = write_file(HEADER + "\nONE-1,incident,2014-03-01,,\n")
    status, out, err = run_command(
        "import_batch", str(path), "--inspection", inspection_a.slug, "--dry-run"
    )
    assert (status, out.strip(), err) == (
        0,
        "1 row checked: no errors (dry run, nothing imported)",
        "",
    )
    assert imported(path, inspection_a).strip() == "1 row imported into essex-test"


def test_a_formula_counts_as_the_result_saved_with_it(
    write_xlsx, save_results, inspection_a, inspector_user
):
    path = write_xlsx(
        [
            ["reference", "record_type", "reported_at", "summary"],
            ["placeholder", "incident", datetime.date(2014, 3, 1), "placeholder"],
        ]
    )
    save_results(
        path,
        {
            "A2": ('"ESX-"&amp;ROW()', "str", "ESX-2"),
            "D2": ('CONCAT("Caller ", "reports")', "str", "Caller reports"),
        },
    )
    assert imported(path, inspection_a).strip() == "1 row imported into essex-test"
    case = SampledCase.objects.get()
    assert (case.reference, case.summary) == ("ESX-2", "Caller reports")


def test_receiving_a_file_asks_for_no_recompute_until_the_batch_changes(
    write_file, inspection_a, monkeypatch
):
    asked = []
    monkeypatch.setattr("inspect_app.compliance.signals.request_recompute", asked.append)
    batch = receiving.receive(inspection_a, write_file("\n".join(ROWS)), filename="a.csv")
    assert asked == []  # a batch just uploaded has no cases to count
    batch.save()
    assert asked == [inspection_a.programme_id]

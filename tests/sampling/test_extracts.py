"""Importing a force's whole extract: all of it or nothing, every error at its row."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.sampling import extract_columns, extracts
from inspect_app.sampling.models import PopulationExtract, PopulationRecord

HEADER = "reference,record_type,reported_at,offence_group,route,summary\n"


def write(tmp_path, text, name="extract.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _never_plain(path, groups, now):
    raise extract_columns.NotPlain("read row by row")
    yield  # a generator, as the real one is


def good_rows(count, start=0):
    return "".join(
        f"R{number:05d},incident,2025-03-{1 + number % 28:02d} 10:00,,control room,\n"
        for number in range(start, start + count)
    )


@pytest.mark.django_db
def test_it_imports_every_record_with_its_fields(inspection_a, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A1,incident,2025-03-01 10:30,,control room,a dog barked\n"
        + "A2,No-crime,01/03/2025 09:00,VAP,front desk,\n"
        + "A3,oocd,2025-06-01,Violence against the person,,\n",
    )
    outcome = extracts.import_extract(path, inspection_a, filename="extract.csv")
    assert outcome.records == 3
    records = {record.reference: record for record in PopulationRecord.objects.all()}
    assert set(records) == {"A1", "A2", "A3"}
    assert records["A2"].record_type == "no_crime"
    assert records["A2"].offence_group.code == "VAP"
    assert records["A1"].route == "control room"
    assert records["A1"].summary == "a dog barked"
    # 10:30 in London in March (GMT) is 10:30 UTC; 1 June (BST) midnight is 23:00 UTC before.
    assert records["A1"].reported_at == datetime.datetime(2025, 3, 1, 10, 30, tzinfo=datetime.UTC)
    assert records["A3"].reported_at == datetime.datetime(2025, 5, 31, 23, 0, tzinfo=datetime.UTC)
    extract = PopulationExtract.objects.get(inspection=inspection_a)
    assert extract.record_count == 3
    assert AuditEvent.objects.filter(action=AuditAction.EXTRACT_IMPORTED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "reference,record_type,reported_at,was_recorded\nA1,incident,2025-03-01,yes\n",
            "row 1, column was_recorded: an extract holds no decisions",
        ),
        (
            HEADER
            + "A1,incident,2025-03-01,,,\nA2,incident,2025-03-01,,,\nA1,incident,2025-03-02,,,\n",
            "row 4, column reference: 'A1' is used twice in the extract (first on row 2)",
        ),
        (
            HEADER + "A1,arrest,2025-03-01,,,\n",
            "row 2, column record_type: 'arrest' is not a record type",
        ),
        (
            HEADER + "A1,no_crime,2025-03-01,NOPE,,\n",
            "row 2, column offence_group: 'NOPE' is not an offence group",
        ),
        (
            HEADER + "A1,oocd,2025-03-01,,,\n",
            "row 2, column offence_group: a oocd record needs an offence group",
        ),
        (
            HEADER + "A1,incident,31/02/2025,,,\n",
            "row 2, column reported_at: '31/02/2025' is not a real date",
        ),
        (
            HEADER + "A1,incident,2099-01-01,,,\n",
            "row 2, column reported_at: '2099-01-01' is in the future",
        ),
        (HEADER, "row 2, column (file): the file has a header but no records"),
    ],
)
def test_it_refuses_a_bad_extract_and_writes_nothing(inspection_a, tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(extracts.ExtractRefused) as refused:
        extracts.import_extract(path, inspection_a, filename="extract.csv")
    assert any(line.startswith(expected) for line in refused.value.errors), refused.value.errors
    assert not PopulationExtract.objects.exists()
    assert not PopulationRecord.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXTRACT_IMPORTED).exists()


@pytest.mark.django_db
def test_it_reports_every_error_not_just_the_first(inspection_a, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A1,arrest,2025-03-01,,,\n"
        + good_rows(5)
        + "A2,incident,nonsense,,,\nR00001,incident,2025-03-01,,,\n",
    )
    with pytest.raises(extracts.ExtractRefused) as refused:
        extracts.import_extract(path, inspection_a, filename="extract.csv")
    lines = refused.value.errors
    assert any(line.startswith("row 2, column record_type") for line in lines)
    assert any(line.startswith("row 8, column reported_at") for line in lines)
    assert any(line.startswith("row 9, column reference") for line in lines)


@pytest.mark.django_db
def test_it_replaces_an_extract_only_when_asked_and_nothing_was_drawn(inspection_a, tmp_path):
    first = write(tmp_path, HEADER + good_rows(3), "first.csv")
    second = write(tmp_path, HEADER + good_rows(4, start=10), "second.csv")
    extracts.import_extract(first, inspection_a, filename="first.csv")
    with pytest.raises(extracts.ExtractRefused, match="already has an extract"):
        extracts.import_extract(second, inspection_a, filename="second.csv")
    extracts.import_extract(second, inspection_a, filename="second.csv", replace=True)
    assert sorted(PopulationRecord.objects.values_list("reference", flat=True)) == [
        "R00010",
        "R00011",
        "R00012",
        "R00013",
    ]


@pytest.mark.django_db
def test_the_command_prints_the_count_and_every_error(inspection_a, tmp_path, capsys):
    path = write(tmp_path, HEADER + good_rows(7))
    call_command("import_population", str(path), "--inspection", inspection_a.slug)
    assert f"7 records imported into {inspection_a.slug}" in capsys.readouterr().out
    bad = write(tmp_path, HEADER + "A1,arrest,2025-03-01,,,\n", "bad.csv")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_population", str(bad), "--inspection", inspection_a.slug, "--replace")
    assert "row 2, column record_type" in capsys.readouterr().err
    assert PopulationRecord.objects.count() == 7


@pytest.mark.django_db
def test_a_dry_run_stores_nothing(inspection_a, tmp_path, capsys):
    path = write(tmp_path, HEADER + good_rows(4))
    call_command("import_population", str(path), "--inspection", inspection_a.slug, "--dry-run")
    assert "4 records checked" in capsys.readouterr().out
    assert not PopulationExtract.objects.exists()


@pytest.mark.django_db
def test_an_extract_over_the_size_limit_is_refused_before_reading(inspection_a, tmp_path, settings):
    settings.POPULATION_MAX_BYTES = 100
    path = write(tmp_path, HEADER + good_rows(10))
    with pytest.raises(extracts.ExtractRefused, match="at most"):
        extracts.import_extract(path, inspection_a, filename="extract.csv")
    assert not PopulationRecord.objects.exists()


@pytest.mark.django_db
def test_values_with_tabs_backslashes_and_line_breaks_are_stored_as_written(inspection_a, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + 'A1,incident,2025-03-01 10:30,,"front\\desk","a\ttab, a \\N and\na new line"\n'
        + 'A2,incident,2025-03-01 10:30,,,"a carriage\r\nreturn"\n'
        + "A3,incident,2025-03-01 10:30,,,\\\n",
    )
    extracts.import_extract(path, inspection_a, filename="extract.csv")
    records = {record.reference: record for record in PopulationRecord.objects.all()}
    assert records["A1"].route == "front\\desk"
    assert records["A1"].summary == "a\ttab, a \\N and\na new line"
    assert records["A2"].summary == "a carriage\r\nreturn"
    assert records["A3"].summary == "\\"


@pytest.mark.django_db
def test_blank_and_short_rows_are_read_as_the_format_says(inspection_a, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A1,incident,2025-03-01 10:30\n"  # no cells for the optional columns
        + ",,,,,\n"
        + "\n"
        + " , ,  ,,,\n"
        + "A2,no_crime,2025-03-01 10:30, vap ,online,  spaced  \n"
        + "A3,no_crime,2025-03-01 10:30,vap,online,\n"
        + "A4,No-Crime,2025-03-01 10:30,Violence against the person,,\n",
    )
    outcome = extracts.import_extract(path, inspection_a, filename="extract.csv")
    assert outcome.records == 4
    records = {record.reference: record for record in PopulationRecord.objects.all()}
    assert records["A1"].route == "" and records["A1"].summary == ""
    assert records["A1"].offence_group_id is None
    assert records["A2"].offence_group.code == "VAP"
    assert records["A2"].summary == "spaced"
    assert records["A3"].offence_group_id == records["A2"].offence_group_id
    assert records["A4"].record_type == "no_crime"
    assert records["A4"].offence_group_id == records["A2"].offence_group_id


@pytest.mark.django_db
def test_each_bad_cell_of_an_odd_row_is_reported_at_its_row(inspection_a, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A1,no_crime,2025-03-01,   ,,\n"
        + "A2,incident,2025-03-01,,,,extra\n"
        + "A3,incident,2025-03-01,,,,   \n"
        + "   ,incident,2025-03-01,,,\n"
        + "A5,No-Crime,2025-03-01,nope,,\n",
    )
    with pytest.raises(extracts.ExtractRefused) as refused:
        extracts.import_extract(path, inspection_a, filename="extract.csv")
    assert refused.value.errors == [
        "row 2, column offence_group: a no_crime record needs an offence group",
        "row 3, column (file): the row has values beyond the header's last column",
        "row 5, column reference: a reference is needed",
        "row 6, column offence_group: 'nope' is not an offence group's code or name",
    ]
    assert not PopulationRecord.objects.exists()


@pytest.mark.django_db
def test_progress_is_told_the_rows_read_as_the_import_goes(inspection_a, tmp_path, monkeypatch):
    monkeypatch.setattr(extracts, "PROGRESS_EVERY", 3)
    # Read row by row (the column-wise reading tells its progress a block at a time).
    monkeypatch.setattr(extract_columns, "plain_batches", _never_plain)
    path = write(tmp_path, HEADER + good_rows(10))
    seen = []
    extracts.import_extract(path, inspection_a, filename="extract.csv", progress=seen.append)
    # Row 1 is the header: rows 3, 6, 9 are the 2nd, 5th and 8th records.
    assert seen == [3, 6, 9]

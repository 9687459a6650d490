"""The one-pass import on PostgreSQL: rows checked and COPYed into a staging table, then
imported with set-based SQL. The same rules, errors and values as the two-pass path.

Tests that compare with the two-pass path run on either database; those about the
staging table itself need PostgreSQL.
"""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase
from inspect_app.uploads import processing, progress, receiving, staging, withdrawal, writing
from inspect_app.uploads.values import LONDON
from tests.uploads.conftest import nothing_written

pytestmark = pytest.mark.django_db

DECIDED = (
    "reference,record_type,reported_at,offence_group,summary,"
    "should_record,was_recorded,reviewer,review_notes"
)


def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the staging table is PostgreSQL's path (DATABASE_URL)")


def _import(inspection, content, name="batch.csv"):
    data = content if isinstance(content, bytes) else content.encode()
    batch = receiving.receive(inspection, SimpleUploadedFile(name, data), filename=name)
    return processing.process_batch(batch.pk, max_errors=None)


def _staging_left():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{staging.STAGING_TABLE}"])
        return cursor.fetchone()[0]


def _csv(rows, header=DECIDED):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return out.getvalue()


def _good_rows(count, prefix="G"):
    return [
        (f"{prefix}{n}", "incident", "2014-03-01 10:00", "", "", "yes", "no", "isla-inspector", "")
        for n in range(count)
    ]


def test_an_error_late_in_the_file_leaves_no_rows_and_no_staging(
    inspection_a, inspector_user, monkeypatch
):
    needs_postgres()
    # Small flushes: many COPYs into staging have happened before the bad row.
    monkeypatch.setattr(staging, "STAGE_FLUSH_ROWS", 4)
    rows = _good_rows(40)
    rows.append(("LATE", "incident", "2099-01-01", "", "", "", "", "", ""))
    outcome = _import(inspection_a, _csv(rows))

    assert not outcome.ok
    assert [error.line() for error in outcome.errors] == [
        "row 42, column reported_at: '2099-01-01' is in the future"
    ]
    assert nothing_written() and CaseReview.history.count() == 0
    assert _staging_left() is None
    assert SampleBatch.objects.get().status == BatchStatus.FAILED


def test_a_failure_while_staging_rolls_back_and_leaves_the_batch_to_retry(
    inspection_a, inspector_user, monkeypatch
):
    needs_postgres()

    monkeypatch.setattr(staging, "STAGE_FLUSH_ROWS", 5)
    flush = staging._Staging.flush
    calls = []

    def flaky(self):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return flush(self)

    monkeypatch.setattr(staging._Staging, "flush", flaky)
    content = _csv(_good_rows(23))
    batch = receiving.receive(
        inspection_a, SimpleUploadedFile("s.csv", content.encode()), filename="s.csv"
    )
    with pytest.raises(OperationalError):
        processing.process_batch(batch.pk)
    assert nothing_written() and _staging_left() is None
    assert SampleBatch.objects.get(pk=batch.pk).status == BatchStatus.PROCESSING
    assert processing.process_batch(batch.pk).imported == 23
    assert _staging_left() is None
    # Delivered again: nothing changes.
    assert processing.process_batch(batch.pk).imported == 23
    assert SampledCase.objects.count() == 23 and CaseReview.objects.count() == 23


def test_duplicates_are_reported_as_the_scratch_file_check_reports_them(
    inspection_a, inspector_user, case_a, monkeypatch, tmp_path
):
    """PostgreSQL finds them in SQL, the dry run in its scratch file: the same errors."""
    monkeypatch.setattr(staging, "STAGE_FLUSH_ROWS", 3)
    rows = _good_rows(6)
    rows += [
        ("G1", "incident", "2014-03-01", "", "", "", "", "", ""),  # repeats row 3
        ("ESX-1", "incident", "2014-03-01", "", "", "", "", "", ""),  # already there
        ("G1", "incident", "2099-03-01", "", "", "", "", "", ""),  # again, and another error
        ("ESX-1", "incident", "2014-03-01", "", "", "", "", "", ""),  # both problems
        ("  G4 ", "incident", "2014-03-01", "", "", "", "", "", ""),  # stripped: a repeat
        ("", "incident", "2014-03-01", "", "", "", "", "", ""),  # no reference: not counted
    ]
    content = _csv(rows)
    path = tmp_path / "dups.csv"
    path.write_text(content)
    dry_run = processing.check_file(path, inspection_a, filename="dups.csv", max_errors=None)

    outcome = _import(inspection_a, content, name="dups.csv")

    expected = [
        "row 8, column reference: this reference is also on row 3: each must be unique",
        "row 9, column reference: this reference is already in the inspection",
        "row 10, column reference: this reference is also on row 3: each must be unique",
        "row 10, column reported_at: '2099-03-01' is in the future",
        "row 11, column reference: this reference is already in the inspection",
        "row 11, column reference: this reference is also on row 9: each must be unique",
        "row 12, column reference: this reference is also on row 6: each must be unique",
        "row 13, column reference: a reference is needed",
    ]
    assert [error.line() for error in outcome.errors] == expected
    assert [error.line() for error in dry_run.errors] == expected
    assert outcome.error_count == dry_run.error_count == len(expected)
    assert SampledCase.objects.count() == 1  # case_a alone
    if connection.vendor == "postgresql":
        assert _staging_left() is None


AWKWARD_TEXT = [
    "tab\there",
    "line\nbreak",
    "windows\r\nline",
    "old mac\rline",
    "back\\slash",
    "\\N",
    "\\.",
    "ends with a backslash\\",
    "\\t is not a tab",
    "say \"hello\", then 'bye'",
    "=SUM(A1:A9)",
    "+44 1234",
    "-1",
    "@cmd",
    "   spaces kept   ",
    "unicode: café – “quotes” 🚓",
    "",
]


def test_awkward_text_arrives_exactly(inspection_a, inspector_user, monkeypatch):
    monkeypatch.setattr(staging, "STAGE_FLUSH_ROWS", 5)
    rows = [
        (f"T{n}\\x", "incident", "2014-03-01", "", text, "yes", "yes", "isla-inspector", text)
        for n, text in enumerate(AWKWARD_TEXT)
    ]
    rows.append(("tab\tin\\ref", "incident", "2014-03-01", "", "x", "", "", "", ""))
    outcome = _import(inspection_a, _csv(rows))
    assert outcome.ok, outcome.errors
    stored = {case.reference: case for case in SampledCase.objects.all()}
    for n, text in enumerate(AWKWARD_TEXT):
        case = stored[f"T{n}\\x"]
        assert case.summary == text
        assert case.reviews.get().notes == text
    assert stored["tab\tin\\ref"].summary == "x"
    assert not stored["tab\tin\\ref"].reviews.exists()


def test_values_arrive_as_the_two_pass_path_stores_them(inspection_a, inspector_user):
    rows = [
        ("D1", "incident", "01/07/2014 14:30", "", "s", "yes", "no", "isla-inspector", ""),
        ("D2", "no_crime", "2014-01-05", "VAP", "", "", "", "", ""),
        ("D3", "incident", "2014-03-30T01:30:00+05:30", "", "", "", "", "", ""),
        ("D4", "other_system", "2014-10-26 01:30", "", "", "yes", "", "isla-inspector", "n"),
        ("D5", "oocd", "2014-03-01 10:00:05.123456", "vap", "", "", "", "", ""),
    ]
    outcome = _import(inspection_a, _csv(rows))
    assert outcome.ok, outcome.errors
    cases = {case.reference: case for case in SampledCase.objects.select_related("offence_group")}
    assert cases["D1"].reported_at == datetime.datetime(2014, 7, 1, 14, 30, tzinfo=LONDON)
    assert cases["D1"].reported_at.utcoffset() == datetime.timedelta(0)  # stored as UTC
    assert cases["D1"].reported_at == datetime.datetime(2014, 7, 1, 13, 30, tzinfo=datetime.UTC)
    assert cases["D3"].reported_at == datetime.datetime(2014, 3, 29, 20, 0, tzinfo=datetime.UTC)
    # The hour the clocks go back: the first of the two (BST), as Python reads it.
    assert cases["D4"].reported_at == datetime.datetime(2014, 10, 26, 0, 30, tzinfo=datetime.UTC)
    assert cases["D5"].reported_at.microsecond == 123456
    assert cases["D2"].offence_group.code == "VAP" and cases["D5"].offence_group.code == "VAP"
    review = CaseReview.objects.get(case=cases["D1"])
    assert (review.should_record, review.was_recorded, review.correctly_classified) == (
        True,
        False,
        None,
    )
    assert review.record_type == "incident" and review.kind == "first" and review.version == 1
    other = CaseReview.objects.get(case=cases["D4"])
    assert other.record_type == "other_system" and other.notes == "n"
    assert CaseReview.objects.count() == 2
    assert CaseReview.history.filter(history_type="+").count() == 2
    batch = SampleBatch.objects.get()
    assert batch.status == BatchStatus.IMPORTED and batch.row_count == 5
    assert all(case.batch_id == batch.pk for case in cases.values())
    assert all(case.created_at <= batch.finished_at for case in cases.values())
    assert withdrawal.withdrawal_blockers(batch) == []


def test_progress_is_reported_for_each_chunk_of_the_write(
    inspection_a, inspector_user, monkeypatch
):
    monkeypatch.setattr(writing, "WRITE_CHUNK", 4)
    seen = []
    report = progress.Progress.report

    def recording(self, phase, fraction, rows_done, rows_total=None):
        seen.append((phase, rows_done, rows_total))
        report(self, phase, fraction, rows_done, rows_total)

    monkeypatch.setattr(progress.Progress, "report", recording)
    assert _import(inspection_a, _csv(_good_rows(10))).imported == 10
    importing = [(done, total) for phase, done, total in seen if phase == "importing"]
    assert importing[:3] == [(4, 10), (8, 10), (10, 10)]

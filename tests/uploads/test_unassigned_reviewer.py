"""A batch naming a reviewer who is not on the inspection's team gets one message for that
reviewer, listing their rows and saying where to assign them, not one message a row.

The same whichever way the file is checked: the import (on PostgreSQL, one pass through
the staging table; on SQLite, two passes), the dry run, and the upload's stored errors.
"""

import pytest

from inspect_app.uploads import processing, receiving
from inspect_app.uploads.errors import ErrorLog, RowsMessage, RowSpans
from tests.factories import UserFactory
from tests.management import run_command

pytestmark = pytest.mark.django_db

HEADER = "reference,record_type,reported_at,should_record,reviewer"
ASSIGN = (
    "assign them on the inspection's team page, /inspections/essex-test/team/, or with "
    "manage.py assign_inspectors essex-test {name}"
)


def batch(reviewers):
    """A file whose row N + 2 is reviewed by ``reviewers[N]`` (None: a blank row)."""
    lines = [HEADER]
    for number, reviewer in enumerate(reviewers):
        lines.append("" if reviewer is None else f"R{number},incident,2014-03-01,no,{reviewer}")
    return "\n".join(lines) + "\n"


def not_assigned(name, rows):
    return (
        f"column reviewer: '{name}' is not assigned to this inspection ({rows}): "
        + ASSIGN.format(name=name)
    )


def import_lines(write_file, inspection, content, *extra):
    path = write_file(content)
    status, out, err = run_command(
        "import_batch", str(path), "--inspection", inspection.slug, *extra
    )
    assert status != 0, out
    return err.strip().splitlines()


def test_a_whole_file_by_one_unassigned_reviewer_is_one_message(
    write_file, inspection_a, unassigned_inspector
):
    content = batch(["uma-unassigned"] * 1434)  # rows 2 to 1435
    assert import_lines(write_file, inspection_a, content) == [
        "row 2, " + not_assigned("uma-unassigned", "rows 2–1435")
    ]
    outcome = processing.check_file(write_file(content, name="dry.csv"), inspection_a)
    assert [error.line() for error in outcome.errors] == [
        "row 2, " + not_assigned("uma-unassigned", "rows 2–1435")
    ]
    assert outcome.error_count == 1


def test_gaps_between_a_reviewers_rows_are_listed(
    write_file, inspection_a, inspector_user, unassigned_inspector
):
    uma, isla = "uma-unassigned", "isla-inspector"
    # Rows:  2    3     4     5    6     7     8     9    10   11   12
    rows = [uma, isla, isla, uma, isla, None, isla, uma, uma, uma, uma]
    assert import_lines(write_file, inspection_a, batch(rows)) == [
        "row 2, " + not_assigned(uma, "rows 2, 5, 9–12")
    ]


def test_each_unassigned_reviewer_gets_their_own_message_among_the_other_errors(
    write_file, inspection_a, unassigned_inspector
):
    UserFactory(username="una-other")
    content = batch(["una-other", "uma-unassigned", "una-other", "nobody"])
    assert import_lines(write_file, inspection_a, content) == [
        "row 2, " + not_assigned("una-other", "rows 2, 4"),
        "row 3, " + not_assigned("uma-unassigned", "row 3"),
        "row 5, column reviewer: there is no user called 'nobody'",
    ]


def test_the_upload_keeps_the_one_message(write_file, inspection_a, unassigned_inspector):
    path = write_file(batch(["uma-unassigned"] * 30))
    received = receiving.receive(inspection_a, path, filename="batch.csv")
    outcome = processing.process_batch(received.pk)
    received.refresh_from_db()
    assert received.error_count == 1 and outcome.error_count == 1
    assert [error["message"] for error in received.errors] == [
        not_assigned("uma-unassigned", "rows 2–31").removeprefix("column reviewer: ")
    ]


def test_assigning_them_as_the_message_says_lets_the_file_in(
    write_file, inspection_a, unassigned_inspector
):
    path = write_file(batch(["uma-unassigned"] * 5))
    status, _, _ = run_command("assign_inspectors", "essex-test", "uma-unassigned")
    assert status == 0
    status, out, err = run_command("import_batch", str(path), "--inspection", "essex-test")
    assert status == 0, err
    assert "5 rows imported" in out


def test_rows_beyond_the_first_runs_are_counted_not_listed():
    spans = RowSpans()
    for row in range(2, 2 + 2 * 1000, 2):  # every other row, 1,000 of them
        spans.add(row)
    assert spans.text() == "rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 990 more"


def test_a_grouped_message_counts_once_and_sorts_at_its_first_row():
    log = ErrorLog(column_order=["reference", "reviewer"])
    message = RowsMessage("x is not assigned", "x is not assigned ({rows})")
    log.add(3, "reviewer", message)
    log.add(2, "reference", "a reference is needed")
    log.add(4, "reviewer", message)
    log.add(7, "reviewer", message)
    assert log.count == 2
    assert [error.line() for error in log.errors] == [
        "row 2, column reference: a reference is needed",
        "row 3, column reviewer: x is not assigned (rows 3–4, 7)",
    ]

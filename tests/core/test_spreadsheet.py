"""Text written out to spreadsheets cannot run as a formula."""

import csv
import io

import pytest

from inspect_app.core.spreadsheet import csv_text, neutralise
from inspect_app.uploads.columns import column_letter, normalise_header


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (42, 42),
        (-3, -3),  # a negative number is data, not a formula
        (91.7, 91.7),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_text_neutralises_every_cell_header_included():
    text = csv_text(["=head"], [['=HYPERLINK("http://x")', "safe"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'=head"], ['\'=HYPERLINK("http://x")', "safe"]]


@pytest.mark.parametrize(
    "index, letter", [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_are_the_spreadsheets(index, letter):
    assert column_letter(index) == letter


def test_headers_are_matched_ignoring_case_and_spacing():
    assert normalise_header("  Reported At ") == "reported_at"
    assert normalise_header("offence-group") == "offence_group"
    assert normalise_header(None) == ""

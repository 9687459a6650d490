"""The words beside a figure: its margin, what the margin means, and dates said once."""

import datetime

import pytest

from inspect_app.dashboard.rows import FigureRow
from inspect_app.dashboard.templatetags.dashboard import date_range


def figure(low, high, rate=0.9, reliable=False):
    return FigureRow("Essex", "Recording rate", 90, 100, rate, low, high, reliable)


def test_an_unreliable_figure_gives_its_margin_and_what_it_means():
    row = figure(0.838, 0.962)
    assert row.margin_text == "±6.2 points"
    assert row.uncertainty_text == (
        "±6.2 points: the true recording rate could be anywhere from 83.8% to 96.2%"
    )
    assert "±6.2 points" in str(row.reliability_html)


def test_a_margin_just_over_the_threshold_does_not_read_as_on_it(settings):
    settings.RELIABILITY_THRESHOLD = 0.05
    assert figure(0.80, 0.9006).margin_text == "±5.03 points"
    assert figure(0.80, 0.90).margin_text == "±5.00 points"
    assert figure(0.80, 0.898).margin_text == "±4.9 points"


def test_a_figure_without_cases_has_no_margin():
    row = FigureRow("Dorset", "Recording rate", 0, 0, None, None, None, None, "no cases")
    assert row.margin_text == row.uncertainty_text == ""


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (None, None, "Not set"),
        (datetime.date(2014, 4, 1), None, "From 1 Apr 2014"),
        (None, datetime.date(2015, 3, 31), "Until 31 Mar 2015"),
        (datetime.date(2014, 4, 1), datetime.date(2015, 3, 31), "1 Apr 2014 to 31 Mar 2015"),
    ],
)
def test_a_period_says_not_set_once_or_gives_its_range(start, end, words):
    assert date_range(start, end) == words

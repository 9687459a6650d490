"""Reading the interval method, confidence and figure from a query string."""

import pytest
from django.http import QueryDict

from inspect_app.dashboard.forms import read_presentation


def presentation_of(query):
    return read_presentation(QueryDict(query))[1]


def test_nothing_asked_gives_wilson_95_recording_rate():
    shown = presentation_of("")
    assert (shown.method, shown.confidence, shown.metric) == ("wilson", 0.95, "recording_rate")
    assert shown.problems == ()


def test_valid_choices_are_kept():
    shown = presentation_of("method=exact&confidence=0.99&metric=timeliness")
    assert (shown.method, shown.confidence, shown.metric) == ("exact", 0.99, "timeliness")
    assert shown.describe() == "99% exact (Clopper-Pearson) interval"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("method=bayesian", "Interval method"),
        ("confidence=1", "Confidence"),
        ("confidence=nan", "Confidence"),
        ("confidence=" + "9" * 500, "Confidence"),
        ("metric=DROP TABLE", "Figure"),
    ],
)
def test_a_bad_value_falls_back_to_its_default_and_says_so(query, field):
    shown = presentation_of(query)
    assert (shown.method, shown.confidence, shown.metric) == ("wilson", 0.95, "recording_rate")
    (problem,) = shown.problems
    assert problem.startswith(field) and "instead" in problem
    assert len(problem) < 200  # a long value is cut, not echoed whole


def test_one_bad_value_leaves_the_good_one():
    shown = presentation_of("method=normal&confidence=7")
    assert (shown.method, shown.confidence) == ("normal", 0.95)
    assert len(shown.problems) == 1

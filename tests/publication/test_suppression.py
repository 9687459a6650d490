"""Small counts are suppressed, with a second cell where the first could be worked out."""

import pytest

from inspect_app.publication.suppression import suppress


def row(scope, group, n, k=None, metric="recording_rate"):
    return {
        "scope": scope,
        "inspection": "essex-2014",
        "offence_group": group,
        "metric": metric,
        "numerator": n if k is None else k,
        "denominator": n,
        "rate": 1.0,
        "ci_low": 0.9,
        "ci_high": 1.0,
        "reliable": False,
    }


def hidden(rows):
    return {(r["scope"], r["offence_group"]) for r in rows if r["suppressed"]}


def test_a_denominator_under_ten_is_suppressed_and_every_count_goes():
    shown = suppress([row("inspection", None, 9), row("inspection", None, 10, metric="timeliness")])
    assert shown[0]["suppressed"] is True
    assert all(
        shown[0][f] is None for f in ("numerator", "denominator", "rate", "ci_low", "ci_high")
    )
    assert shown[1]["suppressed"] is False and shown[1]["denominator"] == 10


def test_a_single_suppressed_group_takes_the_next_smallest_with_it():
    rows = [
        row("inspection", None, 120),
        row("offence_group", "VAP", 100),
        row("offence_group", "ROB", 12),
        row("offence_group", "BUR", 5),
        row("offence_group", "THF", 30),
    ]
    assert hidden(suppress(rows)) == {("offence_group", "BUR"), ("offence_group", "ROB")}


def test_two_suppressed_groups_need_no_third():
    rows = [
        row("offence_group", "VAP", 100),
        row("offence_group", "ROB", 7),
        row("offence_group", "BUR", 5),
    ]
    assert hidden(suppress(rows)) == {("offence_group", "ROB"), ("offence_group", "BUR")}


def test_groups_are_counted_apart_per_figure_and_per_parent():
    rows = [
        row("offence_group", "VAP", 100),
        row("offence_group", "SEX", 40),
        row("offence_group", "RAPE", 6),
        row("offence_group", "VAP", 3, metric="timeliness"),
        row("offence_group", "SEX", 50, metric="timeliness"),
        row("offence_group", "BUR", 20, metric="timeliness"),
    ]
    shown = suppress(rows, parents={"RAPE": "SEX", "SEX": None, "VAP": None, "BUR": None})
    # Rape is Sexual offences' only subgroup: nothing beside it reveals it.
    assert [r["suppressed"] for r in shown] == [False, False, True, True, False, True]


@pytest.mark.parametrize("least, expected", [(5, False), (10, True)])
def test_the_threshold_is_a_setting(settings, least, expected):
    settings.SUPPRESSION_MIN_COUNT = least
    assert suppress([row("inspection", None, 7)])[0]["suppressed"] is expected

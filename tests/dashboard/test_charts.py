"""The plotly figures: intervals as error bars, funnel limits from stats, outliers named."""

import json

import pytest

from inspect_app.core import judgement, stats
from inspect_app.dashboard.charts.bars import (
    comparison_bar_chart,
    force_bar_chart,
    shortfall_bar_chart,
)
from inspect_app.dashboard.charts.drawing import (
    BACKGROUND_COLOUR,
    NOT_RELIABLE_COLOUR,
    NOT_RELIABLE_PATTERN,
    RELIABLE_COLOUR,
    VERSUS_COLOURS,
)
from inspect_app.dashboard.charts.funnel import funnel_chart, funnel_data
from inspect_app.dashboard.charts.trend import trend_chart
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import FigureRow

WILSON_95 = Presentation()


def row(name, k, n, reliable=None, method="wilson", confidence=0.95):
    proportion = stats.proportion(k, n, method, confidence)
    return FigureRow(
        name=name,
        metric="Recording rate",
        numerator=k,
        denominator=n,
        rate=proportion.rate,
        ci_low=proportion.ci_low,
        ci_high=proportion.ci_high,
        reliable=proportion.is_reliable() if reliable is None else reliable,
    )


def traces_by_name(chart):
    return {trace.name: trace for trace in chart.figure.data}


def test_bars_are_sorted_highest_first_with_each_interval_as_an_error_bar():
    rows = [row("Essex", 110, 120), row("Hertfordshire", 130, 181), row("Kent", 1900, 2000)]
    chart = force_bar_chart(rows, WILSON_95)
    assert list(chart.figure.layout.xaxis.categoryarray) == ["Kent", "Essex", "Hertfordshire"]
    traces = traces_by_name(chart)
    reliable, unreliable = traces["Reliable"], traces["Not statistically reliable"]
    assert list(reliable.x) == ["Kent"]
    assert list(unreliable.x) == ["Essex", "Hertfordshire"]
    essex = rows[0]
    assert unreliable.error_y.array[0] == pytest.approx(essex.ci_high - essex.rate)
    assert unreliable.error_y.arrayminus[0] == pytest.approx(essex.rate - essex.ci_low)
    assert essex.ci_low == pytest.approx(0.853, abs=5e-4)
    # Reliability is a pattern and a legend name as well as a colour.
    assert unreliable.marker.pattern.shape == NOT_RELIABLE_PATTERN
    assert "Not statistically reliable" in unreliable.hovertext[0]
    assert "85.3% to 95.4%" in unreliable.hovertext[0]


def test_a_figure_without_cases_is_left_off_the_chart():
    empty = FigureRow("Dorset", "Recording rate", 0, 0, None, None, None, None, "no cases")
    chart = force_bar_chart([row("Essex", 110, 120), empty], WILSON_95)
    assert list(chart.figure.layout.xaxis.categoryarray) == ["Essex"]


def test_funnel_limits_are_the_ones_stats_gives():
    rows = [row("Essex", 110, 120), row("Hertfordshire", 130, 181)]
    funnel = funnel_data(rows, 0.8)
    for level in (0.95, 0.998):
        for n, low, high in funnel.curves[level]:
            assert (low, high) == stats.funnel_limits(0.8, n, level)
    sizes = [n for n, _, _ in funnel.curves[0.95]]
    assert sizes == sorted(sizes) and sizes[-1] > 181  # the funnel reaches past every force

    chart = funnel_chart(rows, WILSON_95, funnel, target_name="Programme rate")
    lines = [trace for trace in chart.figure.data if trace.mode == "lines"]
    upper_998 = [t for t in lines if t.name == "99.8% limits"][1]
    assert list(upper_998.y) == [high for _, _, high in funnel.curves[0.998]]


def test_outliers_are_found_by_stats_and_named_on_the_plot():
    rows = [
        row("Essex", 110, 120),  # 91.7% against a target of 75%: far above
        row("Hertfordshire", 130, 181),  # 71.8%: within chance
        row("Cheshire", 20, 90),  # 22%: far below
    ]
    funnel = funnel_data(rows, 0.75)
    assert funnel.outliers == {"Essex": "above", "Cheshire": "below"}
    for r in rows:
        assert stats.is_outlier(r.numerator, r.denominator, 0.75, 0.998) == (
            r.name in funnel.outliers
        )
    chart = funnel_chart(rows, WILSON_95, funnel, target_name="Programme rate")
    labels = {label.text: label for label in chart.figure.layout.annotations}
    assert set(labels) == {"Essex", "Cheshire"}
    # Each name points at its own force's point, above it if above the limits, below if below.
    essex, cheshire = rows[0], rows[2]
    assert (labels["Essex"].x, labels["Essex"].y) == (essex.denominator, essex.rate)
    assert (labels["Cheshire"].x, labels["Cheshire"].y) == (cheshire.denominator, cheshire.rate)
    assert labels["Essex"].ay < 0 < labels["Cheshire"].ay  # screen offsets: negative is up
    assert "Cheshire" in chart.summary and "Essex" in chart.summary
    hover = [h for t in chart.figure.data if t.hovertext for h in t.hovertext]
    assert any("Outlier: above the 99.8% limits" in h for h in hover)


def test_shortfall_chart_shows_one_minus_the_rate_with_its_interval_flipped():
    essex = row("Violence", 110, 120)
    chart = shortfall_bar_chart(
        [essex], WILSON_95, chart_id="chart-g", title="Under-recording", axis_title="share"
    )
    (trace,) = chart.figure.data
    assert trace.x[0] == pytest.approx(1 - essex.rate)
    assert trace.error_x.array[0] == pytest.approx(essex.rate - essex.ci_low)
    assert trace.error_x.arrayminus[0] == pytest.approx(essex.ci_high - essex.rate)


def test_chart_json_cannot_end_its_script_element():
    rows = [row("</script><script>alert(1)</script>", 10, 20)]
    chart = force_bar_chart(rows, WILSON_95)
    payload = str(chart.json)
    assert "</script>" not in payload and "<" not in payload
    figure = json.loads(payload)  # still the same JSON once parsed
    assert figure["data"][0]["x"] == ["</script><script>alert(1)</script>"]


def test_every_chart_uses_the_same_colours():
    rows = [row("A", 1900, 2000), row("B", 50, 60)]
    bar = force_bar_chart(rows, WILSON_95)
    regions = comparison_bar_chart(rows, WILSON_95, chart_id="chart-r", title="r")
    for chart in (bar, regions):
        colours = {t.name: t.marker.color for t in chart.figure.data}
        assert colours == {
            "Reliable": RELIABLE_COLOUR,
            "Not statistically reliable": NOT_RELIABLE_COLOUR,
        }


def test_every_chart_spec_is_a_figure_plotly_accepts():
    rows = [row("A", 1900, 2000), row("B", 50, 60)]
    funnel = funnel_data(rows, 0.9)
    built = [
        force_bar_chart(rows, WILSON_95, reference=rows[0]),
        shortfall_bar_chart(rows, WILSON_95, chart_id="c", title="t", axis_title="a"),
        comparison_bar_chart(rows, WILSON_95, chart_id="c", title="t"),
        trend_chart(rows, WILSON_95, title="t"),
        funnel_chart(rows, WILSON_95, funnel, target_name="Programme rate"),
    ]
    for chart in built:
        # Building the figure validates every attribute; plotly raises on any it does not know.
        assert chart.figure.data
        assert json.loads(str(chart.json))["data"]


# --- coloured by the verdict against the programme ------------------------------------------


def judged_rows(target=0.8):
    rows = [row("Kent", 1900, 2000), row("Essex", 110, 120), row("Cheshire", 20, 90)]
    rows.append(row("Gwent", 80, 100))
    for each in rows:
        each.versus = judgement.versus(target, each.ci_low, each.ci_high)
    return rows


def relative_luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_each_verdict_colour_passes_wcag_aa_against_the_background():
    # 3:1 is AA for graphics; the three also reach 4.5:1, AA for text.
    for verdict, colour in VERSUS_COLOURS.items():
        assert contrast(colour, BACKGROUND_COLOUR) >= 4.5, verdict
    assert len(set(VERSUS_COLOURS.values())) == 3


def test_force_bars_take_their_verdicts_colour_and_say_it_under_each_bar():
    rows = judged_rows()
    assert [r.versus for r in rows] == ["better", "better", "worse", "similar"]
    chart = force_bar_chart(rows, WILSON_95)
    traces = traces_by_name(chart)
    better = traces["Better than the programme"]
    assert list(better.x) == ["Kent"] and better.marker.color == VERSUS_COLOURS["better"]
    unreliable_better = traces["Better than the programme,<br>not statistically reliable"]
    assert list(unreliable_better.x) == ["Essex"]
    assert unreliable_better.marker.pattern.shape == NOT_RELIABLE_PATTERN
    worse = traces["Worse than the programme,<br>not statistically reliable"]
    assert list(worse.x) == ["Cheshire"] and worse.marker.color == VERSUS_COLOURS["worse"]
    assert "Worse than the programme" in worse.hovertext[0]
    similar = traces["Similar to the programme,<br>not statistically reliable"]
    assert similar.marker.color == VERSUS_COLOURS["similar"]
    axis = chart.figure.layout.xaxis
    labels = dict(zip(axis.tickvals, axis.ticktext, strict=True))
    assert labels == {
        "Kent": "Kent (better)",
        "Essex": "Essex (better)",
        "Gwent": "Gwent (similar)",
        "Cheshire": "Cheshire (worse)",
    }
    assert "green better, grey similar, red worse" in chart.summary


def test_force_bars_without_a_programme_to_judge_against_keep_the_reliability_colours():
    chart = force_bar_chart([row("Kent", 1900, 2000), row("Essex", 110, 120)], WILSON_95)
    assert set(traces_by_name(chart)) == {"Reliable", "Not statistically reliable"}
    assert chart.figure.layout.xaxis.ticktext is None


def test_funnel_points_take_their_verdicts_colour_and_shape_and_outliers_say_it():
    rows = judged_rows()
    funnel = funnel_data(rows, 0.8)
    chart = funnel_chart(rows, WILSON_95, funnel, target_name="Programme rate")
    points = {t.name: t for t in chart.figure.data if t.mode == "markers"}
    assert set(points) == {
        "Better than the programme",
        "Better than the programme,<br>not statistically reliable",
        "Worse than the programme,<br>not statistically reliable",
        "Similar to the programme,<br>not statistically reliable",
    }
    worse = points["Worse than the programme,<br>not statistically reliable"]
    assert worse.marker.color == VERSUS_COLOURS["worse"]
    assert worse.marker.symbol == "triangle-down-open"
    assert points["Better than the programme"].marker.symbol == "triangle-up"
    assert points["Similar to the programme,<br>not statistically reliable"].marker.symbol == (
        "circle-open"
    )
    labels = {label.text for label in chart.figure.layout.annotations}
    assert "Cheshire (worse)" in labels

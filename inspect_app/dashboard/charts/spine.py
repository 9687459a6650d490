"""The spine chart: a force's six figures, each on its own line against the range of
every force in the programme and the programme's target.

Each figure's point is coloured by its comparison with the target and carries the word
(better, similar, worse) beside it: the colour is never the only sign.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app.dashboard.charts.drawing import (
    OUTLINE_COLOUR,
    POINT_SIZE,
    VERSUS_COLOURS,
    VERSUS_SYMBOLS,
    Chart,
    base_layout,
    category_axis,
    percent,
)

RANGE_COLOUR = "#b1b4b6"


@dataclass(frozen=True)
class SpineLine:
    """One figure of the force beside the spread of every force."""

    label: str
    rate: float
    ci_low: float
    ci_high: float
    target: float
    lowest: float
    highest: float
    versus: str


def spine_chart(lines: list[SpineLine], *, force_name: str, table_id: str = "") -> Chart:
    """Each figure of the force (a point with its interval) on the range of every force."""
    labels = [line.label for line in lines]
    traces = [
        {
            "type": "scatter",
            "name": "Range of every force",
            "x": [value for line in lines for value in (line.lowest, line.highest, None)],
            "y": [value for line in lines for value in (line.label, line.label, None)],
            "mode": "lines",
            "line": {"color": RANGE_COLOUR, "width": 14},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "name": "Programme target",
            "x": [line.target for line in lines],
            "y": labels,
            "mode": "markers",
            "marker": {
                "symbol": "line-ns",
                "size": 26,
                "line": {"color": OUTLINE_COLOUR, "width": 3},
            },
            "hovertext": [f"{line.label}: programme {percent(line.target)}" for line in lines],
            "hoverinfo": "text",
        },
    ]
    for verdict, colour in VERSUS_COLOURS.items():
        group = [line for line in lines if line.versus == verdict]
        if not group:
            continue
        traces.append(
            {
                "type": "scatter",
                "name": f"{force_name}: {verdict} than the programme"
                if verdict != "similar"
                else f"{force_name}: similar to the programme",
                "x": [line.rate for line in group],
                "y": [line.label for line in group],
                "mode": "markers+text",
                "text": [verdict for _ in group],
                "textposition": "top center",
                "textfont": {"color": OUTLINE_COLOUR},
                "marker": {
                    "size": POINT_SIZE + 2,
                    "symbol": VERSUS_SYMBOLS[verdict],
                    "color": colour,
                    "line": {"color": OUTLINE_COLOUR, "width": 1},
                },
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [line.ci_high - line.rate for line in group],
                    "arrayminus": [line.rate - line.ci_low for line in group],
                    "color": OUTLINE_COLOUR,
                    "thickness": 1.5,
                    "width": 4,
                },
                "hovertext": [
                    f"{line.label}: {percent(line.rate)} ({percent(line.ci_low)} to "
                    f"{percent(line.ci_high)}), {verdict}; forces from {percent(line.lowest)} "
                    f"to {percent(line.highest)}"
                    for line in group
                ],
                "hoverinfo": "text",
            }
        )
    layout = base_layout(
        height=120 + 70 * len(lines),
        xaxis={
            "title": {"text": "Rate"},
            "tickformat": ".0%",
            "range": [max(0.0, min(line.lowest for line in lines) - 0.1), 1.02],
            "gridcolor": "#dddddd",
            "automargin": True,
        },
        yaxis={**category_axis(labels), "autorange": "reversed"},
    )
    return Chart(
        "chart-spine",
        f"{force_name}: six figures against every force",
        {"data": traces, "layout": layout},
        table_id=table_id,
        summary="Each figure's grey bar spans every force in the programme; the black mark "
        "is the programme's rate; the point is this force, with its interval and its "
        "comparison written beside it.",
    )

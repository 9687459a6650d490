"""Bar charts: forces by rate, places by shortfall, regions side by side."""

from __future__ import annotations

from inspect_app.dashboard.charts.drawing import (
    OUTLINE_COLOUR,
    VERSUS_COLOURS,
    Chart,
    bar_traces,
    base_layout,
    category_axis,
    count_of,
    percent,
    rate_axis,
    verdict_bar_traces,
)
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import FigureRow


def force_bar_chart(
    rows: list[FigureRow],
    presentation: Presentation,
    *,
    chart_id: str = "chart-forces",
    title: str | None = None,
    reference: FigureRow | None = None,
    table_id: str = "",
) -> Chart:
    """Each force's rate as a bar, highest first, with its interval and the programme line.

    Where the forces are judged against the programme (``row.versus``), each bar takes
    its verdict's colour and its label says the verdict in words ("Essex (better)").
    """
    shown = sorted((row for row in rows if row.available), key=lambda row: (-row.rate, row.name))
    title = title or f"{presentation.metric_label} by force"
    judged = bool(shown) and all(row.versus in VERSUS_COLOURS for row in shown)
    names = [row.name for row in shown]
    xaxis = {"categoryorder": "array", "categoryarray": names, "tickangle": -45, "automargin": True}
    if judged:
        xaxis.update(
            tickmode="array",
            tickvals=names,
            # On one line: two lines of labels slanted side by side ran into each other.
            ticktext=[f"{row.name} ({row.versus})" for row in shown],
        )
    layout = base_layout(
        barmode="overlay",
        yaxis=rate_axis(presentation.metric_label),
        xaxis=xaxis,
    )
    if reference is not None and reference.available:
        # Named in the legend rather than written on the plot, where the
        # words sat on top of the bars.
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": reference.rate,
                "y1": reference.rate,
                "line": {"color": OUTLINE_COLOUR, "width": 2, "dash": "dash"},
                "name": f"{reference.name}: {percent(reference.rate)}",
                "showlegend": True,
            }
        ]
    summary = (
        f"{count_of(len(shown), 'force')}, highest rate first; the lines on each bar "
        f"show its {presentation.describe()}."
    )
    if judged:
        summary += (
            " Each bar is coloured by how the force compares with the programme: green "
            "better, grey similar, red worse, the word under each bar."
        )
    traces = verdict_bar_traces(shown, presentation) if judged else bar_traces(shown, presentation)
    return Chart(
        chart_id,
        title,
        {"data": traces, "layout": layout},
        table_id=table_id,
        summary=summary,
    )


def shortfall_bar_chart(
    rows: list[FigureRow],
    presentation: Presentation,
    *,
    chart_id: str,
    title: str,
    axis_title: str,
    table_id: str = "",
) -> Chart:
    """The share falling short (1 − rate: under-recording for the recording rate), largest first."""
    shown = sorted(
        (row for row in rows if row.available), key=lambda row: (row.shortfall, row.name)
    )
    layout = base_layout(
        barmode="overlay",
        xaxis=rate_axis(axis_title),
        yaxis=category_axis([row.name for row in shown]),
        height=max(320, 90 + 40 * len(shown)),
    )
    return Chart(
        chart_id,
        title,
        {
            "data": bar_traces(shown, presentation, shortfall=True, horizontal=True),
            "layout": layout,
        },
        table_id=table_id,
        summary=f"{count_of(len(shown), 'bar')}, largest share first: each is 100% minus the "
        f"{presentation.metric_label.lower()} in the table, with its {presentation.describe()}.",
    )


def comparison_bar_chart(
    rows: list[FigureRow],
    presentation: Presentation,
    *,
    chart_id: str,
    title: str,
    table_id: str = "",
) -> Chart:
    """Rates of a few places (regions) in reading order, each with its interval."""
    shown = [row for row in rows if row.available]
    layout = base_layout(
        barmode="overlay",
        yaxis=rate_axis(presentation.metric_label),
        xaxis=category_axis([row.name for row in shown], tickangle=-30),
    )
    spec = {"data": bar_traces(shown, presentation), "layout": layout}
    summary = f"{count_of(len(shown), 'bar')}."
    return Chart(chart_id, title, spec, table_id=table_id, summary=summary)

"""The trend chart: one force's figure in each programme it was inspected in."""

from __future__ import annotations

from inspect_app.dashboard.charts.drawing import (
    Chart,
    base_layout,
    category_axis,
    count_of,
    error_bars,
    hover_text,
    point_marker,
    rate_axis,
)
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import NOT_RELIABLE, RELIABLE, FigureRow


def trend_chart(
    rows: list[FigureRow],
    presentation: Presentation,
    *,
    chart_id: str = "chart-trend",
    title: str,
    table_id: str = "",
) -> Chart:
    """One force's figure across programmes, oldest first, each point with its interval."""
    shown = [row for row in rows if row.available]
    traces = []
    for reliable, name in ((True, RELIABLE), (False, NOT_RELIABLE)):
        group = [row for row in shown if bool(row.reliable) == reliable]
        if not group:
            continue
        traces.append(
            {
                "type": "scatter",
                "name": name,
                "x": [row.name for row in group],
                "y": [row.rate for row in group],
                "mode": "markers",
                "marker": point_marker(reliable),
                "error_y": error_bars(group),
                "hovertext": [hover_text(row, presentation) for row in group],
                "hoverinfo": "text",
            }
        )
    layout = base_layout(
        yaxis=rate_axis(presentation.metric_label),
        xaxis=category_axis([row.name for row in shown]),
    )
    spec = {"data": traces, "layout": layout}
    summary = f"{count_of(len(shown), 'programme')}."
    return Chart(chart_id, title, spec, table_id=table_id, summary=summary)

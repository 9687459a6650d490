"""Every chart of the dashboard, built in Python with plotly from rows of stored figures.

Pages embed a chart as JSON (``Chart.json``) in a ``<script
type="application/json">`` element; ``static/js/charts.js`` draws it with
``Plotly.newPlot``. No executable script is ever written into a page, so the
site can run under a Content Security Policy without 'unsafe-inline'.

Every bar and point carries its interval as an error bar, and its hover text
says in words whether the figure is reliable. Reliability is also drawn as a
shape (a hatched bar, a hollow point) and named in the legend, so it never
rests on colour alone. The colours are the GOV.UK palette, the same on every
chart, and every mark is drawn in a colour that stands out from the white
background.

A chart's title is the page's heading above it (``_chart.html``), not text
inside the plot: plotly does not wrap a title, so on a phone one was clipped
and ran into the legend. ``static/js/charts.js`` puts the heading back into a
downloaded PNG. Axes set ``automargin`` so tick labels and axis titles always
fit inside the drawing.

The funnel plot's limits come from ``core.stats`` (``funnel_data``):
compliance has no function yet that takes a set of presented figures and
returns funnel-plot data, so ``funnel_data`` is a thin wrapper over
``stats.funnel_curve`` and ``stats.is_outlier`` and does no maths itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as plotly_io
from django.utils.safestring import mark_safe

from inspect_app.core import stats
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import NOT_RELIABLE, RELIABLE, FigureRow

# GOV.UK colours: one meaning each, on every chart.
RELIABLE_COLOUR = "#1d70b8"  # blue
NOT_RELIABLE_COLOUR = "#b1b4b6"  # mid grey, always with a hatched pattern
NOT_RELIABLE_PATTERN = "/"
BACKGROUND_COLOUR = "#ffffff"
OUTLINE_COLOUR = "#0b0c0c"  # text black: bar outlines, error bars, the programme line
LIMIT_COLOURS = {0.95: "#f47738", 0.998: "#d4351c"}  # orange, red
LIMIT_DASHES = {0.95: "dash", 0.998: "dot"}
FUNNEL_LEVELS = (0.95, 0.998)
OUTLIER_LEVEL = 0.998
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": OUTLINE_COLOUR}
POINT_SIZE = 12
# A long name on a category axis is wrapped at about this many characters,
# so a phone-width chart keeps room for its bars.
LABEL_WRAP = 20

# Characters that could end the <script> element or open markup inside it.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})


@dataclass
class Chart:
    """A plotly figure (as its ``{"data": …, "layout": …}`` spec) with what the page needs.

    The spec is plain dicts and lists in plotly's figure schema. Building a
    ``go.Figure`` validates every attribute, which costs tens of milliseconds
    a chart; pages serialise the spec directly (``json``) and the tests build
    ``figure`` from the same spec, so any attribute plotly would refuse fails
    a test rather than a reader's page.
    """

    id: str
    title: str
    spec: dict
    #: The table that holds the same numbers (the accessible alternative).
    table_id: str = ""
    summary: str = ""

    @property
    def figure(self) -> go.Figure:
        """The validated plotly figure (raises ValueError on anything plotly does not know)."""
        return go.Figure(self.spec)

    @property
    def json(self) -> str:
        """The figure as JSON, safe inside ``<script type="application/json">``."""
        text = plotly_io.to_json(self.spec, validate=False)
        return mark_safe(text.translate(_SCRIPT_SAFE))

    @property
    def filename(self) -> str:
        return self.id.removeprefix("chart-")


# --- words shared by hover text and tables -------------------------------------------------


def percent(value: float | None, places: int = 1) -> str:
    return "no figure" if value is None else f"{value * 100:.{places}f}%"


def count_of(number: int, thing: str) -> str:
    """'1 programme', '3 programmes'."""
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def hover_text(row: FigureRow, presentation: Presentation, extra: str = "") -> str:
    """What a reader sees on hovering a bar or point: the figure, its interval and reliability."""
    if not row.available:
        return f"{row.name}<br>{row.metric}: {row.reliability}"
    lines = [
        f"<b>{row.name}</b>",
        f"{row.metric}: {percent(row.rate)}",
        f"{presentation.describe()}: {percent(row.ci_low)} to {percent(row.ci_high)}",
        f"{row.numerator:,} of {row.denominator:,} cases",
        f"{row.reliability}: {row.margin_text}",
    ]
    if extra:
        lines.append(extra)
    return "<br>".join(lines)


def _layout(**overrides) -> dict:
    layout = {
        "font": FONT,
        "plot_bgcolor": BACKGROUND_COLOUR,
        "paper_bgcolor": BACKGROUND_COLOUR,
        # Small fixed margins: each axis's automargin adds what its labels need;
        # the top leaves room for names written above the highest points.
        "margin": {"l": 10, "r": 20, "t": 40, "b": 10},
        # The key goes under the chart, where it has the whole width to wrap in.
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        },
        "hoverlabel": {"font": {"family": FONT["family"], "size": 14}},
    }
    layout.update(overrides)
    return layout


def _rate_axis(title: str) -> dict:
    return {
        "title": {"text": title},
        "tickformat": ".0%",
        "range": [0, 1.02],
        "gridcolor": "#dddddd",
        "zeroline": False,
        "automargin": True,
    }


def _category_axis(names: list[str], **extra) -> dict:
    """Categories in the given order, long names wrapped onto two or more lines."""
    return {
        "categoryorder": "array",
        "categoryarray": names,
        "tickmode": "array",
        "tickvals": names,
        "ticktext": [wrap_label(name) for name in names],
        "automargin": True,
        **extra,
    }


def wrap_label(name: str, width: int = LABEL_WRAP) -> str:
    """'Miscellaneous crimes against society' → 'Miscellaneous crimes<br>against society'."""
    lines, line = [], ""
    for word in name.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _point_marker(reliable: bool) -> dict:
    """A reliable figure is a solid blue point; an unreliable one a hollow black ring.

    An open symbol draws its ring in ``color`` (``line.color`` is ignored), so
    the ring's colour goes there: white, it was invisible on the white plot.
    """
    if reliable:
        return {
            "size": POINT_SIZE,
            "symbol": "circle",
            "color": RELIABLE_COLOUR,
            "line": {"color": OUTLINE_COLOUR, "width": 1},
        }
    return {
        "size": POINT_SIZE,
        "symbol": "circle-open",
        "color": OUTLINE_COLOUR,
        "line": {"width": 2},
    }


def _error_bars(rows: list[FigureRow], *, shortfall: bool = False) -> dict:
    if shortfall:
        plus = [r.shortfall_high - r.shortfall for r in rows]
        minus = [r.shortfall - r.shortfall_low for r in rows]
    else:
        plus = [r.ci_high - r.rate for r in rows]
        minus = [r.rate - r.ci_low for r in rows]
    return {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": OUTLINE_COLOUR,
        "thickness": 1.5,
        "width": 4,
    }


def _bar_traces(
    rows: list[FigureRow],
    presentation: Presentation,
    *,
    shortfall: bool = False,
    horizontal: bool = False,
    extras: dict[str, str] | None = None,
) -> list[dict]:
    """Bars split into a reliable and a not-reliable trace, so the legend names each in words."""
    traces = []
    for reliable, name in ((True, RELIABLE), (False, NOT_RELIABLE)):
        group = [row for row in rows if row.available and bool(row.reliable) == reliable]
        if not group:
            continue
        values = [row.shortfall if shortfall else row.rate for row in group]
        names = [row.name for row in group]
        marker = {
            "color": RELIABLE_COLOUR if reliable else NOT_RELIABLE_COLOUR,
            "line": {"color": OUTLINE_COLOUR, "width": 1},
        }
        if not reliable:
            # "overlay" keeps the grey under the hatching; plotly's default
            # ("replace") drops it and leaves black lines on white.
            marker["pattern"] = {
                "shape": NOT_RELIABLE_PATTERN,
                "fgcolor": OUTLINE_COLOUR,
                "fillmode": "overlay",
            }
        error = _error_bars(group, shortfall=shortfall)
        trace = {
            "name": name,
            "marker": marker,
            "hovertext": [
                hover_text(row, presentation, (extras or {}).get(row.name, "")) for row in group
            ],
            "hoverinfo": "text",
        }
        if horizontal:
            trace.update(x=values, y=names, orientation="h", error_x=error)
        else:
            trace.update(x=names, y=values, error_y=error)
        traces.append({"type": "bar", **trace})
    return traces


# --- the charts ----------------------------------------------------------------------------


def force_bar_chart(
    rows: list[FigureRow],
    presentation: Presentation,
    *,
    chart_id: str = "chart-forces",
    title: str | None = None,
    reference: FigureRow | None = None,
    table_id: str = "",
) -> Chart:
    """Each force's rate as a bar, highest first, with its interval and the programme line."""
    shown = sorted((row for row in rows if row.available), key=lambda row: (-row.rate, row.name))
    title = title or f"{presentation.metric_label} by force"
    layout = _layout(
        barmode="overlay",
        yaxis=_rate_axis(presentation.metric_label),
        xaxis={
            "categoryorder": "array",
            "categoryarray": [row.name for row in shown],
            "tickangle": -45,
            "automargin": True,
        },
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
    return Chart(
        chart_id,
        title,
        {"data": _bar_traces(shown, presentation), "layout": layout},
        table_id=table_id,
        summary=f"{count_of(len(shown), 'force')}, highest rate first; the lines on each bar "
        f"show its {presentation.describe()}.",
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
    layout = _layout(
        barmode="overlay",
        xaxis=_rate_axis(axis_title),
        yaxis=_category_axis([row.name for row in shown]),
        height=max(320, 90 + 40 * len(shown)),
    )
    return Chart(
        chart_id,
        title,
        {
            "data": _bar_traces(shown, presentation, shortfall=True, horizontal=True),
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
    layout = _layout(
        barmode="overlay",
        yaxis=_rate_axis(presentation.metric_label),
        xaxis=_category_axis([row.name for row in shown], tickangle=-30),
    )
    spec = {"data": _bar_traces(shown, presentation), "layout": layout}
    summary = f"{count_of(len(shown), 'bar')}."
    return Chart(chart_id, title, spec, table_id=table_id, summary=summary)


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
                "marker": _point_marker(reliable),
                "error_y": _error_bars(group),
                "hovertext": [hover_text(row, presentation) for row in group],
                "hoverinfo": "text",
            }
        )
    layout = _layout(
        yaxis=_rate_axis(presentation.metric_label),
        xaxis=_category_axis([row.name for row in shown]),
    )
    spec = {"data": traces, "layout": layout}
    summary = f"{count_of(len(shown), 'programme')}."
    return Chart(chart_id, title, spec, table_id=table_id, summary=summary)


# --- the funnel plot -----------------------------------------------------------------------


@dataclass
class FunnelData:
    """The funnel's limits around a target and which forces lie outside them."""

    target_rate: float
    #: confidence → [(n, low, high), …] from ``stats.funnel_curve``.
    curves: dict[float, list[tuple[int, float, float]]]
    #: force name → "above" or "below" the 99.8% limits.
    outliers: dict[str, str] = field(default_factory=dict)


def funnel_sizes(largest: int, points: int = 60) -> list[int]:
    """Sample sizes to draw the limits at: dense where the funnel bends, up past the largest n."""
    top = max(10, int(largest * 1.15) + 1)
    sizes = {max(1, round(top * (step / points) ** 2)) for step in range(1, points + 1)}
    return sorted(sizes | {top})


# Exact binomial limits cost about a millisecond each, and the same stored
# figures ask for the same limits on every request until the next recompute;
# the answers depend on their arguments alone, so each process keeps recent ones.
@lru_cache(maxsize=64)
def _funnel_curve(target_rate: float, largest: int) -> dict:
    return stats.funnel_curve(target_rate, funnel_sizes(largest), FUNNEL_LEVELS)


@lru_cache(maxsize=4096)
def _is_outlier(numerator: int, denominator: int, target_rate: float) -> bool:
    return stats.is_outlier(numerator, denominator, target_rate, OUTLIER_LEVEL)


def funnel_data(rows: list[FigureRow], target_rate: float) -> FunnelData:
    """Funnel limits and outliers for a set of force rows, via ``core.stats``.

    A thin stand-in for a compliance function taking presented figures; it
    only calls ``stats.funnel_curve`` and ``stats.is_outlier`` (remembering
    recent answers, which depend on nothing but their arguments).
    """
    counted = [row for row in rows if row.available]
    largest = max((row.denominator for row in counted), default=10)
    curves = _funnel_curve(float(target_rate), int(largest))
    outliers = {}
    for row in counted:
        if _is_outlier(row.numerator, row.denominator, float(target_rate)):
            outliers[row.name] = "above" if row.rate > target_rate else "below"
    return FunnelData(target_rate=target_rate, curves=curves, outliers=outliers)


def outlier_words(direction: str) -> str:
    if not direction:
        return "Within the 99.8% limits"
    return f"Outlier: {direction} the 99.8% limits"


# Outliers' names stand this far (pixels) from their points, each a step
# further than the last on the same side, so neighbours' names do not overlap.
LABEL_OFFSETS = (28, 50, 72)


def _outlier_labels(rows: list[FigureRow], funnel: FunnelData, largest: int) -> list[dict]:
    """Each outlier's name on a short line from its point, away from the funnel.

    Names above the limits go above their points, those below beneath; one in
    the right half leans left, so it never runs off the chart. Neighbours (in
    order of sample size) take turns at three distances.
    """
    labels = []
    steps = {"above": 0, "below": 0}
    for row in sorted(rows, key=lambda row: row.denominator):
        direction = funnel.outliers.get(row.name)
        if not direction:
            continue
        offset = LABEL_OFFSETS[steps[direction] % len(LABEL_OFFSETS)]
        steps[direction] += 1
        labels.append(
            {
                "x": row.denominator,
                "y": row.rate,
                "text": row.name,
                "showarrow": True,
                "arrowhead": 0,
                "arrowwidth": 1,
                "arrowcolor": OUTLINE_COLOUR,
                "ax": -24 if row.denominator > largest / 2 else 24,
                "ay": offset if direction == "below" else -offset,
                "bgcolor": BACKGROUND_COLOUR,
                "borderpad": 2,
            }
        )
    return labels


def funnel_chart(
    rows: list[FigureRow],
    presentation: Presentation,
    funnel: FunnelData,
    *,
    target_name: str,
    chart_id: str = "chart-funnel",
    table_id: str = "",
) -> Chart:
    """Each force's rate against its sample size, inside 95% and 99.8% limits; outliers named."""
    title = f"{presentation.metric_label} against sample size (funnel plot)"
    traces = []
    for level in FUNNEL_LEVELS:
        curve = funnel.curves[level]
        sizes = [n for n, _, _ in curve]
        label = f"{level * 100:g}% limits"
        style = {"color": LIMIT_COLOURS[level], "dash": LIMIT_DASHES[level], "width": 2}
        for bound, values in (
            ("lower", [low for _, low, _ in curve]),
            ("upper", [h for *_, h in curve]),
        ):
            traces.append(
                {
                    "type": "scatter",
                    "x": sizes,
                    "y": values,
                    "mode": "lines",
                    "name": label,
                    "legendgroup": label,
                    "showlegend": bound == "lower",
                    "line": style,
                    "hoverinfo": "skip",
                }
            )
    largest = max(n for n, _, _ in funnel.curves[FUNNEL_LEVELS[0]])
    traces.append(
        {
            "type": "scatter",
            "x": [0, largest],
            "y": [funnel.target_rate, funnel.target_rate],
            "mode": "lines",
            "name": f"{target_name}: {percent(funnel.target_rate)}",
            "line": {"color": OUTLINE_COLOUR, "width": 2},
            "hoverinfo": "skip",
        }
    )
    counted = [row for row in rows if row.available]
    for reliable, name in ((True, RELIABLE), (False, NOT_RELIABLE)):
        group = [row for row in counted if bool(row.reliable) == reliable]
        if not group:
            continue
        traces.append(
            {
                "type": "scatter",
                "name": f"Force: {name.lower()}",
                "x": [row.denominator for row in group],
                "y": [row.rate for row in group],
                "mode": "markers",
                "marker": _point_marker(reliable),
                "hovertext": [
                    hover_text(row, presentation, outlier_words(funnel.outliers.get(row.name, "")))
                    for row in group
                ],
                "hoverinfo": "text",
            }
        )
    layout = _layout(
        annotations=_outlier_labels(counted, funnel, largest),
        xaxis={
            "title": {"text": "Sample size (n)"},
            "rangemode": "tozero",
            "gridcolor": "#dddddd",
            "automargin": True,
        },
        yaxis=_rate_axis(presentation.metric_label),
    )
    names = ", ".join(sorted(funnel.outliers)) or "none"
    return Chart(
        chart_id,
        title,
        {"data": traces, "layout": layout},
        table_id=table_id,
        summary=f"Limits around {target_name.lower()}: {percent(funnel.target_rate)}. "
        f"Forces outside the 99.8% limits: {names}.",
    )

"""Every chart of the dashboard, built in Python with plotly from rows of stored figures.

Pages embed a chart as JSON (``Chart.json``) in a ``<script
type="application/json">`` element; ``static/js/charts.js`` draws it with
``Plotly.newPlot``. No executable script is ever written into a page, so the
site can run under a Content Security Policy without 'unsafe-inline'.

Every bar and point carries its interval as an error bar, and its hover text
says in words whether the figure is reliable. Reliability is also drawn with a
hatched pattern and named in the legend, so it never rests on colour alone.
The colours are the GOV.UK palette, the same on every chart.

The funnel plot's limits come from ``compliance.stats`` (``funnel_data``):
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

from inspect_app.compliance import stats
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import NOT_RELIABLE, RELIABLE, FigureRow

# GOV.UK colours: one meaning each, on every chart.
RELIABLE_COLOUR = "#1d70b8"  # blue
NOT_RELIABLE_COLOUR = "#b1b4b6"  # mid grey, always with a hatched pattern
NOT_RELIABLE_PATTERN = "/"
OUTLINE_COLOUR = "#0b0c0c"  # text black: bar outlines, error bars, the programme line
LIMIT_COLOURS = {0.95: "#f47738", 0.998: "#d4351c"}  # orange, red
LIMIT_DASHES = {0.95: "dash", 0.998: "dot"}
FUNNEL_LEVELS = (0.95, 0.998)
OUTLIER_LEVEL = 0.998
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": OUTLINE_COLOUR}

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


def hover_text(row: FigureRow, presentation: Presentation, extra: str = "") -> str:
    """What a reader sees on hovering a bar or point: the figure, its interval and reliability."""
    if not row.available:
        return f"{row.name}<br>{row.metric}: {row.reliability}"
    lines = [
        f"<b>{row.name}</b>",
        f"{row.metric}: {percent(row.rate)}",
        f"{presentation.describe()}: {percent(row.ci_low)} to {percent(row.ci_high)}",
        f"{row.numerator:,} of {row.denominator:,} cases",
        row.reliability,
    ]
    if extra:
        lines.append(extra)
    return "<br>".join(lines)


def _layout(title: str, **overrides) -> dict:
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "font": FONT,
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "margin": {"l": 70, "r": 20, "t": 60, "b": 120},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
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
            marker["pattern"] = {"shape": NOT_RELIABLE_PATTERN, "fgcolor": OUTLINE_COLOUR}
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
        title,
        barmode="overlay",
        yaxis=_rate_axis(presentation.metric_label),
        xaxis={
            "categoryorder": "array",
            "categoryarray": [row.name for row in shown],
            "tickangle": -45,
        },
    )
    if reference is not None and reference.available:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": reference.rate,
                "y1": reference.rate,
                "line": {"color": OUTLINE_COLOUR, "width": 2, "dash": "dash"},
            }
        ]
        layout["annotations"] = [
            {
                "xref": "paper",
                "x": 0,
                "y": reference.rate,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "bgcolor": "#ffffff",
                "text": f"{reference.name}: {percent(reference.rate)}",
            }
        ]
    return Chart(
        chart_id,
        title,
        {"data": _bar_traces(shown, presentation), "layout": layout},
        table_id=table_id,
        summary=f"{len(shown)} forces, highest rate first; the lines on each bar show its "
        f"{presentation.describe()}.",
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
        title,
        barmode="overlay",
        xaxis=_rate_axis(axis_title),
        yaxis={
            "categoryorder": "array",
            "categoryarray": [row.name for row in shown],
            "automargin": True,
        },
        margin={"l": 20, "r": 20, "t": 60, "b": 60},
        height=max(320, 60 + 34 * len(shown)),
    )
    return Chart(
        chart_id,
        title,
        {
            "data": _bar_traces(shown, presentation, shortfall=True, horizontal=True),
            "layout": layout,
        },
        table_id=table_id,
        summary=f"{len(shown)} bars, largest share first, each with its {presentation.describe()}.",
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
        title,
        barmode="overlay",
        yaxis=_rate_axis(presentation.metric_label),
        xaxis={
            "categoryorder": "array",
            "categoryarray": [row.name for row in shown],
            "tickangle": -30,
        },
    )
    spec = {"data": _bar_traces(shown, presentation), "layout": layout}
    return Chart(chart_id, title, spec, table_id=table_id, summary=f"{len(shown)} bars.")


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
                "marker": {
                    "size": 12,
                    "color": RELIABLE_COLOUR if reliable else "#ffffff",
                    "symbol": "circle" if reliable else "circle-open",
                    "line": {"color": RELIABLE_COLOUR if reliable else OUTLINE_COLOUR, "width": 2},
                },
                "error_y": _error_bars(group),
                "hovertext": [hover_text(row, presentation) for row in group],
                "hoverinfo": "text",
            }
        )
    layout = _layout(
        title,
        yaxis=_rate_axis(presentation.metric_label),
        xaxis={"categoryorder": "array", "categoryarray": [row.name for row in shown]},
        margin={"l": 70, "r": 20, "t": 60, "b": 80},
    )
    spec = {"data": traces, "layout": layout}
    return Chart(chart_id, title, spec, table_id=table_id, summary=f"{len(shown)} programmes.")


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
    """Funnel limits and outliers for a set of force rows, via ``compliance.stats``.

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
                "mode": "markers+text",
                "text": [row.name if row.name in funnel.outliers else "" for row in group],
                "textposition": "middle right",
                "marker": {
                    "size": 11,
                    "color": RELIABLE_COLOUR if reliable else "#ffffff",
                    "symbol": "circle" if reliable else "circle-open",
                    "line": {"color": OUTLINE_COLOUR, "width": 1.5},
                },
                "hovertext": [
                    hover_text(row, presentation, outlier_words(funnel.outliers.get(row.name, "")))
                    for row in group
                ],
                "hoverinfo": "text",
            }
        )
    layout = _layout(
        title,
        xaxis={"title": {"text": "Sample size (n)"}, "rangemode": "tozero", "gridcolor": "#ddd"},
        yaxis=_rate_axis(presentation.metric_label),
        margin={"l": 70, "r": 20, "t": 80, "b": 60},
    )
    names = ", ".join(sorted(funnel.outliers)) or "none"
    return Chart(
        chart_id,
        title,
        {"data": traces, "layout": layout},
        table_id=table_id,
        summary=f"Limits around {target_name.lower()} ({percent(funnel.target_rate)}). "
        f"Forces outside the 99.8% limits: {names}.",
    )

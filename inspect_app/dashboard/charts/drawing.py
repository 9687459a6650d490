"""What every chart of the dashboard is drawn with: the ``Chart`` a page embeds, the
palette, the layout and axes, the markers and error bars, and the words of hover text.

plotly itself is imported only where a figure is validated or serialised
(``Chart.figure``, ``Chart.json``): building a chart's spec needs nothing but
dicts, and a command or a worker that never draws one never loads plotly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe

from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import NOT_RELIABLE, RELIABLE, FigureRow

if TYPE_CHECKING:
    import plotly.graph_objects as go

# GOV.UK colours: one meaning each, on every chart.
RELIABLE_COLOUR = "#1d70b8"  # blue
NOT_RELIABLE_COLOUR = "#b1b4b6"  # mid grey, always with a hatched pattern
NOT_RELIABLE_PATTERN = "/"
BACKGROUND_COLOUR = "#ffffff"
OUTLINE_COLOUR = "#0b0c0c"  # text black: bar outlines, error bars, the programme line
# Better, similar or worse than the programme (``core.judgement.versus``): green, dark
# grey and red, each also drawn with its own shape and written as a word beside its
# mark, so the colour is never the only sign. All three stand out from the white
# background by more than WCAG's 3:1 for graphics (4.5:1 and over).
VERSUS_COLOURS = {"better": "#00703c", "similar": "#505a5f", "worse": "#d4351c"}
VERSUS_SYMBOLS = {"better": "triangle-up", "similar": "circle", "worse": "triangle-down"}
VERSUS_LEGEND = {
    "better": "Better than the programme",
    "similar": "Similar to the programme",
    "worse": "Worse than the programme",
}
#: The hatching of a not-reliable bar drawn in a verdict's colour: white shows on all three.
VERSUS_PATTERN_COLOUR = BACKGROUND_COLOUR
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
        import plotly.graph_objects as go

        return go.Figure(self.spec)

    @property
    def json(self) -> str:
        """The figure as JSON, safe inside ``<script type="application/json">``."""
        import plotly.io as plotly_io

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


def base_layout(**overrides) -> dict:
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


def rate_axis(title: str) -> dict:
    return {
        "title": {"text": title},
        "tickformat": ".0%",
        "range": [0, 1.02],
        "gridcolor": "#dddddd",
        "zeroline": False,
        "automargin": True,
    }


def category_axis(names: list[str], **extra) -> dict:
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


def point_marker(reliable: bool) -> dict:
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


def verdict_marker(verdict: str, reliable: bool) -> dict:
    """A point coloured and shaped by its verdict: solid when reliable, an open outline
    (2 px, in the verdict's colour) when not."""
    symbol = VERSUS_SYMBOLS[verdict]
    if reliable:
        return {
            "size": POINT_SIZE + 2,
            "symbol": symbol,
            "color": VERSUS_COLOURS[verdict],
            "line": {"color": OUTLINE_COLOUR, "width": 1},
        }
    return {
        "size": POINT_SIZE + 2,
        "symbol": f"{symbol}-open",
        "color": VERSUS_COLOURS[verdict],
        "line": {"width": 2},
    }


def verdict_name(verdict: str, reliable: bool) -> str:
    """The legend's words for a verdict's marks: what the colour and shape mean."""
    name = VERSUS_LEGEND[verdict]
    # On two lines: one line of both ran past a phone's width.
    return name if reliable else f"{name},<br>{NOT_RELIABLE[0].lower()}{NOT_RELIABLE[1:]}"


def error_bars(rows: list[FigureRow], *, shortfall: bool = False) -> dict:
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


def verdict_bar_traces(
    rows: list[FigureRow], presentation: Presentation, *, extras: dict[str, str] | None = None
) -> list[dict]:
    """Bars coloured by their verdict against the programme, one trace per verdict and
    reliability so the legend names each; a not-reliable bar is hatched as everywhere."""
    traces = []
    for verdict, colour in VERSUS_COLOURS.items():
        for reliable in (True, False):
            group = [
                row
                for row in rows
                if row.available and row.versus == verdict and bool(row.reliable) == reliable
            ]
            if not group:
                continue
            marker = {"color": colour, "line": {"color": OUTLINE_COLOUR, "width": 1}}
            if not reliable:
                marker["pattern"] = {
                    "shape": NOT_RELIABLE_PATTERN,
                    "fgcolor": VERSUS_PATTERN_COLOUR,
                    "fillmode": "overlay",
                }
            traces.append(
                {
                    "type": "bar",
                    "name": verdict_name(verdict, reliable),
                    "legendgroup": verdict,
                    "x": [row.name for row in group],
                    "y": [row.rate for row in group],
                    "error_y": error_bars(group),
                    "marker": marker,
                    "hovertext": [
                        hover_text(
                            row,
                            presentation,
                            "; ".join(
                                part
                                for part in (
                                    VERSUS_LEGEND[verdict],
                                    (extras or {}).get(row.name, ""),
                                )
                                if part
                            ),
                        )
                        for row in group
                    ],
                    "hoverinfo": "text",
                }
            )
    return traces


def bar_traces(
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
        error = error_bars(group, shortfall=shortfall)
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

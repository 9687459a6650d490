"""The funnel plot: each force's rate against its sample size, inside the limits a
rate that size would stay within by chance, with the forces outside them named.

The limits and each force's place in them come from ``core.judgement``
(exact binomial limits, or overdispersed ones widened by the forces' own
spread), around the programme's one target (``judgement.targets``);
``funnel_data`` does no maths itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from inspect_app.core import judgement
from inspect_app.dashboard.charts.drawing import (
    BACKGROUND_COLOUR,
    OUTLINE_COLOUR,
    VERSUS_COLOURS,
    VERSUS_LEGEND,
    Chart,
    base_layout,
    hover_text,
    percent,
    point_marker,
    rate_axis,
    verdict_marker,
    verdict_name,
)
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import NOT_RELIABLE, RELIABLE, FigureRow

#: Beside a force drawn by a plan: why it stands where it does.
DESIGN_WORDS = (
    "Weighted by its sample's design: placed at the {worth:,.0f} cases drawn at random it is worth"
)

# 95% and 99.8% limits, drawn orange and red; only the wider makes an outlier.
FUNNEL_LEVELS = (0.95, 0.998)
OUTLIER_LEVEL = 0.998
LIMIT_COLOURS = {0.95: "#f47738", 0.998: "#d4351c"}  # orange, red
LIMIT_DASHES = {0.95: "dash", 0.998: "dot"}


@dataclass
class FunnelData:
    """The funnel's limits around a target and which forces lie outside them."""

    target_rate: float
    #: confidence → [(n, low, high), …] from ``stats.funnel_curve``.
    curves: dict[float, list[tuple[int, float, float]]]
    #: force name → "above" or "below" the 99.8% limits.
    outliers: dict[str, str] = field(default_factory=dict)
    #: force name → (within | alert | alarm, low | high).
    positions: dict[str, tuple[str, str]] = field(default_factory=dict)
    method: str = judgement.EXACT
    #: The overdispersion factor the limits were widened by (1: not widened).
    phi: float = 1.0


def funnel_sizes(largest: int, points: int = 60) -> list[int]:
    """Sample sizes to draw the limits at: dense where the funnel bends, up past the largest n."""
    top = max(10, int(largest * 1.15) + 1)
    sizes = {max(1, round(top * (step / points) ** 2)) for step in range(1, points + 1)}
    return sorted(sizes | {top})


# Exact binomial limits cost about a millisecond each, and the same stored
# figures ask for the same limits on every request until the next recompute;
# the answers depend on their arguments alone, so each process keeps recent ones.
@lru_cache(maxsize=64)
def _funnel_curve(target_rate: float, largest: int, method: str, phi: float) -> dict:
    return judgement.funnel_curve(target_rate, funnel_sizes(largest), method, phi)


def funnel_data(
    rows: list[FigureRow], target_rate: float, method: str = judgement.EXACT
) -> FunnelData:
    """Funnel limits, each force's place in them and the outliers, via ``core.judgement``.

    With ``method`` "overdispersed" the limits are widened by the forces' own
    overdispersion factor (never narrowed). Answers for the same arguments are
    remembered, as they depend on nothing else.
    """
    counted = [row for row in rows if row.available]
    # A force drawn by a plan stands at the sample size its weighted figure is worth.
    largest = max((row.judged_at[1] for row in counted), default=10)
    phi = 1.0
    if method == judgement.OVERDISPERSED:
        points = [row.judged_at for row in counted]
        phi = judgement.dispersion_factor(points, float(target_rate))
    curves = _funnel_curve(float(target_rate), int(largest), method, phi)
    outliers, positions = {}, {}
    for row in counted:
        level, side = judgement.funnel_position(*row.judged_at, float(target_rate), method, phi)
        positions[row.name] = (level, side)
        if level == judgement.ALARM:
            outliers[row.name] = "above" if side == judgement.HIGH else "below"
    return FunnelData(
        target_rate=target_rate,
        curves=curves,
        outliers=outliers,
        positions=positions,
        method=method,
        phi=phi,
    )


def position_words(level: str, side: str) -> str:
    """A force's place in the funnel in words, e.g. 'Alert: below the 95% limits'."""
    if level == judgement.WITHIN:
        return "Within the 95% limits"
    where = "below" if side == judgement.LOW else "above"
    limits = "99.8%" if level == judgement.ALARM else "95%"
    return f"{level.capitalize()}: {where} the {limits} limits"


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
    for row in sorted(rows, key=lambda row: row.judged_at[1]):
        direction = funnel.outliers.get(row.name)
        if not direction:
            continue
        offset = LABEL_OFFSETS[steps[direction] % len(LABEL_OFFSETS)]
        steps[direction] += 1
        labels.append(
            {
                "x": row.judged_at[1],
                "y": row.rate,
                "text": f"{row.name} ({row.versus})" if row.versus else row.name,
                "showarrow": True,
                "arrowhead": 0,
                "arrowwidth": 1,
                "arrowcolor": OUTLINE_COLOUR,
                "ax": -24 if row.judged_at[1] > largest / 2 else 24,
                "ay": offset if direction == "below" else -offset,
                "bgcolor": BACKGROUND_COLOUR,
                "borderpad": 2,
            }
        )
    return labels


def _force_points(group, presentation, funnel, verdict, reliable) -> dict:
    """One trace of forces' points: by verdict (colour and shape, named in the legend)
    where they are judged against the programme, else by reliability alone.

    Dozens of forces crowd the middle of a funnel, so a word beside every point would
    lie on its neighbours': the shape says the verdict without colour, and each outlier's
    name on the plot carries its verdict in words."""
    trace = {
        "type": "scatter",
        "x": [row.judged_at[1] for row in group],
        "y": [row.rate for row in group],
        "mode": "markers",
        "hoverinfo": "text",
    }
    if verdict is None:
        name = RELIABLE if reliable else NOT_RELIABLE
        trace.update(name=f"Force: {name.lower()}", marker=point_marker(reliable))
        extra = [outlier_words(funnel.outliers.get(row.name, "")) for row in group]
    else:
        trace.update(
            name=verdict_name(verdict, reliable),
            legendgroup=verdict,
            marker=verdict_marker(verdict, reliable),
        )
        extra = [
            f"{VERSUS_LEGEND[verdict]}; {outlier_words(funnel.outliers.get(row.name, ''))}"
            for row in group
        ]
    extra = [
        f"{words}<br>{DESIGN_WORDS.format(worth=row.judged_at[1])}"
        if row.weighted_by_design
        else words
        for row, words in zip(group, extra, strict=True)
    ]
    trace["hovertext"] = [
        hover_text(row, presentation, words) for row, words in zip(group, extra, strict=True)
    ]
    return trace


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
    if funnel.method == judgement.OVERDISPERSED:
        title += f", limits widened for overdispersion (φ = {funnel.phi:.2f})"
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
    judged = bool(counted) and all(row.versus in VERSUS_COLOURS for row in counted)
    for verdict in VERSUS_COLOURS if judged else (None,):
        for reliable in (True, False):
            group = [
                row
                for row in counted
                if bool(row.reliable) == reliable and (verdict is None or row.versus == verdict)
            ]
            if group:
                traces.append(_force_points(group, presentation, funnel, verdict, reliable))
    layout = base_layout(
        annotations=_outlier_labels(counted, funnel, largest),
        xaxis={
            "title": {"text": "Sample size (n)"},
            "rangemode": "tozero",
            "gridcolor": "#dddddd",
            "automargin": True,
        },
        yaxis=rate_axis(presentation.metric_label),
    )
    names = ", ".join(sorted(funnel.outliers)) or "none"
    summary = (
        f"Limits around {target_name.lower()}: {percent(funnel.target_rate)}. "
        f"Forces outside the 99.8% limits: {names}."
    )
    drawn = sorted(row.name for row in counted if row.weighted_by_design)
    if drawn:
        summary += (
            f" {', '.join(drawn)} {'was' if len(drawn) == 1 else 'were'} drawn from "
            f"{'its' if len(drawn) == 1 else 'their'} extract by a plan: "
            f"{'its' if len(drawn) == 1 else 'each'} point is the figure weighted by the "
            "sample's design, at the number of cases drawn at random it is worth (its "
            "effective sample size)."
        )
    if judged:
        summary += (
            " Each point is coloured and shaped by how the force compares with the "
            "programme: a green triangle up better, a grey circle similar, a red triangle "
            "down worse; each outlier's name says its verdict."
        )
    return Chart(
        chart_id,
        title,
        {"data": traces, "layout": layout},
        table_id=table_id,
        summary=summary,
    )

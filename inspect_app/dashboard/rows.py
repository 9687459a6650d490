"""Stored figures as the rows every table, chart and export of the dashboard shows.

A row is one presented figure (``figures.present``) with the name of the
place it belongs to. Nothing here works out a rate or an interval: it only
reads what ``present`` gave and puts it into words the pages share, so that a
figure says "not statistically reliable" the same way on a page, in a chart's
hover text and in a spreadsheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.html import format_html

from inspect_app.compliance import by_design, figures
from inspect_app.compliance.models import ComplianceFigure, Scope
from inspect_app.core import stats
from inspect_app.dashboard.forms import Presentation

RELIABLE = "Reliable"
NOT_RELIABLE = "Not statistically reliable"


@dataclass
class FigureRow:
    """One figure of one place (a force, offence group, region, programme), as shown."""

    name: str
    metric: str
    numerator: int
    denominator: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    reliable: bool | None
    absent_reason: str = ""
    url: str = ""
    region: str = ""
    method: str = ""
    confidence: float | None = None
    unrecorded: float | None = None
    unrecorded_low: float | None = None
    unrecorded_high: float | None = None
    #: Funnel-plot verdict in words, where the page draws one.
    funnel: str = ""
    #: better, similar or worse than the programme, where the page judges it.
    versus: str = ""
    sort_key: str = ""
    #: The k of n the figure is judged at (its counts; for a figure drawn by a plan, its
    #: weighted rate at its effective sample size: ``by_design.worth``). None: its counts.
    worth: tuple[float, float] | None = None

    @property
    def judged_at(self) -> tuple[float, float]:
        """(k, n) for the funnel: what the figure is worth as a simple random sample."""
        return self.worth if self.worth is not None else (self.numerator, self.denominator)

    @property
    def weighted_by_design(self) -> bool:
        return self.worth is not None and self.worth != (self.numerator, self.denominator)

    @property
    def available(self) -> bool:
        return self.rate is not None

    @property
    def reliability(self) -> str:
        """The reliability in words: never only a colour."""
        if self.rate is None:
            return f"No figure: {self.absent_reason}"
        return RELIABLE if self.reliable else NOT_RELIABLE

    # --- ready-made cells for the tables (no render methods: see tables.FigureTable) ---

    @property
    def name_html(self) -> str:
        if self.url:
            return format_html('<a href="{}">{}</a>', self.url, self.name)
        return self.name

    @property
    def rate_text(self) -> str | None:
        return None if self.rate is None else percent_text(self.rate)

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 1)

    @property
    def interval_text(self) -> str | None:
        if self.rate is None:
            return None
        return f"{percent_text(self.ci_low)} to {percent_text(self.ci_high)}"

    @property
    def ci_low_percent(self) -> float | None:
        return None if self.ci_low is None else round(self.ci_low * 100, 1)

    @property
    def ci_high_percent(self) -> float | None:
        return None if self.ci_high is None else round(self.ci_high * 100, 1)

    @property
    def margin_text(self) -> str:
        """The interval's half-width in percentage points, e.g. '±6.2 points'."""
        if self.rate is None:
            return ""
        points = stats.half_width(self.ci_low, self.ci_high) * 100
        text = f"{points:.1f}"
        # Just over the threshold must not read as exactly on it ("±5.0 points"
        # beside "not statistically reliable"): one more decimal tells them apart.
        if text == f"{settings.RELIABILITY_THRESHOLD * 100:.1f}":
            text = f"{points:.2f}"
        return f"±{text} points"

    @property
    def uncertainty_text(self) -> str:
        """What the interval means for a reader deciding whether to act on the figure."""
        if self.rate is None:
            return ""
        return (
            f"{self.margin_text}: the true {self.metric.lower()} could be anywhere "
            f"from {percent_text(self.ci_low)} to {percent_text(self.ci_high)}"
        )

    @property
    def reliability_html(self) -> str:
        if self.available and not self.reliable:
            return format_html(
                '<strong class="tag tag--grey">{}</strong> {}',
                NOT_RELIABLE.lower(),
                self.margin_text,
            )
        if self.available:
            return f"{self.reliability}: {self.margin_text}"
        return self.reliability

    @property
    def confidence_percent(self) -> str:
        return "" if self.confidence is None else f"{self.confidence * 100:g}"

    @property
    def funnel_html(self) -> str:
        for start, colour in (("Outlier", "red"), ("Alarm", "alarm"), ("Alert", "alert")):
            if self.funnel.startswith(start):
                return format_html('<strong class="tag tag--{}">{}</strong>', colour, self.funnel)
        return self.funnel

    @property
    def versus_html(self) -> str:
        """The comparison as a tag whose word says it (the colour only repeats it)."""
        if not self.versus:
            return ""
        return format_html('<strong class="tag tag--{}">{}</strong>', self.versus, self.versus)

    @property
    def unrecorded_text(self) -> str | None:
        return None if self.unrecorded is None else f"{self.unrecorded:,.0f}"

    @property
    def unrecorded_range_text(self) -> str | None:
        if self.unrecorded is None:
            return None
        high = "no upper limit" if self.unrecorded_high is None else f"{self.unrecorded_high:,.0f}"
        return f"{self.unrecorded_low:,.0f} to {high}"

    @property
    def unrecorded_rounded(self) -> int | None:
        return None if self.unrecorded is None else round(self.unrecorded)

    @property
    def unrecorded_low_rounded(self) -> int | None:
        return None if self.unrecorded_low is None else round(self.unrecorded_low)

    @property
    def unrecorded_high_for_export(self) -> int | str | None:
        """The upper bound of unrecorded crimes: a number, "no upper limit", or nothing."""
        if self.unrecorded is None:
            return None
        if self.unrecorded_high is None:
            return "no upper limit"
        return round(self.unrecorded_high)

    @property
    def shortfall(self) -> float | None:
        """The share that fell short of the standard (for the recording rate: under-recording)."""
        return None if self.rate is None else 1.0 - self.rate

    @property
    def shortfall_low(self) -> float | None:
        return None if self.ci_high is None else 1.0 - self.ci_high

    @property
    def shortfall_high(self) -> float | None:
        return None if self.ci_low is None else 1.0 - self.ci_low


def percent_text(value: float) -> str:
    """0.853 → '85.3%', as every figure is written."""
    return f"{value * 100:.1f}%"


def row_from(presented: figures.PresentedFigure, name: str, url: str = "", region: str = ""):
    """A row for one presented figure."""
    figure = presented.figure
    unrecorded = presented.estimated_unrecorded or (None, None, None)
    return FigureRow(
        name=name,
        url=url,
        region=region,
        metric=figure.get_metric_display(),
        numerator=figure.numerator,
        denominator=figure.denominator,
        rate=presented.rate,
        ci_low=presented.ci_low,
        ci_high=presented.ci_high,
        reliable=presented.reliable,
        absent_reason=presented.absent_reason,
        method=presented.method,
        confidence=presented.confidence,
        unrecorded=unrecorded[0],
        unrecorded_low=unrecorded[1],
        unrecorded_high=figures.finite_or_none(unrecorded[2]),
        worth=by_design.worth(figure),
    )


def present_all(stored, presentation: Presentation):
    """``figures.present`` with the reader's method and confidence."""
    return figures.present(list(stored), presentation.method, presentation.confidence)


def force_rows(stored, presentation: Presentation) -> list[FigureRow]:
    """One row per inspection figure, named after the inspected force."""
    return [
        row_from(
            presented,
            name=presented.figure.force.name,
            url=presented.figure.force.get_absolute_url(),
            region=presented.figure.region.name if presented.figure.region_id else "",
        )
        for presented in present_all(stored, presentation)
    ]


def pooled_offence_group_figures(stored_offence_group_figures, metric) -> list[ComplianceFigure]:
    """Each offence group's figure over all the forces in ``stored_offence_group_figures``.

    The stored figures hold each offence group per inspection only; a
    programme-wide group figure is the sum of those counts (exactly how
    compliance pools a region), or, where a force was drawn by a plan, the pooled
    rate with that force's design-based rate in it (``by_design.pool``). The
    result is unsaved figures for ``figures.present``, so the interval maths
    stays in compliance. Pooled, not weighted by volume: the pages say so.
    """
    stored = (
        stored_offence_group_figures.filter(scope=Scope.OFFENCE_GROUP, metric=metric)
        .select_related("offence_group")
        .order_by("offence_group__name", "offence_group_id")
    )
    by_group: dict[int, list] = {}
    for figure in stored:
        by_group.setdefault(figure.offence_group_id, []).append(figure)
    pooled = []
    for group_id, parts in by_group.items():
        group = parts[0].offence_group
        figure = ComplianceFigure(
            scope=Scope.PROGRAMME,
            metric=metric,
            numerator=sum(part.numerator for part in parts),
            denominator=sum(part.denominator for part in parts),
            offence_group_id=group_id,
        )
        by_design.pool(figure, [by_design.PooledPart.of(part) for part in parts])
        figure.group_name = group.name
        figure.group_code = group.code
        pooled.append(figure)
    return pooled

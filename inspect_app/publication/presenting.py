"""Published rows put into words, the same on the page, in the PDF and in the CSV notes.

Nothing here works anything out: a published row already holds its rate, interval
and reliability as they were published; this names them, and says "fewer than 10
cases — suppressed" where suppression hid them.
"""

from dataclasses import dataclass

from django.conf import settings

from inspect_app.compliance.figures import METRICS
from inspect_app.compliance.models import Metric, Scope
from inspect_app.publication.suppression import suppressed_text


def percent(value):
    return "" if value is None else f"{value * 100:.1f}%"


@dataclass
class ShownFigure:
    """One published figure as a reader sees it."""

    row: dict
    name: str

    @property
    def metric_label(self):
        return Metric(self.row["metric"]).label

    @property
    def suppressed(self):
        return bool(self.row.get("suppressed"))

    @property
    def rate_text(self):
        return suppressed_text() if self.suppressed else percent(self.row["rate"])

    @property
    def interval_text(self):
        if self.suppressed:
            return ""
        return f"{percent(self.row['ci_low'])} to {percent(self.row['ci_high'])}"

    @property
    def counts_text(self):
        if self.suppressed:
            return ""
        return f"{self.row['numerator']} of {self.row['denominator']} cases"

    @property
    def margin_points(self):
        if self.suppressed or self.row["ci_low"] is None:
            return None
        return (self.row["ci_high"] - self.row["ci_low"]) / 2 * 100

    @property
    def margin_text(self):
        if self.margin_points is None:
            return ""
        text = f"{self.margin_points:.1f}"
        # Just over the threshold must not read as exactly on it beside "not reliable".
        if not self.row["reliable"] and text == f"{settings.RELIABILITY_THRESHOLD * 100:.1f}":
            text = f"{self.margin_points:.2f}"
        return f"±{text} points"

    @property
    def reliability_text(self):
        """Reliability in words, never only a colour."""
        if self.suppressed:
            return "Suppressed: too few cases to publish"
        margin = self.margin_text
        if self.row["reliable"]:
            return f"Reliable: {margin}"
        return f"Not statistically reliable: {margin}"

    @property
    def unrecorded_text(self):
        estimate = self.row.get("estimated_unrecorded")
        if self.suppressed or estimate is None:
            return ""
        low = self.row.get("estimated_unrecorded_low")
        high = self.row.get("estimated_unrecorded_high")
        high_text = "no upper limit" if high is None else f"{high:,.0f}"
        return f"About {estimate:,.0f} crimes a year unrecorded ({low:,.0f} to {high_text})"


def cards(rows):
    """The six figures of the inspection as a whole, in the order compliance lists them."""
    by_metric = {r["metric"]: r for r in rows if r["scope"] == Scope.INSPECTION}
    return [ShownFigure(by_metric[m], Metric(m).label) for m in METRICS if m in by_metric]


def by_offence_group(rows):
    """[(metric label, [ShownFigure of each offence group])] for each figure that has any."""
    grouped = []
    for metric in METRICS:
        members = [
            ShownFigure(r, r.get("offence_group_name") or r["offence_group"])
            for r in rows
            if r["scope"] == Scope.OFFENCE_GROUP and r["metric"] == metric
        ]
        if members:
            members.sort(key=lambda f: f.name)
            grouped.append((Metric(metric).label, metric, members))
    return grouped


@dataclass
class Change:
    """One figure against the same force's last published inspection, in points."""

    metric_label: str
    before: str
    now: str
    points: float | None

    @property
    def text(self):
        if self.points is None:
            return "Not comparable: one of the two is suppressed or missing"
        if abs(self.points) < 0.05:
            return "No change"
        direction = "up" if self.points > 0 else "down"
        return f"{direction} {abs(self.points):.1f} points"


def changes(rows, previous_rows):
    """Each of the six figures against the previous inspection's published figure."""
    before = {r["metric"]: r for r in previous_rows if r["scope"] == Scope.INSPECTION}
    result = []
    for card in cards(rows):
        old = before.get(card.row["metric"])
        if old is None:
            continue
        comparable = not card.suppressed and not old.get("suppressed")
        points = (card.row["rate"] - old["rate"]) * 100 if comparable else None
        old_text = suppressed_text() if old.get("suppressed") else percent(old["rate"])
        result.append(Change(card.name, old_text, card.rate_text, points))
    return result


def suppressed_count(rows):
    return sum(1 for r in rows if r.get("suppressed"))

"""Published rows put into words, the same on the page, in the PDF and in the CSV notes.

Nothing here works a figure out: a published row already holds its rate, interval
and reliability as they were published; this names them, and says "fewer than 10
cases — suppressed" where suppression hid them. The change since the last inspection
is judged by the judgement code, on the two versions' frozen counts.
"""

from dataclasses import dataclass

from django.conf import settings

from inspect_app.compliance.figures import METRICS
from inspect_app.compliance.models import Metric, Scope
from inspect_app.core import judgement
from inspect_app.judgement import comparison
from inspect_app.judgement.rules import like_for_like
from inspect_app.publication import as_published
from inspect_app.publication.suppression import minimum_count, suppressed_text


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
    """One figure against the same force's last published inspection: the change in
    points with Newcombe's interval and a verdict, from the two versions' frozen counts.

    ``judged`` is the judgement code's own comparison of the two counts (None where a
    side is suppressed or missing: nothing is compared then, and ``reason`` says why).
    """

    metric_label: str
    before: str
    now: str
    judged: comparison.Change | None = None
    reason: str = ""

    @property
    def difference(self):
        return self.judged.difference if self.judged else None

    @property
    def points(self) -> float | None:
        """b − a in percentage points, from the counts (k of n) the interval is about."""
        if self.judged is None:
            return None
        j = self.judged
        return (j.k_b / j.n_b - j.k_a / j.n_a) * 100

    @property
    def text(self):
        if self.points is None:
            return self.reason
        if abs(self.points) < 0.05:
            return "No change"
        direction = "up" if self.points > 0 else "down"
        return f"{direction} {abs(self.points):.1f} points"

    @property
    def interval_text(self):
        """The change's interval in points, signed: "-2.1 to +20.4 points"."""
        if self.difference is None:
            return ""
        low, high = self.difference.ci_low * 100, self.difference.ci_high * 100
        return f"{_signed(low)} to {_signed(high)} points"

    @property
    def verdict(self) -> str | None:
        return self.judged.verdict if self.judged else None

    @property
    def verdict_words(self) -> str:
        return self.judged.verdict_words if self.judged else NOT_COMPARED


#: Said where a change is not worked out: the reason is beside it.
NOT_COMPARED = "Not compared"
SUPPRESSED_SIDE = "Not compared: {which} figure is suppressed (fewer than {count} cases)"
MISSING_SIDE = "Not compared: no figure in one of the two"


def _signed(points):
    # A hyphen-minus: the PDF's standard fonts have no minus sign.
    if abs(points) < 0.05:
        return "0.0"
    return f"+{points:.1f}" if points > 0 else f"-{-points:.1f}"


def changes(rows, previous_rows, *, same_rules=True, confidence=0.95, made_by=None, then_by=None):
    """Each of the six figures against the previous inspection's published figure.

    The change and its interval come from the judgement code (Newcombe's hybrid score
    interval, its verdict words) on the frozen counts; where the two programmes counted
    under different rules the change is shown untested ("not like for like"), and where
    either side is suppressed it is not compared at all, so no count can be worked out.
    A figure drawn by a plan is compared at what it is worth (its weighted rate at its
    effective sample size), found from its interval: ``made_by`` and ``then_by`` are the
    (method, confidence) each side's intervals were published with.
    """
    made_by = made_by or ("wilson", 0.95)
    then_by = then_by or made_by
    before = {r["metric"]: r for r in previous_rows if r["scope"] == Scope.INSPECTION}
    result = []
    for card in cards(rows):
        old = before.get(card.row["metric"])
        if old is None:
            continue
        old_text = suppressed_text() if old.get("suppressed") else percent(old["rate"])
        shown = Change(card.name, old_text, card.rate_text)
        if card.suppressed or old.get("suppressed"):
            which = "this version's" if card.suppressed else "the last inspection's"
            if card.suppressed and old.get("suppressed"):
                which = "each"
            shown.reason = SUPPRESSED_SIDE.format(which=which, count=minimum_count())
        elif not (old["denominator"] and card.row["denominator"]):
            shown.reason = MISSING_SIDE
        else:
            shown.judged = _judged(
                as_published.published_worth(card.row, *made_by),
                as_published.published_worth(old, *then_by),
                card.row["metric"],
                same_rules,
                confidence,
            )
        result.append(shown)
    return result


def _judged(now, then, metric, same_rules, confidence):
    """judgement's comparison of two frozen k of n, made as ``comparison.compare`` makes it."""
    k_a, n_a = then
    k_b, n_b = now
    if not same_rules:
        return comparison.Change(metric, k_a, n_a, k_b, n_b, None, judgement.NOT_LIKE_FOR_LIKE)
    difference = judgement.newcombe_difference(k_a, n_a, k_b, n_b, float(confidence))
    return comparison.Change(metric, k_a, n_a, k_b, n_b, difference, difference.verdict)


def changes_since(version, rows, previous, previous_rows):
    """``changes`` of ``version`` against ``previous`` (None: there is none), judged like
    for like only when the two programmes counted under the same rules."""
    if previous is None:
        return []
    same_rules = like_for_like(previous.inspection.programme, version.inspection.programme)
    return changes(
        rows,
        previous_rows,
        same_rules=same_rules,
        confidence=version.confidence,
        made_by=(version.method, version.confidence),
        then_by=(previous.method, previous.confidence),
    )


def suppressed_count(rows):
    return sum(1 for r in rows if r.get("suppressed"))

"""A force against its own last inspection: the change per figure with Newcombe's
interval and a verdict in words, and the force's trend across programmes."""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app.compliance import by_design
from inspect_app.compliance.models import ComplianceFigure, Metric, Scope
from inspect_app.core import judgement
from inspect_app.judgement.rules import like_for_like


class NotComparable(ValueError):
    """Two inspections that cannot be compared (not of one force)."""


@dataclass(frozen=True)
class Change:
    """One figure's change from inspection a to b."""

    metric: str
    #: k of n on each side; fractional for a figure drawn by a plan (its rate at its
    #: effective sample size).
    k_a: float
    n_a: float
    k_b: float
    n_b: float
    difference: judgement.Difference | None
    verdict: str | None
    reason: str = ""

    @property
    def metric_label(self) -> str:
        return Metric(self.metric).label

    @property
    def verdict_words(self) -> str:
        return judgement.VERDICT_WORDS.get(self.verdict, self.reason)

    def document(self) -> dict:
        d = self.difference
        return {
            "metric": self.metric,
            "rate_a": _rounded(self.k_a / self.n_a if self.n_a else None),
            "rate_b": _rounded(self.k_b / self.n_b if self.n_b else None),
            "difference": _rounded(
                (self.k_b / self.n_b - self.k_a / self.n_a) if self.n_a and self.n_b else None
            ),
            "ci_low": _rounded(d.ci_low if d else None),
            "ci_high": _rounded(d.ci_high if d else None),
            "verdict": self.verdict,
        }


def _rounded(value):
    return None if value is None else round(value, 5)


def inspection_counts(inspection) -> dict[str, tuple[float, float]]:
    """Each figure's k of n, a figure drawn by a plan at what it is worth (its weighted
    rate at its effective sample size: ``by_design.worth``)."""
    return {
        figure.metric: by_design.worth(figure)
        for figure in ComplianceFigure.objects.filter(scope=Scope.INSPECTION, inspection=inspection)
    }


def compare(a, b, confidence=0.95) -> list[Change]:
    """Each figure's change from inspection ``a`` to ``b`` (b − a), in metric order."""
    if a.force_id != b.force_id:
        raise NotComparable(f"{a.slug} and {b.slug} are not inspections of one force")
    if a.pk == b.pk:
        raise NotComparable("an inspection cannot be compared with itself")
    return changes_between(
        inspection_counts(a),
        inspection_counts(b),
        like_for_like(a.programme, b.programme),
        confidence,
    )


def changes_between(counts_a, counts_b, same_rules, confidence=0.95, withheld=None):
    """Each figure's change from counts a to counts b ({metric: (k, n)}), in metric order.

    ``withheld`` maps a metric to why it is not compared (a count that is not published,
    and so absent from its side's counts): the change says why instead of testing it.
    """
    judgement_confidence = float(confidence)
    if not 0 < judgement_confidence < 1:
        raise NotComparable(f"confidence must be between 0 and 1, got {confidence}")
    withheld = withheld or {}
    changes = []
    for metric in Metric.values:
        k_a, n_a = counts_a.get(metric, (0, 0))
        k_b, n_b = counts_b.get(metric, (0, 0))
        if metric in withheld:
            changes.append(Change(metric, k_a, n_a, k_b, n_b, None, None, withheld[metric]))
            continue
        if not (n_a and n_b):
            changes.append(
                Change(metric, k_a, n_a, k_b, n_b, None, None, "No figure in one of the two")
            )
            continue
        difference = judgement.newcombe_difference(k_a, n_a, k_b, n_b, judgement_confidence)
        if not same_rules:
            changes.append(Change(metric, k_a, n_a, k_b, n_b, None, judgement.NOT_LIKE_FOR_LIKE))
            continue
        changes.append(Change(metric, k_a, n_a, k_b, n_b, difference, difference.verdict))
    return changes


def previous_inspection(inspection, queryset):
    """The force's inspection in the programme before this one (by year, then name), if any."""
    others = [
        other
        for other in queryset.filter(force_id=inspection.force_id)
        .exclude(pk=inspection.pk)
        .select_related("programme")
        if _order(other) < _order(inspection)
    ]
    return max(others, key=_order) if others else None


def _order(inspection):
    return (inspection.programme.year or 9999, inspection.programme.pk)

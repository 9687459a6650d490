"""The one target every comparison with the programme uses.

The programme's weighted rate where every force with cases has a recorded-crime volume
(compliance makes the weighted figure only then), else its pooled rate. The funnel's
centre line and ``versus_programme`` both read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app.compliance import figures
from inspect_app.compliance.models import Scope

WEIGHTED_NAME = "Programme estimate (weighted)"
POOLED_NAME = "Programme rate (pooled)"


@dataclass(frozen=True)
class Target:
    """The programme's rate for one metric, and which of its two rates it is."""

    metric: str
    rate: float
    weighted: bool

    @property
    def name(self) -> str:
        return WEIGHTED_NAME if self.weighted else POOLED_NAME


def target_of(pooled, weighted) -> Target | None:
    """The target from a metric's two programme figures (stored ``ComplianceFigure``s).

    None when neither has a rate (no cases anywhere in the programme).
    """
    if weighted is not None and weighted.weighted_rate is not None:
        return Target(weighted.metric, float(weighted.weighted_rate), True)
    if pooled is not None and pooled.denominator:
        return Target(pooled.metric, pooled.numerator / pooled.denominator, False)
    return None


def programme_targets(programme) -> dict[str, Target]:
    """metric → Target for every metric the programme has a rate for."""
    pooled, weighted = {}, {}
    for figure in figures.every_stored_figure(programme=programme).filter(scope=Scope.PROGRAMME):
        (weighted if figure.weighted else pooled)[figure.metric] = figure
    targets = {}
    for metric in set(pooled) | set(weighted):
        target = target_of(pooled.get(metric), weighted.get(metric))
        if target is not None:
            targets[metric] = target
    return targets

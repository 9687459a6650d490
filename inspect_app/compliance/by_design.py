"""Figures of inspections whose cases were drawn from their extract: estimated by the design.

Such an inspection's strata were sampled at different rates, so each reviewed
case stands for N_h / n_h records of its stratum (``core.design``). n_h is the
stratum's reviewed cases: drawn cases with a review that counts (first or
adjudicated). A case reviewed but not judged for a figure (a crime that should
not have been recorded, for the recording rate) is a zero of that figure's
domain, not a case left out, and an offence group's figure is the domain of its
cases. A stratum none of whose drawn cases is reviewed yet takes no part.

The counting is one aggregate query per programme, grouped by inspection,
stratum and offence group, like the plain figures'.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, F
from django.db.models.functions import Coalesce

from inspect_app.core import design
from inspect_app.sampling.models import Stratum

REVIEWED = "design_reviewed"


def _met(metric):
    return f"{metric}_met"


def _judged(metric):
    return f"{metric}_judged"


def estimates(reviews, rules, chains) -> dict[tuple[int, int | None, str], design.DesignEstimate]:
    """Design-based estimates keyed by (inspection id, offence group id or None, metric).

    ``reviews`` are the reviews that count (``figures.counting_reviews``),
    ``rules`` the figures' MetricRules, ``chains`` each offence group with its
    parents (a group counts its subgroups' cases).
    """
    aggregates = {REVIEWED: Count("pk")}
    for rule in rules:
        aggregates[_met(rule.metric)] = Count("pk", filter=rule.numerator_filter)
        aggregates[_judged(rule.metric)] = Count("pk", filter=rule.denominator_filter)
    rows = list(
        reviews.filter(case__drawn__isnull=False)
        .values(
            drawn_inspection=F("case__inspection_id"),
            drawn_stratum=F("case__drawn__stratum_id"),
            drawn_group=Coalesce(
                "corrected_offence_group_id",
                "case__offence_group_id",
                output_field=models.BigIntegerField(),
            ),
        )
        .annotate(**aggregates)
        .order_by()
    )
    if not rows:
        return {}
    populations = dict(
        Stratum.objects.filter(pk__in={row["drawn_stratum"] for row in rows}).values_list(
            "pk", "population"
        )
    )
    reviewed: Counter = Counter()
    # (inspection, group or None) → stratum → counts of each figure
    domains: dict[tuple[int, int | None], dict[int, Counter]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for row in rows:
        inspection, stratum, group = (
            row["drawn_inspection"],
            row["drawn_stratum"],
            row["drawn_group"],
        )
        reviewed[stratum] += row[REVIEWED]
        counts = {key: value for key, value in row.items() if key.endswith(("_met", "_judged"))}
        domains[inspection, None][stratum].update(counts)
        if group is not None:
            for each in chains.get(group, (group,)):
                domains[inspection, each][stratum].update(counts)
    found = {}
    for (inspection, group), by_stratum in domains.items():
        for rule in rules:
            metric = str(rule.metric)
            strata = [
                design.StratumCounts(
                    population=populations[stratum],
                    reviewed=reviewed[stratum],
                    judged=counts[_judged(metric)],
                    met=counts[_met(metric)],
                )
                for stratum, counts in by_stratum.items()
            ]
            estimate = design.ratio_estimate(strata)
            if estimate is not None:
                found[inspection, group, metric] = estimate
    return found


def worth(figure) -> tuple[float, float]:
    """(k, n): what a figure is worth to a method made for a simple random sample of
    k of n cases — the funnel's limits and its overdispersion, a grade's certainty, the
    change since the last inspection.

    A figure estimated by its sample's design is worth its weighted rate at its
    effective sample size n* = p(1 − p)/v: the simple random sample that would give a
    rate as precise (Kish's effective sample size, as its own interval is built). Its
    raw counts would judge the strata sampled most heavily as if they were the force.
    Any other figure is worth its counts.
    """
    return worth_of(
        figure.numerator,
        figure.denominator,
        figure.weighted_rate if figure.design == figure.Design.STRATIFIED else None,
        figure.effective_sample_size,
    )


def worth_of(numerator, denominator, weighted_rate, effective_sample_size) -> tuple[float, float]:
    """``worth`` from the parts: a design-weighted rate and its n*, or else the counts."""
    if weighted_rate is None or not effective_sample_size:
        return numerator, denominator
    if not math.isfinite(effective_sample_size):  # no spread found again from an interval
        return numerator, denominator
    cases = float(effective_sample_size)
    return min(cases, max(0.0, float(weighted_rate) * cases)), cases


def apply(figure, estimate: design.DesignEstimate | None) -> None:
    """Give an unsaved figure its design-based rate (the raw counts stay as they are)."""
    if estimate is None:
        return
    figure.design = figure.Design.STRATIFIED
    figure.weighted_rate = estimate.rate
    figure.standard_error = estimate.standard_error
    figure.effective_sample_size = estimate.effective_sample_size


@dataclass(frozen=True)
class ForceCounts:
    """One force's raw counts for a figure (k of n) and its inspection, to be combined."""

    force: object
    numerator: int
    denominator: int
    inspection_id: int


@dataclass(frozen=True)
class VolumeWeighted:
    """Several forces' rates in one, each weighted by its recorded-crime volume: the
    programme's weighted figure, and a region's where one of its forces was drawn."""

    rate: float
    standard_error: float
    volume_total: int
    #: Some force brought a rate estimated by its sample's design.
    any_drawn: bool
    #: The raw cases behind it: the sample size a rate with no spread is worth.
    denominator: int

    def apply(self, figure) -> None:
        """Give an unsaved figure this rate; its counts stay the pooled raw ones."""
        figure.weighted_rate = self.rate
        figure.standard_error = self.standard_error
        if self.any_drawn:
            figure.design = figure.Design.STRATIFIED
            variance = self.standard_error**2
            figure.effective_sample_size = (
                self.rate * (1 - self.rate) / variance if variance > 0 else float(self.denominator)
            )


def volume_weighted(forces, metric, designed) -> VolumeWeighted:
    """Σ W_f p_f over ``forces`` (ForceCounts, each with a volume), W_f = V_f / ΣV: a force
    drawn by a plan brings its design-based rate and variance, any other k / n."""
    estimates = {
        each.inspection_id: designed.get((each.inspection_id, None, metric)) for each in forces
    }
    rate, standard_error = design.volume_weighted(
        [
            force_part(
                each.force.recorded_crime_volume,
                (each.numerator, each.denominator),
                estimates[each.inspection_id],
            )
            for each in forces
        ]
    )
    return VolumeWeighted(
        rate=rate,
        standard_error=standard_error,
        volume_total=sum(each.force.recorded_crime_volume for each in forces),
        any_drawn=any(estimate is not None for estimate in estimates.values()),
        denominator=sum(each.denominator for each in forces),
    )


def force_part(volume, figure, estimate) -> design.ForcePart:
    """One force's share of a volume-weighted national figure: its design-based rate and
    variance where it was drawn by a plan, else k / n with the binomial variance."""
    if estimate is not None:
        return design.ForcePart(volume=volume, rate=estimate.rate, variance=estimate.variance)
    k, n = figure
    rate = k / n
    return design.ForcePart(volume=volume, rate=rate, variance=rate * (1 - rate) / n)


@dataclass(frozen=True)
class PooledPart:
    """One force's part in a figure pooled across forces: its raw counts, and where it
    was drawn by a plan its design-based estimate."""

    numerator: int
    denominator: int
    estimate: design.DesignEstimate | None = None

    @classmethod
    def of(cls, figure) -> PooledPart:
        """A stored figure's part (its design-based rate and variance kept on it)."""
        if figure.design != figure.Design.STRATIFIED or figure.weighted_rate is None:
            return cls(figure.numerator, figure.denominator)
        estimate = design.DesignEstimate(
            rate=figure.weighted_rate,
            variance=(figure.standard_error or 0.0) ** 2,
            effective_sample_size=figure.effective_sample_size or float(figure.denominator),
            numerator=figure.numerator,
            denominator=figure.denominator,
        )
        return cls(figure.numerator, figure.denominator, estimate)


def pool(figure, parts: list[PooledPart]) -> None:
    """Give an unsaved figure pooled across forces (its raw counts summed) the design,
    where a force in it was drawn by a plan.

    Pooling adds every force's cases, so each force counts for as many cases as it
    judged; a drawn force's raw counts would give its most heavily sampled strata that
    say. So the rate is Σ d_f p_f / Σ d_f, with a drawn force's design-based p_f and
    any other's k_f / d_f, and the variance Σ (d_f / Σ d)² v_f: the volume-weighted
    combination with each force's judged cases for its volume. With no drawn force it
    is the plain pooled k / n, and the figure is left as it is.
    """
    parts = [part for part in parts if part.denominator]
    if not any(part.estimate is not None for part in parts):
        return
    rate, standard_error = design.volume_weighted(
        [
            force_part(part.denominator, (part.numerator, part.denominator), part.estimate)
            for part in parts
        ]
    )
    VolumeWeighted(
        rate=rate,
        standard_error=standard_error,
        volume_total=0,
        any_drawn=True,
        denominator=sum(part.denominator for part in parts),
    ).apply(figure)

"""Figures from a stratified sample: the combined ratio estimate and its linearised variance.

Where each stratum h of N_h records was sampled at its own rate (n_h of them
reviewed), a plain k / n over-represents the strata sampled most heavily. Each
reviewed case instead stands for N_h / n_h records, and a figure is the ratio

    p = Σ_h (N_h/n_h)·k_h / Σ_h (N_h/n_h)·d_h

of the weighted cases meeting the standard (k_h) to the weighted cases judged
(d_h). A figure about a part of the sample (the crimes that should have been
recorded, one offence group) is a domain: a reviewed case outside it counts
as a zero in both sums, so n_h stays the stratum's reviewed cases.

The variance is Taylor-linearised, with the finite population correction:

    v(p) = Σ_h N_h² (1 − n_h/N_h) s²_h / n_h  /  X̂²

where s²_h is the sample variance, within stratum h, of each case's residual
e = y − p·x (y: met the standard, x: judged), and X̂ = Σ_h (N_h/n_h)·d_h. The
decisions are yes/no, so every sum needs only the counts n_h, k_h and d_h.

Intervals: ``normal`` is p ± z·√v; ``wilson`` and ``exact`` use the effective
sample size n* = p(1 − p)/v (Wilson's score interval at n*; exact is
Korn–Graubard's: Clopper–Pearson at n* with k* = p·n*).

Pure: numbers in, numbers out, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from inspect_app.core import stats


@dataclass(frozen=True)
class StratumCounts:
    """One stratum's part in a figure: N_h records, n_h of them reviewed, d_h of those judged
    for the figure, k_h of those meeting the standard."""

    population: int
    reviewed: int
    judged: int
    met: int


@dataclass(frozen=True)
class DesignEstimate:
    """A design-weighted rate, its variance and the sample size it is worth."""

    rate: float
    variance: float
    effective_sample_size: float
    numerator: int  # raw counts: Σ k_h and Σ d_h
    denominator: int

    @property
    def standard_error(self) -> float:
        return math.sqrt(self.variance)


def _check(stratum: StratumCounts, position: int) -> None:
    label = f"stratum {position}"
    if not 0 <= stratum.met <= stratum.judged <= stratum.reviewed <= stratum.population:
        raise stats.StatsError(
            f"{label} needs 0 ≤ met ≤ judged ≤ reviewed ≤ population, got "
            f"{stratum.met}, {stratum.judged}, {stratum.reviewed}, {stratum.population}"
        )


def ratio_estimate(strata: Sequence[StratumCounts]) -> DesignEstimate | None:
    """The combined ratio estimate over ``strata``, or None when no case was judged.

    A stratum with no reviewed case takes no part: it has no cases to weigh
    (the figure then speaks for the strata that were reviewed). A stratum with
    n_h = N_h was reviewed whole and adds no variance; one with a single
    reviewed case has no within-stratum variance to measure and adds none.
    """
    for position, stratum in enumerate(strata, start=1):
        _check(stratum, position)
    counted = [s for s in strata if s.reviewed > 0]
    weighted_met = math.fsum(s.population / s.reviewed * s.met for s in counted)
    weighted_judged = math.fsum(s.population / s.reviewed * s.judged for s in counted)
    numerator = sum(s.met for s in counted)
    denominator = sum(s.judged for s in counted)
    if denominator == 0 or weighted_judged == 0:
        return None
    rate = min(1.0, max(0.0, weighted_met / weighted_judged))
    total = 0.0
    for s in counted:
        if s.reviewed < 2 or s.reviewed >= s.population:
            continue
        # Σe and Σe² of e = y − p·x over the stratum's reviewed cases, from the counts
        # (y and x are 0 or 1, and y = 1 only where x = 1).
        sum_e = s.met - rate * s.judged
        sum_e2 = s.met * (1 - rate) ** 2 + (s.judged - s.met) * rate**2
        spread = max(0.0, (sum_e2 - sum_e * sum_e / s.reviewed) / (s.reviewed - 1))
        fpc = 1.0 - s.reviewed / s.population
        total += s.population**2 * fpc * spread / s.reviewed
    variance = total / weighted_judged**2
    # With no sampling spread to measure (every stratum reviewed whole, or every case
    # alike) the interval falls back on the cases actually judged.
    effective = rate * (1 - rate) / variance if variance > 0 else float(denominator)
    return DesignEstimate(
        rate=rate,
        variance=float(variance),
        effective_sample_size=float(effective),
        numerator=numerator,
        denominator=denominator,
    )


def interval(
    rate: float,
    variance: float,
    effective_sample_size: float,
    method: str = "wilson",
    confidence: float = 0.95,
) -> tuple[float, float]:
    """The (low, high) interval of a design-weighted rate by ``method``."""
    if method not in stats.METHODS:
        raise stats.StatsError(
            f"unknown interval method {method!r}: choose wilson, normal or exact"
        )
    z = stats.z_value(confidence)
    if method == "normal":
        spread = z * math.sqrt(max(variance, 0.0))
        return max(0.0, rate - spread), min(1.0, rate + spread)
    n = effective_sample_size
    if not n or n <= 0:
        return rate, rate
    if method == "wilson":
        centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
        spread = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
        low, high = max(0.0, centre - spread), min(1.0, centre + spread)
        return (0.0 if rate == 0 else low), (1.0 if rate == 1 else high)
    from scipy.stats import beta  # scipy is heavy; only the exact interval needs it

    alpha = 1 - confidence
    k = rate * n
    low = 0.0 if k <= 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k >= n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return max(0.0, low), min(1.0, high)


def check_worth(k: object, n: object) -> tuple[float, float]:
    """k of n as reals: what a design-weighted figure is worth to a method made for a
    simple random sample (k* = p·n* of n*) need not be whole."""
    met, cases = stats._as_real("numerator", k), stats._as_real("denominator", n)
    if met < 0 or cases < 0:
        raise stats.StatsError(f"counts cannot be negative, got {k!r} of {n!r}")
    if met > cases:
        raise stats.StatsError(f"numerator ({k}) cannot exceed denominator ({n})")
    return met, cases


def wilson_worth(k: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a rate worth k of n cases (either may be fractional):
    for whole counts, the plain Wilson interval; for k* of n*, a drawn figure's own."""
    met, cases = check_worth(k, n)
    if cases == 0:
        raise stats.StatsError("cannot calculate an interval for an empty sample (denominator 0)")
    if met.is_integer() and cases.is_integer():
        return stats.proportion_interval(int(met), int(cases), "wilson", confidence)
    return interval(met / cases, 0.0, cases, "wilson", confidence)


@dataclass(frozen=True)
class ForcePart:
    """One force's rate and variance (from whichever design it was sampled by) and its
    recorded-crime volume, for a volume-weighted national figure."""

    volume: float
    rate: float
    variance: float


def volume_weighted(parts: Sequence[ForcePart]) -> tuple[float, float]:
    """Σ W_f p_f and √(Σ W_f² v_f), W_f = V_f / ΣV: the rate and standard error of a
    volume-weighted figure over independently sampled forces."""
    if not parts:
        raise stats.StatsError("cannot calculate a weighted rate from no forces")
    total = math.fsum(part.volume for part in parts)
    if not total > 0:
        raise stats.StatsError("every force needs a recorded-crime volume above 0")
    rate = math.fsum(part.volume / total * part.rate for part in parts)
    variance = math.fsum((part.volume / total) ** 2 * part.variance for part in parts)
    return min(1.0, max(0.0, rate)), math.sqrt(max(variance, 0.0))

"""The maths of judging a force: against a target, against its last inspection, against
grade bands, and against the funnel's limits. Pure functions, no Django.

* ``versus``: better / similar / worse than a target (similar when the target lies
  inside the force's interval, limits included; a higher rate is always better);
* ``newcombe_difference``: Newcombe's hybrid score interval for the difference of two
  independent proportions (method 10 of Newcombe, Statistics in Medicine 1998), from
  counts or from two Wilson intervals, and ``change_verdict`` in words;
* ``grade_for``, ``grade_certainty``, ``grades_possible``: a rate against grade bands,
  with the Jeffreys posterior Beta(k + ½, n − k + ½) for how sure the grade is;
* ``dispersion_factor`` and ``overdispersed_limits``: the multiplicative
  overdispersion adjustment of funnel limits (Spiegelhalter, Statistics in Medicine 2005),
  and ``funnel_position``: within, alert (outside 95%) or alarm (outside 99.8%);
* ``add_working_days``: a due date counted in working days, England and Wales bank
  holidays left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from inspect_app.core import design, stats

BETTER, SIMILAR, WORSE = "better", "similar", "worse"
IMPROVED, NO_CHANGE, GOT_WORSE = "improved", "no significant change", "worse"
NOT_LIKE_FOR_LIKE = "not like for like"
WITHIN, ALERT, ALARM = "within", "alert", "alarm"
LOW, HIGH = "low", "high"
ALERT_LEVEL, ALARM_LEVEL = 0.95, 0.998
EXACT, OVERDISPERSED = "exact", "overdispersed"
FUNNEL_METHODS = (EXACT, OVERDISPERSED)


class JudgementError(ValueError):
    """Input that cannot be judged: the message says what is wrong, in words."""


# --- against a target -----------------------------------------------------------------------


def versus(target: float, ci_low: float, ci_high: float) -> str:
    """better, similar or worse than ``target``, for a figure with interval [low, high].

    Similar when the target lies inside the interval, the limits included: an interval
    that only touches the target has not shown a difference.
    """
    if ci_low is None or ci_high is None or target is None:
        raise JudgementError("a comparison needs a target and an interval")
    if ci_low > ci_high:
        raise JudgementError(f"interval low {ci_low} is above its high {ci_high}")
    if ci_low <= target <= ci_high:
        return SIMILAR
    return BETTER if ci_low > target else WORSE


# --- against last time ----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """The change from a to b (b − a) with its interval."""

    rate_a: float
    rate_b: float
    difference: float
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def verdict(self) -> str:
        return change_verdict(self.ci_low, self.ci_high)


def newcombe_from_intervals(
    rate_a: float,
    low_a: float,
    high_a: float,
    rate_b: float,
    low_b: float,
    high_b: float,
    confidence: float = 0.95,
) -> Difference:
    """Newcombe's hybrid interval for b − a from each proportion's Wilson interval."""
    difference = rate_b - rate_a
    low = difference - math.sqrt((rate_b - low_b) ** 2 + (high_a - rate_a) ** 2)
    high = difference + math.sqrt((high_b - rate_b) ** 2 + (rate_a - low_a) ** 2)
    return Difference(rate_a, rate_b, difference, max(-1.0, low), min(1.0, high), float(confidence))


def newcombe_difference(
    k_a: float, n_a: float, k_b: float, n_b: float, confidence: float = 0.95
) -> Difference:
    """Newcombe's hybrid score interval for p_b − p_a, two independent samples.

    Counts may be fractional: a design-weighted figure comes as its rate at its
    effective sample size (``compliance.by_design.worth``), whose Wilson interval
    is the one its own figure is shown with.
    """
    if not (design.check_worth(k_a, n_a)[1] and design.check_worth(k_b, n_b)[1]):
        raise JudgementError("a change needs cases in both inspections (n > 0)")
    low_a, high_a = design.wilson_worth(k_a, n_a, confidence)
    low_b, high_b = design.wilson_worth(k_b, n_b, confidence)
    return newcombe_from_intervals(k_a / n_a, low_a, high_a, k_b / n_b, low_b, high_b, confidence)


def change_verdict(ci_low: float, ci_high: float) -> str:
    """improved, no significant change or worse, from the interval of b − a.

    An interval that reaches zero (its limit on it included) shows no change.
    """
    if ci_low > 0:
        return IMPROVED
    if ci_high < 0:
        return GOT_WORSE
    return NO_CHANGE


VERDICT_WORDS = {
    IMPROVED: "Improved: the whole interval of the change is above zero",
    NO_CHANGE: "No significant change: the interval of the change includes zero",
    GOT_WORSE: "Worse: the whole interval of the change is below zero",
    NOT_LIKE_FOR_LIKE: "Not like for like: the counting rules changed between the two, "
    "so the change is not tested",
}


# --- grades ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A grade from its lower bound (``start``) up to the next band's (or 1)."""

    grade: str
    start: float
    end: float  # 1.0 for the top band


def parse_bands(text: str) -> list[tuple[str, float]]:
    """'outstanding:0.95,good:0.90,…' → [(grade, from), …], checked by ``check_bands``."""
    bands = []
    for piece in (text or "").split(","):
        if not piece.strip():
            continue
        grade, colon, bound = piece.rpartition(":")
        if not colon or not grade.strip():
            raise JudgementError(f"“{piece.strip()}” is not grade:lower-bound")
        try:
            value = float(bound)
        except ValueError:
            raise JudgementError(f"“{bound.strip()}” is not a number") from None
        bands.append((grade.strip(), value))
    check_bands(bands)
    return bands


def check_bands(bands: Sequence[tuple[str, float]]) -> None:
    """Raise JudgementError unless the bounds fall strictly from below 1 to exactly 0."""
    if not bands:
        raise JudgementError("no grade bands given")
    names = [grade for grade, _ in bands]
    if len(set(names)) != len(names):
        raise JudgementError("each grade may appear once")
    bounds = [bound for _, bound in bands]
    if any(not math.isfinite(bound) or not 0 <= bound <= 1 for bound in bounds):
        raise JudgementError("every lower bound is a fraction from 0 to 1")
    if any(later >= earlier for earlier, later in zip(bounds, bounds[1:], strict=False)):
        raise JudgementError("lower bounds must be strictly decreasing")
    if bounds[-1] != 0:
        raise JudgementError("the last band must start at 0, so every rate has a grade")


def band_ranges(bands: Sequence[tuple[str, float]]) -> list[Band]:
    check_bands(bands)
    ends = [1.0] + [bound for _, bound in bands[:-1]]
    return [Band(grade, bound, end) for (grade, bound), end in zip(bands, ends, strict=True)]


def grade_for(rate: float, bands: Sequence[tuple[str, float]]) -> str:
    """The band ``rate`` falls in: the first whose lower bound it reaches."""
    for band in band_ranges(bands):
        if rate >= band.start:
            return band.grade
    raise JudgementError(f"rate {rate} is below every band")


def grade_certainty(k: float, n: float, bands: Sequence[tuple[str, float]]) -> float:
    """The probability that the true rate lies in the band k/n falls in, under the
    Jeffreys posterior Beta(k + ½, n − k + ½). A design-weighted figure comes as its
    rate at its effective sample size, so k and n may be fractional."""
    k, n = design.check_worth(k, n)
    if n == 0:
        raise JudgementError("a grade needs cases (n > 0)")
    grade = grade_for(k / n, bands)
    band = next(band for band in band_ranges(bands) if band.grade == grade)
    beta = stats._distributions().beta
    posterior = beta(k + 0.5, n - k + 0.5)
    upper = 1.0 if band.end >= 1.0 else posterior.cdf(band.end)
    return float(upper - posterior.cdf(band.start))


def grades_possible(ci_low: float, ci_high: float, bands: Sequence[tuple[str, float]]) -> list:
    """Every band the interval [low, high] touches, from the highest down."""
    touched = []
    for band in band_ranges(bands):
        top_reached = ci_low <= band.end if band.end >= 1.0 else ci_low < band.end
        if top_reached and ci_high >= band.start:
            touched.append(band.grade)
    return touched


# --- the funnel -----------------------------------------------------------------------------


def z_scores(points: Sequence[tuple[int, int]], target: float) -> list[float]:
    """Each (k, n)'s standardised distance from the target under the binomial."""
    if not 0 < target < 1:
        return []
    return [(k / n - target) / math.sqrt(target * (1 - target) / n) for k, n in points if n > 0]


def dispersion_factor(points: Sequence[tuple[int, int]], target: float) -> float:
    """φ: the mean squared z-score (Spiegelhalter 2005), never below 1.

    Over 1, the forces differ from the target more than sampling alone explains; the
    limits are widened by √φ. With fewer than two forces there is nothing to estimate.
    """
    scores = z_scores(points, target)
    if len(scores) < 2:
        return 1.0
    return max(1.0, sum(score * score for score in scores) / len(scores))


def overdispersed_limits(
    target: float, n: int, confidence: float, phi: float
) -> tuple[float, float]:
    """Multiplicative overdispersed limits: target ± z·√(φ·target(1 − target)/n)."""
    if n <= 0:
        return 0.0, 1.0
    spread = stats.z_value(confidence) * math.sqrt(phi * target * (1 - target) / n)
    return max(0.0, target - spread), min(1.0, target + spread)


@lru_cache(maxsize=8192)
def funnel_limits(
    target: float, n: int, confidence: float, method: str = EXACT, phi: float = 1.0
) -> tuple[float, float]:
    """The funnel's (low, high) at sample size n, by the chosen method."""
    if method == OVERDISPERSED:
        return overdispersed_limits(target, n, confidence, phi)
    if method != EXACT:
        raise JudgementError(f"funnel method must be one of {', '.join(FUNNEL_METHODS)}")
    return stats.funnel_limits(target, n, confidence)


def funnel_position(
    k: int, n: int, target: float, method: str = EXACT, phi: float = 1.0
) -> tuple[str, str]:
    """(within | alert | alarm, low | high): where k/n sits in the funnel.

    Strictly outside the 99.8% limits is an alarm, strictly outside 95% an alert. The
    side is the side of the target the rate lies on (a rate on the target: high).
    """
    if n <= 0:
        raise JudgementError("a funnel position needs cases (n > 0)")
    rate = k / n
    for level, name in ((ALARM_LEVEL, ALARM), (ALERT_LEVEL, ALERT)):
        low, high = funnel_limits(float(target), int(n), level, method, float(phi))
        if rate < low:
            return name, LOW
        if rate > high:
            return name, HIGH
    return WITHIN, LOW if rate < target else HIGH


def funnel_curve(
    target: float, sizes: Sequence[int], method: str = EXACT, phi: float = 1.0
) -> dict[float, list[tuple[int, float, float]]]:
    """The limits at both levels for each sample size, ready to draw."""
    return {
        level: [
            (int(n), *funnel_limits(float(target), int(n), level, method, float(phi)))
            for n in sizes
        ]
        for level in (ALERT_LEVEL, ALARM_LEVEL)
    }


# --- the clock ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset:
    # England and Wales share one list of bank holidays; the package carries it offline.
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (weekends and bank holidays skipped)."""
    if days < 0:
        raise JudgementError("working days must be 0 or more")
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current

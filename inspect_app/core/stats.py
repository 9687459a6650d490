"""Statistics for crime-data-integrity audits.

An audit samples reports of crime that should have been recorded and checks how many were. This
module turns those counts into the figures the inspectorate publishes and reasons about:

* a compliance rate with a confidence interval (Wilson, normal "±", or Clopper-Pearson exact),
  and whether that interval is narrow enough to publish as a reliable figure;
* a national (or regional) rate built from per-force samples, weighted by each force's recorded
  crime volume, because forces are sampled roughly equally but differ greatly in size;
* an estimate of how many crimes a force fails to record each year;
* funnel-plot control limits (Spiegelhalter 2005) for spotting forces that differ from a target
  by more than chance would explain;
* the sample size needed for a given margin of error;
* agreement between two auditors who made the same yes/no decisions (percentage agreement,
  Cohen's kappa, Gwet's AC1).

It is deliberately free of Django: numbers in, numbers out. Every float it returns is a plain
Python float and never NaN; where a figure cannot be computed it returns None (or raises
StatsError for input that is simply wrong), so callers can show "no figure" rather than 0% or NaN.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

METHODS = ("wilson", "normal", "exact")
DEFAULT_RELIABILITY_THRESHOLD = 0.05  # interval half-width, as a fraction (5 percentage points)

# ceil() of a float that should be a whole number can land one too high (1537.0000000000002);
# anything this close to an integer is treated as that integer.
_CEIL_TOLERANCE = 1e-9


class StatsError(ValueError):
    """Bad input: message is one line, fit to show a user."""


def _distributions():
    """scipy's distributions, imported on first use.

    Importing scipy.stats takes most of a second, and every command, worker and
    web process imports this module (through the figures and the review
    tallies): only the ones that compute an interval or a funnel pay for it.
    """
    from scipy import stats as scipy_stats

    return scipy_stats


# --- input checking -------------------------------------------------------------------------


def _as_count(name: str, value: object) -> int:
    # bool is an int subclass, but True/False passed as a count is always a caller bug; floats
    # are refused even when whole, because a fractional count means something upstream is wrong.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise StatsError(f"{name} must be a whole number, got {value!r}")
    count = int(value)
    if count < 0:
        raise StatsError(f"{name} cannot be negative, got {count}")
    return count


def _as_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StatsError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number):
        raise StatsError(f"{name} must be a number, got NaN")
    return number


def _as_fraction_in_closed_unit(name: str, value: object) -> float:
    number = _as_real(name, value)
    if not 0.0 <= number <= 1.0:
        raise StatsError(f"{name} must be between 0 and 1, got {value!r}")
    return number


def _as_fraction_in_open_unit(name: str, value: object) -> float:
    number = _as_real(name, value)
    if not 0.0 < number < 1.0:
        raise StatsError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")
    return number


def _check_counts(k: object, n: object) -> tuple[int, int]:
    numerator = _as_count("numerator", k)
    denominator = _as_count("denominator", n)
    if numerator > denominator:
        raise StatsError(f"numerator ({numerator}) cannot exceed denominator ({denominator})")
    return numerator, denominator


def _check_threshold(threshold: object) -> float:
    value = _as_real("reliability threshold", threshold)
    if value < 0:
        raise StatsError(f"reliability threshold cannot be negative, got {threshold!r}")
    return value


def _clip_unit(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def z_value(confidence: float) -> float:
    """Return the two-sided standard normal critical value for a confidence level.

    For 0.95 this is about 1.96: the point with (1 - confidence) / 2 of the normal distribution
    beyond it. Raises StatsError unless 0 < confidence < 1.
    """
    # NaN fails the range test too, so it gets the same message as any other bad level.
    is_number = isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)
    if not is_number or not 0.0 < float(confidence) < 1.0:
        raise StatsError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    level = float(confidence)
    return float(_distributions().norm.ppf(1.0 - (1.0 - level) / 2.0))


# --- single proportions ---------------------------------------------------------------------


def half_width(ci_low: float, ci_high: float) -> float:
    """Half an interval's width: the "±" margin that reliability is judged by, as a fraction."""
    return float((ci_high - ci_low) / 2.0)


@dataclass(frozen=True)
class Proportion:
    """A rate k/n with its confidence interval and how that interval was calculated."""

    numerator: int
    denominator: int
    rate: float
    ci_low: float
    ci_high: float
    method: str
    confidence: float

    @property
    def half_width(self) -> float:
        """Half the interval width: the "±" margin around the rate, as a fraction."""
        return half_width(self.ci_low, self.ci_high)

    def is_reliable(self, threshold: float = DEFAULT_RELIABILITY_THRESHOLD) -> bool:
        """Whether the interval is narrow enough (half-width at most threshold) to publish."""
        return self.half_width <= _check_threshold(threshold)


def _wilson_interval(k: int, n: int, z: float) -> tuple[float, float]:
    z_squared = z * z
    centre = 2 * k + z_squared
    spread = z * math.sqrt(z_squared + 4 * k * (n - k) / n)
    scale = 2 * (n + z_squared)
    low = _clip_unit((centre - spread) / scale)
    high = _clip_unit((centre + spread) / scale)
    # At k=0 (k=n) the score bound is exactly 0 (1) algebraically, but rounding can leave
    # 0.9999999999999999, which would put the interval's top below an observed 100%.
    if k == 0:
        low = 0.0
    if k == n:
        high = 1.0
    return low, high


def _normal_interval(k: int, n: int, z: float) -> tuple[float, float]:
    rate = k / n
    margin = z * math.sqrt(rate * (1 - rate) / n)
    # The inspectorate publishes this as "rate ± margin"; a bound below 0% or above 100% is
    # meaningless, so it is clipped rather than shown.
    return _clip_unit(rate - margin), _clip_unit(rate + margin)


def _exact_interval(k: int, n: int, confidence: float) -> tuple[float, float]:
    interval = (
        _distributions().binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    )
    return _clip_unit(float(interval.low)), _clip_unit(float(interval.high))


def proportion_interval(
    k: int, n: int, method: str = "wilson", confidence: float = 0.95
) -> tuple[float, float]:
    """Return the (low, high) confidence interval for the proportion k/n.

    method is one of METHODS: "wilson" (score interval, the default), "normal" (p ± z·se,
    clipped to [0, 1]) or "exact" (Clopper-Pearson). Raises StatsError for bad counts, an
    unknown method, a confidence outside (0, 1), or n == 0 (an empty sample has no interval;
    use proportion() to get None instead).
    """
    numerator, denominator = _check_counts(k, n)
    if method not in METHODS:
        raise StatsError(f"unknown interval method {method!r}: choose wilson, normal or exact")
    z = z_value(confidence)
    if denominator == 0:
        raise StatsError("cannot calculate an interval for an empty sample (denominator 0)")
    if method == "wilson":
        return _wilson_interval(numerator, denominator, z)
    if method == "normal":
        return _normal_interval(numerator, denominator, z)
    return _exact_interval(numerator, denominator, float(confidence))


def proportion(
    k: int, n: int, method: str = "wilson", confidence: float = 0.95
) -> Proportion | None:
    """Return the rate k/n with its confidence interval, or None when n == 0.

    None means "no figure": an empty sample has no rate, and callers should say so rather than
    show 0% or NaN. Raises StatsError for the same bad input as proportion_interval().
    """
    numerator, denominator = _check_counts(k, n)
    if method not in METHODS:
        raise StatsError(f"unknown interval method {method!r}: choose wilson, normal or exact")
    z_value(confidence)  # validate even when there is no figure, so bad calls never pass silently
    if denominator == 0:
        return None
    low, high = proportion_interval(numerator, denominator, method, confidence)
    return Proportion(
        numerator=numerator,
        denominator=denominator,
        rate=numerator / denominator,
        ci_low=low,
        ci_high=high,
        method=method,
        confidence=float(confidence),
    )


# --- weighted (stratified) estimates --------------------------------------------------------


@dataclass(frozen=True)
class Stratum:
    """One force's audit sample, with the force's annual recorded-crime volume as its weight."""

    volume: float  # the stratum's (force's) annual recorded-crime volume, > 0
    numerator: int
    denominator: int  # > 0


@dataclass(frozen=True)
class WeightedEstimate:
    """A volume-weighted rate across strata, with its standard error and confidence interval."""

    rate: float
    standard_error: float
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def half_width(self) -> float:
        """Half the interval width: the "±" margin around the rate, as a fraction."""
        return half_width(self.ci_low, self.ci_high)

    def is_reliable(self, threshold: float = DEFAULT_RELIABILITY_THRESHOLD) -> bool:
        """Whether the interval is narrow enough (half-width at most threshold) to publish."""
        return self.half_width <= _check_threshold(threshold)


def _check_stratum(position: int, stratum: Stratum) -> tuple[float, int, int]:
    label = f"stratum {position}"
    volume = stratum.volume
    if volume is None:
        raise StatsError(f"{label} has no crime volume; every stratum needs a volume above 0")
    volume = _as_real(f"{label} volume", volume)
    if not 0.0 < volume < math.inf:
        raise StatsError(f"{label} volume must be above 0, got {stratum.volume!r}")
    numerator = _as_count(f"{label} numerator", stratum.numerator)
    denominator = _as_count(f"{label} denominator", stratum.denominator)
    if denominator == 0:
        raise StatsError(f"{label} denominator must be above 0, got 0")
    if numerator > denominator:
        raise StatsError(
            f"{label} numerator ({numerator}) cannot exceed its denominator ({denominator})"
        )
    return volume, numerator, denominator


def stratified_estimate(strata: Sequence[Stratum], confidence: float = 0.95) -> WeightedEstimate:
    """Combine per-stratum samples into one rate, weighting each by its crime volume.

    Each stratum's rate p_f = numerator / denominator gets weight W_f = V_f / ΣV, so the result
    estimates the share of all crime recorded rather than the average force. The variance is
    Σ W_f² p_f(1 − p_f) / n_f and the interval is rate ± z·se, clipped to [0, 1]. Raises
    StatsError if there are no strata, or any has a missing or non-positive volume, a
    non-positive denominator or bad counts.
    """
    z = z_value(confidence)
    if not strata:
        raise StatsError("cannot calculate a weighted rate from no strata")
    checked = [_check_stratum(position, s) for position, s in enumerate(strata, start=1)]
    total_volume = math.fsum(volume for volume, _, _ in checked)
    rate = 0.0
    variance = 0.0
    for volume, numerator, denominator in checked:
        weight = volume / total_volume
        stratum_rate = numerator / denominator
        rate += weight * stratum_rate
        variance += weight * weight * stratum_rate * (1 - stratum_rate) / denominator
    # Summed weights can overshoot 1 by an ulp when every stratum is at 100%.
    rate = _clip_unit(rate)
    standard_error = math.sqrt(variance)
    return WeightedEstimate(
        rate=rate,
        standard_error=float(standard_error),
        ci_low=_clip_unit(rate - z * standard_error),
        ci_high=_clip_unit(rate + z * standard_error),
        confidence=float(confidence),
    )


# --- unrecorded crime -----------------------------------------------------------------------


def _unrecorded(volume: float, rate: float) -> float:
    return volume * (1.0 - rate) / rate


def unrecorded_per_year(
    volume: float, rate: float, rate_low: float, rate_high: float
) -> tuple[float, float, float] | None:
    """Estimate crimes left unrecorded each year, as (estimate, low, high).

    Recorded crime V is only the recorded share p of crime that should have been recorded, so
    about V·(1 − p)/p crimes go unrecorded. A higher recording rate means fewer unrecorded
    crimes, so the low bound uses rate_high and the high bound uses rate_low. Returns None when
    rate is 0 (no finite estimate); if only rate_low is 0 the high bound is math.inf. Raises
    StatsError for a negative volume, rates outside [0, 1], or rate_low > rate > rate_high.
    """
    if volume is None:
        raise StatsError("crime volume is missing")
    recorded = _as_real("crime volume", volume)
    if recorded < 0 or math.isinf(recorded):
        raise StatsError(f"crime volume must be 0 or more, got {volume!r}")
    point = _as_fraction_in_closed_unit("recording rate", rate)
    low_rate = _as_fraction_in_closed_unit("lower bound of the recording rate", rate_low)
    high_rate = _as_fraction_in_closed_unit("upper bound of the recording rate", rate_high)
    if not low_rate <= point <= high_rate:
        raise StatsError(
            "recording rate bounds out of order: need low <= rate <= high, got "
            f"{rate_low!r} <= {rate!r} <= {rate_high!r}"
        )
    if point <= 0:
        return None
    estimate = _unrecorded(recorded, point)
    low = _unrecorded(recorded, high_rate)  # high_rate >= point > 0, so finite
    high = _unrecorded(recorded, low_rate) if low_rate > 0 else math.inf
    return float(estimate), float(low), float(high)


# --- funnel plots ---------------------------------------------------------------------------


def _smallest_quantile(q: float, n: int, theta: float) -> int:
    # The interpolation below relies on F(r - 1) < q <= F(r); binom.ppf can be one step off in
    # floating point, so nudge r until that holds exactly as computed here.
    cdf = _distributions().binom.cdf
    r = int(_distributions().binom.ppf(q, n, theta))
    r = min(max(r, 0), n)
    while r > 0 and cdf(r - 1, n, theta) >= q:
        r -= 1
    while r < n and cdf(r, n, theta) < q:
        r += 1
    return r


def _funnel_limit(q: float, n: int, theta: float) -> float:
    r = _smallest_quantile(q, n, theta)
    cdf_at_r = float(_distributions().binom.cdf(r, n, theta))
    cdf_below_r = float(_distributions().binom.cdf(r - 1, n, theta)) if r > 0 else 0.0
    step = cdf_at_r - cdf_below_r
    # Spiegelhalter's interpolation makes the discrete binomial limit vary smoothly with n.
    alpha = (cdf_at_r - q) / step if step > 0 else 0.0
    return _clip_unit((r - alpha) / n)


def funnel_limits(target_rate: float, n: int, confidence: float) -> tuple[float, float]:
    """Return (low, high) funnel-plot control limits for a proportion with sample size n.

    Follows Spiegelhalter (Statistics in Medicine, 2005): exact binomial quantiles around
    target_rate, interpolated so the limits form a smooth funnel. A rate outside them differs
    from the target by more than chance at the given confidence (0.95 and 0.998 are the usual
    pair). A target of exactly 0 or 1 gives limits (target, target). Raises StatsError for
    n < 1, a target outside [0, 1] or a confidence outside (0, 1).
    """
    theta = _as_fraction_in_closed_unit("target rate", target_rate)
    size = _as_count("sample size", n)
    if size < 1:
        raise StatsError(f"sample size must be at least 1, got {size}")
    z_value(confidence)  # validates the level; the limits themselves need only the tail size
    level = float(confidence)
    if theta in (0.0, 1.0):
        # Degenerate binomial: every sample gives exactly the target, and the interpolation
        # would otherwise pull a limit a fraction of a case away from it.
        return theta, theta
    tail = (1.0 - level) / 2.0
    return _funnel_limit(tail, size, theta), _funnel_limit(1.0 - tail, size, theta)


def funnel_curve(
    target_rate: float,
    sizes: Iterable[int],
    confidences: Iterable[float] = (0.95, 0.998),
) -> dict[float, list[tuple[int, float, float]]]:
    """Return funnel_limits() for each confidence and sample size, ready to plot.

    The result maps each confidence to [(n, low, high), ...] in the order the sizes were given.
    """
    sample_sizes = list(sizes)  # may be a generator, and is walked once per confidence
    curves: dict[float, list[tuple[int, float, float]]] = {}
    for confidence in confidences:
        level = float(confidence)
        curves[level] = [
            (int(size), *funnel_limits(target_rate, size, level)) for size in sample_sizes
        ]
    return curves


def is_outlier(k: int, n: int, target_rate: float, confidence: float = 0.998) -> bool:
    """Whether k/n lies strictly outside the funnel limits around target_rate."""
    numerator, denominator = _check_counts(k, n)
    low, high = funnel_limits(target_rate, denominator, confidence)
    rate = numerator / denominator
    return rate < low or rate > high


# --- sample size ----------------------------------------------------------------------------


def sample_size(
    expected_rate: float,
    margin: float,
    confidence: float = 0.95,
    population: int | None = None,
) -> int:
    """Return the sample size needed to estimate a rate within ± margin.

    Uses n₀ = z²·p(1 − p)/E² for expected rate p and margin E; with a finite population N this
    is reduced to n₀ / (1 + (n₀ − 1)/N). The result is rounded up. Raises StatsError for a rate
    or margin outside (0, 1), a bad confidence, or a population below 1.
    """
    rate = _as_fraction_in_open_unit("expected rate", expected_rate)
    error = _as_fraction_in_open_unit("margin of error", margin)
    z = z_value(confidence)
    needed = z * z * rate * (1.0 - rate) / (error * error)
    if population is not None:
        size = _as_count("population", population)
        if size < 1:
            raise StatsError(f"population must be at least 1, got {size}")
        needed = needed / (1.0 + (needed - 1.0) / size)
    return max(1, math.ceil(needed - _CEIL_TOLERANCE))


# --- inter-rater agreement ------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """How far two raters agree on the same yes/no decisions; None where undefined."""

    pairs: int
    observed: float | None
    cohens_kappa: float | None
    gwet_ac1: float | None


def _is_numpy_bool(value: object) -> bool:
    # A numpy bool can only exist once numpy is loaded: looking it up, rather than importing
    # numpy, keeps this module from loading numpy for callers that never use it.
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.bool_)


def _as_decision(value: object) -> bool:
    if isinstance(value, bool) or _is_numpy_bool(value):
        return bool(value)
    # Truthiness would turn the string "no" into a yes, so anything else is refused.
    raise StatsError(f"each decision must be yes or no (True or False), got {value!r}")


def _chance_corrected(observed: Fraction, chance: Fraction) -> float | None:
    if chance == 1:
        return None
    return float((observed - chance) / (1 - chance))


def agreement(pairs: Iterable[tuple[bool, bool]]) -> Agreement:
    """Summarise agreement between two raters' paired yes/no decisions.

    Returns the number of pairs, the observed (percentage) agreement, Cohen's kappa and Gwet's
    AC1. Kappa is undefined when its chance agreement is 1 (both raters always gave the same
    single answer) and is then None; AC1 likewise. With no pairs all three figures are None.
    Kappa drops sharply when nearly every answer is "yes" even if raters mostly agree, which is
    why AC1, which is stable at high prevalence, is reported alongside it.
    """
    both_yes = first_only = second_only = both_no = 0
    for pair in pairs:
        try:
            first, second = pair
        except (TypeError, ValueError):
            raise StatsError(f"each pair must hold exactly two decisions, got {pair!r}") from None
        first_yes, second_yes = _as_decision(first), _as_decision(second)
        if first_yes and second_yes:
            both_yes += 1
        elif first_yes:
            first_only += 1
        elif second_yes:
            second_only += 1
        else:
            both_no += 1
    total = both_yes + first_only + second_only + both_no
    if total == 0:
        return Agreement(pairs=0, observed=None, cohens_kappa=None, gwet_ac1=None)

    # Exact fractions so "chance agreement is 1" is tested exactly, not to within rounding.
    observed = Fraction(both_yes + both_no, total)
    first_yes_share = Fraction(both_yes + first_only, total)
    second_yes_share = Fraction(both_yes + second_only, total)
    kappa_chance = first_yes_share * second_yes_share + (1 - first_yes_share) * (
        1 - second_yes_share
    )
    mean_yes_share = (first_yes_share + second_yes_share) / 2
    # Gwet's chance agreement for Q categories is Σ π_q(1 − π_q) / (Q − 1); with Q = 2 it is
    # 2π(1 − π), which never exceeds 1/2, but the guard is kept for symmetry with kappa.
    ac1_chance = 2 * mean_yes_share * (1 - mean_yes_share)
    return Agreement(
        pairs=total,
        observed=float(observed),
        cohens_kappa=_chance_corrected(observed, kappa_chance),
        gwet_ac1=_chance_corrected(observed, ac1_chance),
    )

"""Specification tests for inspect_app.core.stats.

Expected values come from independent sources (statsmodels, scipy, or formulas written out here
from the textbook definitions), never from the module's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.inter_rater import cohens_kappa as statsmodels_cohens_kappa
from statsmodels.stats.proportion import proportion_confint

from inspect_app.core import stats
from inspect_app.core.stats import StatsError

GRID = [
    (k, n, confidence)
    for n in (1, 2, 5, 10, 37, 120, 181, 1000)
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n} & set(range(n + 1)))
    for confidence in (0.8, 0.95, 0.99, 0.998)
]

STATSMODELS_METHOD = {"wilson": "wilson", "normal": "normal", "exact": "beta"}


def _assert_plain_float(value: object) -> None:
    assert type(value) is float, f"{value!r} is {type(value).__name__}, not float"
    assert not math.isnan(value)


# --- z_value --------------------------------------------------------------------------------


def test_z_value_is_the_two_sided_normal_quantile() -> None:
    assert stats.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    # From a printed table, not from scipy: z_value is scipy's norm.ppf underneath.
    assert stats.z_value(0.998) == pytest.approx(3.090232, abs=1e-6)
    _assert_plain_float(stats.z_value(0.9))


@pytest.mark.parametrize("confidence", [0, 1, -0.5, 1.5, 95, float("nan")])
def test_it_rejects_confidence_outside_0_1(confidence: float) -> None:
    with pytest.raises(StatsError, match="confidence must be between 0 and 1 \\(exclusive\\)"):
        stats.z_value(confidence)
    with pytest.raises(StatsError, match="confidence"):
        stats.proportion(5, 10, confidence=confidence)
    with pytest.raises(StatsError, match="confidence"):
        stats.proportion(0, 0, confidence=confidence)


def test_confidence_error_message_names_the_bad_value() -> None:
    with pytest.raises(StatsError) as raised:
        stats.z_value(1.5)
    assert str(raised.value) == "confidence must be between 0 and 1 (exclusive), got 1.5"


# --- single proportions ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["wilson", "normal", "exact"])
@pytest.mark.parametrize(("k", "n", "confidence"), GRID)
def test_intervals_match_statsmodels_across_the_grid(
    method: str, k: int, n: int, confidence: float
) -> None:
    low, high = stats.proportion_interval(k, n, method=method, confidence=confidence)
    expected_low, expected_high = proportion_confint(
        k, n, alpha=1 - confidence, method=STATSMODELS_METHOD[method]
    )
    # statsmodels leaves the normal interval unclipped; the inspectorate clips it to [0, 1].
    expected_low, expected_high = max(0.0, expected_low), min(1.0, expected_high)
    assert low == pytest.approx(expected_low, abs=1e-9)
    assert high == pytest.approx(expected_high, abs=1e-9)
    _assert_plain_float(low)
    _assert_plain_float(high)
    assert 0.0 <= low <= k / n <= high <= 1.0


def _binomial_tail_at_most(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed term by term in logs (no scipy)."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if k >= n else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_n = math.lgamma(n + 1)
    return sum(
        math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        for i in range(k + 1)
    )


@pytest.mark.parametrize(("k", "n", "confidence"), GRID)
def test_exact_interval_meets_the_clopper_pearson_definition(
    k: int, n: int, confidence: float
) -> None:
    # The exact interval is scipy's binomtest underneath, so it is checked against what
    # defines it: each bound is the rate at which seeing k (or a result further out) has
    # probability (1 - confidence) / 2; at k = 0 or k = n that side is 0 or 1.
    tail = (1 - confidence) / 2
    low, high = stats.proportion_interval(k, n, method="exact", confidence=confidence)
    if k == 0:
        assert low == 0.0
    else:  # P(X >= k | low) = tail
        assert 1 - _binomial_tail_at_most(k - 1, n, low) == pytest.approx(tail, abs=1e-9)
    if k == n:
        assert high == 1.0
    else:  # P(X <= k | high) = tail
        assert _binomial_tail_at_most(k, n, high) == pytest.approx(tail, abs=1e-9)


@pytest.mark.parametrize(("k", "n", "confidence"), GRID)
def test_wilson_matches_the_score_formula_written_out(k: int, n: int, confidence: float) -> None:
    z = scipy_stats.norm.ppf(1 - (1 - confidence) / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    spread = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low, high = stats.proportion_interval(k, n, "wilson", confidence)
    assert low == pytest.approx(max(0.0, centre - spread), abs=1e-12)
    assert high == pytest.approx(min(1.0, centre + spread), abs=1e-12)


def test_exact_interval_reaches_0_and_1_at_the_extremes() -> None:
    assert stats.proportion_interval(0, 20, "exact")[0] == 0.0
    assert stats.proportion_interval(20, 20, "exact")[1] == 1.0
    assert stats.proportion_interval(0, 1, "exact")[1] == pytest.approx(0.975)


def test_normal_interval_is_clipped_to_0_1() -> None:
    low, high = stats.proportion_interval(1, 2, "normal", 0.95)
    assert (low, high) == (0.0, 1.0)
    low, high = stats.proportion_interval(19, 20, "normal", 0.95)
    unclipped_high = 0.95 + 1.959964 * math.sqrt(0.95 * 0.05 / 20)
    assert unclipped_high > 1
    assert high == 1.0


def test_proportion_of_an_empty_sample_is_no_figure() -> None:
    assert stats.proportion(0, 0) is None
    assert stats.proportion(0, 0, method="exact", confidence=0.99) is None


def test_interval_of_an_empty_sample_is_refused() -> None:
    with pytest.raises(StatsError, match="empty sample"):
        stats.proportion_interval(0, 0)


def test_essex_2014_worked_figure_is_not_reliable() -> None:
    essex = stats.proportion(110, 120)
    assert essex is not None
    assert essex.rate == pytest.approx(0.9167, abs=5e-5)
    assert essex.ci_low == pytest.approx(0.8534, abs=5e-5)
    assert essex.ci_high == pytest.approx(0.9541, abs=5e-5)
    assert essex.half_width > 0.05
    assert not essex.is_reliable()
    assert essex.is_reliable(threshold=0.06)
    assert (essex.numerator, essex.denominator, essex.method, essex.confidence) == (
        110,
        120,
        "wilson",
        0.95,
    )


def test_hertfordshire_worked_figure() -> None:
    herts = stats.proportion(130, 181)
    assert herts is not None
    assert herts.rate == pytest.approx(0.718, abs=5e-4)
    assert herts.ci_low == pytest.approx(0.649, abs=5e-4)
    assert herts.ci_high == pytest.approx(0.779, abs=5e-4)


def test_half_width_is_half_the_interval_and_reliability_uses_it() -> None:
    big = stats.proportion(900, 1000)
    assert big is not None
    assert big.half_width == pytest.approx((big.ci_high - big.ci_low) / 2)
    _assert_plain_float(big.half_width)
    # A 1,000-case sample at 90% gives roughly ±1.9 points: comfortably reliable.
    assert big.is_reliable()
    assert not big.is_reliable(threshold=0.01)


def test_proportion_returns_plain_floats_for_every_method() -> None:
    for method in stats.METHODS:
        result = stats.proportion(np.int64(7), np.int64(9), method=method)
        assert result is not None
        for value in (result.rate, result.ci_low, result.ci_high, result.confidence):
            _assert_plain_float(value)
        assert type(result.numerator) is int and type(result.denominator) is int


def test_it_rejects_an_unknown_interval_method() -> None:
    with pytest.raises(StatsError) as raised:
        stats.proportion(1, 2, method="agresti")
    assert str(raised.value) == (
        "unknown interval method 'agresti': choose wilson, normal or exact"
    )
    with pytest.raises(StatsError, match="unknown interval method"):
        stats.proportion_interval(1, 2, method="Wilson")
    with pytest.raises(StatsError, match="unknown interval method"):
        stats.proportion(0, 0, method="nope")


@pytest.mark.parametrize(
    ("k", "n", "message"),
    [
        (-1, 10, "numerator cannot be negative"),
        (1, -10, "denominator cannot be negative"),
        (11, 10, r"numerator \(11\) cannot exceed denominator \(10\)"),
        (2.5, 10, "numerator must be a whole number"),
        (2, 10.0, "denominator must be a whole number"),
        ("3", 10, "numerator must be a whole number"),
        (None, 10, "numerator must be a whole number"),
        (True, 10, "numerator must be a whole number"),
    ],
)
def test_it_rejects_bad_counts(k: object, n: object, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        stats.proportion(k, n)  # type: ignore[arg-type]
    with pytest.raises(StatsError, match=message):
        stats.proportion_interval(k, n)  # type: ignore[arg-type]


def test_stats_error_is_a_value_error() -> None:
    assert issubclass(StatsError, ValueError)


def test_reliability_threshold_must_be_sensible() -> None:
    result = stats.proportion(50, 100)
    assert result is not None
    with pytest.raises(StatsError, match="threshold cannot be negative"):
        result.is_reliable(-0.1)


# --- stratified estimate --------------------------------------------------------------------


def test_stratified_estimate_matches_a_hand_worked_example() -> None:
    # Force A: 300,000 crimes, 90 of 100 recorded. Force B: 100,000 crimes, 60 of 80 recorded.
    # Weights 0.75 and 0.25; rates 0.9 and 0.75.
    strata = [stats.Stratum(300_000, 90, 100), stats.Stratum(100_000, 60, 80)]
    rate = 0.75 * 0.9 + 0.25 * 0.75  # 0.8625
    variance = 0.75**2 * 0.9 * 0.1 / 100 + 0.25**2 * 0.75 * 0.25 / 80
    se = math.sqrt(variance)
    z = scipy_stats.norm.ppf(0.975)

    estimate = stats.stratified_estimate(strata)

    assert estimate.rate == pytest.approx(0.8625)
    assert estimate.rate == pytest.approx(rate)
    assert estimate.standard_error == pytest.approx(se)
    assert estimate.ci_low == pytest.approx(rate - z * se)
    assert estimate.ci_high == pytest.approx(rate + z * se)
    assert estimate.half_width == pytest.approx(z * se)
    assert estimate.confidence == 0.95
    # 1.96 × 0.02555 ≈ ±5.01 points: just too wide for the default 5-point threshold.
    assert estimate.half_width > 0.05
    assert not estimate.is_reliable()
    assert estimate.is_reliable(threshold=0.051)
    for value in (estimate.rate, estimate.standard_error, estimate.ci_low, estimate.ci_high):
        _assert_plain_float(value)


def test_stratified_estimate_weights_by_volume_not_sample_size() -> None:
    # Same samples, volumes swapped: the bigger force's rate must dominate.
    small_first = stats.stratified_estimate(
        [stats.Stratum(1_000, 10, 100), stats.Stratum(99_000, 90, 100)]
    )
    assert small_first.rate == pytest.approx(0.01 * 0.1 + 0.99 * 0.9)
    # Pooled k/n would be 0.5: the weighted figure must differ from it.
    assert small_first.rate != pytest.approx(0.5)


def test_stratified_estimate_is_clipped_to_0_1_and_wider_at_higher_confidence() -> None:
    strata = [stats.Stratum(50, 9, 10), stats.Stratum(50, 10, 10)]
    at_95 = stats.stratified_estimate(strata, 0.95)
    at_99 = stats.stratified_estimate(strata, 0.99)
    assert at_95.ci_high == 1.0
    assert at_99.half_width > at_95.half_width or at_99.ci_low < at_95.ci_low
    all_recorded = stats.stratified_estimate([stats.Stratum(10, 5, 5), stats.Stratum(20, 7, 7)])
    assert (all_recorded.rate, all_recorded.ci_low, all_recorded.ci_high) == (1.0, 1.0, 1.0)
    assert all_recorded.standard_error == 0.0


@pytest.mark.parametrize(
    ("strata", "message"),
    [
        ([], "no strata"),
        ([stats.Stratum(None, 1, 2)], "stratum 1 has no crime volume"),  # type: ignore[arg-type]
        ([stats.Stratum(10, 1, 2), stats.Stratum(0, 1, 2)], "stratum 2 volume must be above 0"),
        ([stats.Stratum(-5, 1, 2)], "stratum 1 volume must be above 0"),
        ([stats.Stratum(float("nan"), 1, 2)], "stratum 1 volume must be a number"),
        ([stats.Stratum(10, 0, 0)], "stratum 1 denominator must be above 0"),
        ([stats.Stratum(10, 1, -2)], "stratum 1 denominator cannot be negative"),
        ([stats.Stratum(10, 3, 2)], r"stratum 1 numerator \(3\) cannot exceed"),
        ([stats.Stratum(10, 1.5, 2)], "stratum 1 numerator must be a whole number"),
    ],
)
def test_stratified_estimate_rejects_bad_strata(strata: list, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        stats.stratified_estimate(strata)


def test_stratified_estimate_rejects_bad_confidence() -> None:
    with pytest.raises(StatsError, match="confidence"):
        stats.stratified_estimate([stats.Stratum(10, 1, 2)], confidence=1.0)


# --- unrecorded crime -----------------------------------------------------------------------


def test_unrecorded_per_year_for_an_80_percent_rate() -> None:
    result = stats.unrecorded_per_year(100_000, 0.8, 0.75, 0.85)
    assert result is not None
    estimate, low, high = result
    assert estimate == pytest.approx(25_000)
    assert low == pytest.approx(100_000 * 0.15 / 0.85)
    assert high == pytest.approx(100_000 * 0.25 / 0.75)
    assert low < estimate < high
    for value in result:
        _assert_plain_float(value)


def test_unrecorded_per_year_is_no_figure_at_a_zero_rate() -> None:
    assert stats.unrecorded_per_year(100_000, 0.0, 0.0, 0.1) is None


def test_unrecorded_per_year_high_bound_is_unbounded_when_low_rate_is_zero() -> None:
    result = stats.unrecorded_per_year(1_000, 0.05, 0.0, 0.2)
    assert result is not None
    assert result[0] == pytest.approx(19_000)
    assert result[1] == pytest.approx(4_000)
    assert result[2] == math.inf


def test_unrecorded_per_year_is_zero_at_full_recording() -> None:
    assert stats.unrecorded_per_year(5_000, 1.0, 0.95, 1.0) == pytest.approx(
        (0.0, 0.0, 5_000 * 0.05 / 0.95)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 0.8, 0.7, 0.9), "crime volume must be 0 or more"),
        ((None, 0.8, 0.7, 0.9), "crime volume is missing"),
        ((100, 1.2, 0.7, 1.3), "recording rate must be between 0 and 1"),
        ((100, 0.8, -0.1, 0.9), "lower bound of the recording rate must be between 0 and 1"),
        ((100, 0.8, 0.7, 1.1), "upper bound of the recording rate must be between 0 and 1"),
        ((100, 0.8, 0.85, 0.9), "bounds out of order"),
        ((100, 0.8, 0.7, 0.75), "bounds out of order"),
    ],
)
def test_unrecorded_per_year_rejects_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        stats.unrecorded_per_year(*args)


# --- funnel limits --------------------------------------------------------------------------


def _assert_interpolated_quantile(limit: float, n: int, theta: float, q: float) -> None:
    """limit·n sits between r − 1 and r where F(r − 1) < q <= F(r), interpolating F to q."""
    position = limit * n
    r = math.ceil(position - 1e-9)
    cdf_r = scipy_stats.binom.cdf(r, n, theta)
    cdf_below = scipy_stats.binom.cdf(r - 1, n, theta)
    assert cdf_below < q <= cdf_r + 1e-12
    interpolated = cdf_below + (position - (r - 1)) * (cdf_r - cdf_below)
    assert interpolated == pytest.approx(q, abs=1e-9)


@pytest.mark.parametrize("theta", [0.3, 0.75, 0.9, 0.95])
@pytest.mark.parametrize("n", [20, 57, 120, 400, 2_000])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_funnel_limits_are_interpolated_binomial_quantiles(
    theta: float, n: int, confidence: float
) -> None:
    low, high = stats.funnel_limits(theta, n, confidence)
    tail = (1 - confidence) / 2
    if low > 0:
        _assert_interpolated_quantile(low, n, theta, tail)
    _assert_interpolated_quantile(high, n, theta, 1 - tail)
    # The direct check: P(X <= limit·n) is about the tail probability.
    assert scipy_stats.binom.cdf(math.floor(low * n), n, theta) <= tail + 1e-12
    assert scipy_stats.binom.cdf(math.ceil(high * n), n, theta) >= 1 - tail - 1e-12
    _assert_plain_float(low)
    _assert_plain_float(high)


@pytest.mark.parametrize("theta", [0.5, 0.9])
def test_funnel_limits_contain_the_target_and_narrow_as_n_grows(theta: float) -> None:
    previous_width = math.inf
    for n in (10, 30, 100, 300, 1_000, 10_000):
        low95, high95 = stats.funnel_limits(theta, n, 0.95)
        low998, high998 = stats.funnel_limits(theta, n, 0.998)
        assert 0.0 <= low998 <= low95 <= theta <= high95 <= high998 <= 1.0
        assert high998 - low998 > high95 - low95
        assert high95 - low95 < previous_width
        previous_width = high95 - low95


@pytest.mark.parametrize("theta", [0.2, 0.8, 0.95])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_funnel_limits_approach_the_normal_approximation_for_large_n(
    theta: float, confidence: float
) -> None:
    n = 200_000
    z = scipy_stats.norm.ppf(1 - (1 - confidence) / 2)
    margin = z * math.sqrt(theta * (1 - theta) / n)
    low, high = stats.funnel_limits(theta, n, confidence)
    assert low == pytest.approx(theta - margin, abs=margin * 0.02)
    assert high == pytest.approx(theta + margin, abs=margin * 0.02)


def test_funnel_limits_at_a_target_of_0_or_1_collapse_onto_it() -> None:
    assert stats.funnel_limits(1.0, 50, 0.95) == (1.0, 1.0)
    assert stats.funnel_limits(0.0, 50, 0.998) == (0.0, 0.0)


def test_funnel_limits_for_a_single_case_stay_in_0_1() -> None:
    low, high = stats.funnel_limits(0.9, 1, 0.998)
    assert 0.0 <= low <= 0.9 <= high <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.9, 0, 0.95), "sample size must be at least 1"),
        ((0.9, -3, 0.95), "sample size cannot be negative"),
        ((0.9, 10.5, 0.95), "sample size must be a whole number"),
        ((1.2, 10, 0.95), "target rate must be between 0 and 1"),
        ((0.9, 10, 1.0), "confidence must be between 0 and 1"),
    ],
)
def test_funnel_limits_reject_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        stats.funnel_limits(*args)


def test_funnel_curve_lists_limits_per_confidence_and_size() -> None:
    sizes = (n for n in (50, 100, 200))  # a one-shot generator must still serve both levels
    curve = stats.funnel_curve(0.9, sizes)
    assert set(curve) == {0.95, 0.998}
    for confidence, points in curve.items():
        assert [n for n, _, _ in points] == [50, 100, 200]
        for n, low, high in points:
            assert (low, high) == stats.funnel_limits(0.9, n, confidence)


def test_funnel_curve_with_custom_confidences() -> None:
    curve = stats.funnel_curve(0.5, [10], confidences=[0.8])
    assert list(curve) == [0.8]
    assert len(curve[0.8]) == 1


def test_is_outlier_flags_rates_outside_the_funnel() -> None:
    n = 200
    low, _ = stats.funnel_limits(0.9, n, 0.998)
    assert not stats.is_outlier(180, n, 0.9)
    assert stats.is_outlier(math.floor(low * n) - 1, n, 0.9)
    assert stats.is_outlier(n, n, 0.5)
    assert not stats.is_outlier(math.ceil(low * n), n, 0.9)
    # Stricter limits flag more: a rate inside the 99.8% funnel can be outside the 95% one.
    k = math.floor(stats.funnel_limits(0.9, n, 0.95)[0] * n) - 1
    assert stats.is_outlier(k, n, 0.9, confidence=0.95)
    assert not stats.is_outlier(k, n, 0.9, confidence=0.998)


def test_a_rate_exactly_on_a_limit_is_not_an_outlier() -> None:
    # With a 100% target both limits are exactly 1, so only a shortfall is outside the funnel.
    assert not stats.is_outlier(40, 40, 1.0)
    assert stats.is_outlier(39, 40, 1.0)
    assert not stats.is_outlier(0, 40, 0.0)


def test_is_outlier_rejects_bad_counts() -> None:
    with pytest.raises(StatsError, match="cannot exceed"):
        stats.is_outlier(5, 4, 0.9)
    with pytest.raises(StatsError, match="sample size must be at least 1"):
        stats.is_outlier(0, 0, 0.9)


# --- sample size ----------------------------------------------------------------------------


def test_sample_size_for_90_percent_within_1_5_points() -> None:
    z = scipy_stats.norm.ppf(0.975)
    n0 = z**2 * 0.9 * 0.1 / 0.015**2
    assert n0 == pytest.approx(1_537, abs=1)
    size = stats.sample_size(0.9, 0.015, 0.95)
    assert size == math.ceil(n0)
    assert size in (1_537, 1_538)
    assert type(size) is int


def test_sample_size_is_reduced_for_a_finite_population() -> None:
    z = scipy_stats.norm.ppf(0.975)
    n0 = z**2 * 0.9 * 0.1 / 0.015**2
    expected = math.ceil(n0 / (1 + (n0 - 1) / 5_000))
    assert stats.sample_size(0.9, 0.015, population=5_000) == expected
    assert expected < stats.sample_size(0.9, 0.015)
    # A population smaller than the infinite-population size can never need more than itself.
    assert stats.sample_size(0.9, 0.015, population=300) <= 300
    assert stats.sample_size(0.9, 0.015, population=1) == 1


def test_sample_size_grows_with_confidence_and_shrinking_margin() -> None:
    assert stats.sample_size(0.9, 0.015, 0.99) > stats.sample_size(0.9, 0.015, 0.95)
    assert stats.sample_size(0.9, 0.01) > stats.sample_size(0.9, 0.015)
    assert stats.sample_size(0.5, 0.05) == math.ceil(scipy_stats.norm.ppf(0.975) ** 2 * 100)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0.0, 0.05), {}, "expected rate must be between 0 and 1"),
        ((1.0, 0.05), {}, "expected rate must be between 0 and 1"),
        ((0.9, 0.0), {}, "margin of error must be between 0 and 1"),
        ((0.9, 1.5), {}, "margin of error must be between 0 and 1"),
        ((0.9, 0.05), {"population": 0}, "population must be at least 1"),
        ((0.9, 0.05), {"population": -10}, "population cannot be negative"),
        ((0.9, 0.05), {"population": 10.5}, "population must be a whole number"),
        ((0.9, 0.05), {"confidence": 0.0}, "confidence must be between 0 and 1"),
    ],
)
def test_sample_size_rejects_bad_input(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        stats.sample_size(*args, **kwargs)


# --- agreement ------------------------------------------------------------------------------


def _pairs(both_yes: int, first_only: int, second_only: int, both_no: int) -> list:
    return (
        [(True, True)] * both_yes
        + [(True, False)] * first_only
        + [(False, True)] * second_only
        + [(False, False)] * both_no
    )


def _textbook_kappa(a: int, b: int, c: int, d: int) -> float:
    n = a + b + c + d
    observed = (a + d) / n
    expected = ((a + b) / n) * ((a + c) / n) + ((c + d) / n) * ((b + d) / n)
    return (observed - expected) / (1 - expected)


def _gwet_ac1(a: int, b: int, c: int, d: int) -> float:
    # Gwet (2008): pe = Σ_q π_q(1 − π_q) / (Q − 1), π_q the mean of the raters' marginal shares.
    n = a + b + c + d
    observed = (a + d) / n
    pi_yes = ((a + b) / n + (a + c) / n) / 2
    pi_no = ((c + d) / n + (b + d) / n) / 2
    chance = (pi_yes * (1 - pi_yes) + pi_no * (1 - pi_no)) / (2 - 1)
    return (observed - chance) / (1 - chance)


@pytest.mark.parametrize(
    "table", [(20, 5, 10, 15), (40, 9, 6, 45), (7, 3, 2, 8), (1, 0, 0, 1), (3, 4, 5, 2)]
)
def test_cohens_kappa_matches_the_textbook_formula_and_statsmodels(table: tuple) -> None:
    a, b, c, d = table
    result = stats.agreement(_pairs(a, b, c, d))
    assert result.pairs == a + b + c + d
    assert result.observed == pytest.approx((a + d) / (a + b + c + d))
    assert result.cohens_kappa == pytest.approx(_textbook_kappa(a, b, c, d))
    # statsmodels wants rows = first rater, columns = second rater.
    statsmodels_kappa = statsmodels_cohens_kappa(np.array([[a, b], [c, d]])).kappa
    assert result.cohens_kappa == pytest.approx(statsmodels_kappa)
    for value in (result.observed, result.cohens_kappa, result.gwet_ac1):
        _assert_plain_float(value)


def test_gwet_ac1_matches_a_hand_worked_example() -> None:
    # 2x2 table: a=20 both yes, b=5 first only, c=10 second only, d=15 both no (n=50).
    # po = 35/50 = 0.7; π_yes = (25/50 + 30/50)/2 = 0.55; pe = 2·0.55·0.45 = 0.495;
    # AC1 = (0.7 − 0.495) / (1 − 0.495) = 0.205 / 0.505.
    result = stats.agreement(_pairs(20, 5, 10, 15))
    assert result.gwet_ac1 == pytest.approx(0.205 / 0.505)
    assert result.gwet_ac1 == pytest.approx(_gwet_ac1(20, 5, 10, 15))


def test_kappa_collapses_at_high_prevalence_while_ac1_stays_high() -> None:
    # Auditors agree on 90 of 100 crimes, but almost everything is "should be recorded".
    result = stats.agreement(_pairs(90, 5, 5, 0))
    assert result.observed == pytest.approx(0.9)
    assert result.cohens_kappa == pytest.approx(_textbook_kappa(90, 5, 5, 0))
    assert result.cohens_kappa < 0.1
    assert result.gwet_ac1 == pytest.approx(_gwet_ac1(90, 5, 5, 0))
    assert result.gwet_ac1 > 0.85


def test_agreement_with_no_pairs_has_no_figures() -> None:
    assert stats.agreement([]) == stats.Agreement(0, None, None, None)
    assert stats.agreement(iter(())) == stats.Agreement(0, None, None, None)


@pytest.mark.parametrize("answer", [True, False])
def test_kappa_is_none_not_nan_when_both_raters_always_give_one_answer(answer: bool) -> None:
    result = stats.agreement([(answer, answer)] * 12)
    assert result.pairs == 12
    assert result.observed == 1.0
    assert result.cohens_kappa is None
    # AC1's chance agreement is 0 here, so it is defined and shows perfect agreement.
    assert result.gwet_ac1 == 1.0


def test_agreement_accepts_a_generator_and_numpy_booleans() -> None:
    first = np.array([True, True, False, False])
    second = np.array([True, False, False, False])
    result = stats.agreement(zip(first, second, strict=True))
    assert result.pairs == 4
    assert result.cohens_kappa == pytest.approx(_textbook_kappa(1, 1, 0, 2))


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([(True, "no")], "each decision must be yes or no"),
        ([(1, 0)], "each decision must be yes or no"),
        ([(True,)], "each pair must hold exactly two decisions"),
        ([(True, False, True)], "each pair must hold exactly two decisions"),
        ([None], "each pair must hold exactly two decisions"),
    ],
)
def test_agreement_rejects_malformed_pairs(pairs: list, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        stats.agreement(pairs)


# --- error messages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: stats.z_value(2),
        lambda: stats.proportion(3, 2),
        lambda: stats.proportion(1, 2, method="bayes"),
        lambda: stats.stratified_estimate([]),
        lambda: stats.unrecorded_per_year(-1, 0.5, 0.4, 0.6),
        lambda: stats.funnel_limits(0.5, 0, 0.95),
        lambda: stats.sample_size(0.5, 2),
        lambda: stats.agreement([("yes", "no")]),
    ],
)
def test_every_error_message_is_one_readable_line(call) -> None:
    with pytest.raises(StatsError) as raised:
        call()
    message = str(raised.value)
    assert message
    assert "\n" not in message
    assert "Traceback" not in message

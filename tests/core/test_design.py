"""The design-based estimator against an independent implementation (samplics) and by hand."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import beta

from inspect_app.core import design, stats

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam


def case_level(strata):
    """Expand stratum counts into one row per reviewed case, as a survey library takes them."""
    rows = []
    for h, s in enumerate(strata):
        for i in range(s.reviewed):
            rows.append((h, s.population / s.reviewed, int(i < s.judged), int(i < s.met)))
    return rows


def samplics_ratio(strata, domain=None):
    rows = case_level([s for s in strata if s.reviewed])
    stratum = np.array([row[0] for row in rows])
    weight = np.array([row[1] for row in rows])
    x = np.array([row[2] for row in rows], dtype=float)
    y = np.array([row[3] for row in rows], dtype=float)
    fpc = {h: 1 - s.reviewed / s.population for h, s in enumerate(s for s in strata if s.reviewed)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = TaylorEstimator(PopParam.ratio)
        estimator.estimate(y=y, x=x, samp_weight=weight, stratum=stratum, fpc=fpc)
    return estimator.point_est, estimator.variance


STRATA = [
    design.StratumCounts(population=40_000, reviewed=300, judged=280, met=262),
    design.StratumCounts(population=6_000, reviewed=150, judged=140, met=120),
    design.StratumCounts(population=900, reviewed=100, judged=95, met=70),
]


def test_a_proportion_matches_samplics():
    estimate = design.ratio_estimate(STRATA)
    point, variance = samplics_ratio(STRATA)
    assert estimate.rate == pytest.approx(point, rel=1e-12)
    assert estimate.variance == pytest.approx(variance, rel=1e-9)
    assert (estimate.numerator, estimate.denominator) == (452, 515)
    # Weighted by the design, not k / n: the big, well-recorded stratum counts for more.
    assert estimate.rate > 452 / 515


def test_a_domain_matches_samplics():
    # "Should have been recorded" is a subset: in each stratum only some reviewed cases are
    # judged; the others are zeros of the domain, and n_h stays the reviewed cases.
    domain = [
        design.StratumCounts(population=10_000, reviewed=200, judged=120, met=110),
        design.StratumCounts(population=2_000, reviewed=100, judged=30, met=20),
    ]
    estimate = design.ratio_estimate(domain)
    point, variance = samplics_ratio(domain)
    assert estimate.rate == pytest.approx(point, rel=1e-12)
    assert estimate.variance == pytest.approx(variance, rel=1e-9)


def test_a_stratum_reviewed_whole_adds_no_variance():
    whole = [
        design.StratumCounts(population=1_000, reviewed=10, judged=9, met=8),
        design.StratumCounts(population=50, reviewed=50, judged=45, met=40),
    ]
    estimate = design.ratio_estimate(whole)
    point, variance = samplics_ratio(whole)
    assert estimate.rate == pytest.approx(point, rel=1e-12)
    assert estimate.variance == pytest.approx(variance, rel=1e-9)
    alone = design.ratio_estimate([design.StratumCounts(50, 50, 45, 40)])
    assert alone.variance == 0 and alone.rate == pytest.approx(40 / 45)


def test_a_stratum_with_no_judged_cases_counts_as_zeros_and_one_unreviewed_takes_no_part():
    with_empty = [
        *STRATA,
        design.StratumCounts(population=500, reviewed=20, judged=0, met=0),
        design.StratumCounts(population=800, reviewed=0, judged=0, met=0),
    ]
    estimate = design.ratio_estimate(with_empty)
    point, variance = samplics_ratio(with_empty)
    assert estimate.rate == pytest.approx(point, rel=1e-12)
    assert estimate.variance == pytest.approx(variance, rel=1e-9)
    # The judged cases are the same, so the rate is too; only the variance sees the zeros.
    assert estimate.rate == pytest.approx(design.ratio_estimate(STRATA).rate, rel=1e-12)


def test_no_judged_case_at_all_is_no_figure():
    assert design.ratio_estimate([design.StratumCounts(100, 10, 0, 0)]) is None


def test_by_hand_for_two_strata():
    # h1: N=100, n=10, 9 of 10 met; h2: N=20, n=10, 5 of 10 met.
    # p = (10·9 + 2·5) / (10·10 + 2·10) = 100 / 120.
    estimate = design.ratio_estimate(
        [design.StratumCounts(100, 10, 10, 9), design.StratumCounts(20, 10, 10, 5)]
    )
    p = 100 / 120

    # e = y − p (every case judged): s²_h = (Σe² − (Σe)²/n) / (n − 1).
    def spread(met, n):
        sum_e = met - p * n
        sum_e2 = met * (1 - p) ** 2 + (n - met) * p**2
        return (sum_e2 - sum_e**2 / n) / (n - 1)

    expected = (100**2 * 0.9 * spread(9, 10) / 10 + 20**2 * 0.5 * spread(5, 10) / 10) / 120**2
    assert estimate.rate == pytest.approx(p)
    assert estimate.variance == pytest.approx(expected)
    assert estimate.effective_sample_size == pytest.approx(p * (1 - p) / expected)


def test_the_intervals_are_built_at_the_effective_sample_size():
    estimate = design.ratio_estimate(STRATA)
    p, v, n = estimate.rate, estimate.variance, estimate.effective_sample_size
    z = stats.z_value(0.95)
    low, high = design.interval(p, v, n, "normal")
    assert (low, high) == pytest.approx((p - z * math.sqrt(v), p + z * math.sqrt(v)))
    # Wilson at n*: for a whole n* it is the library's Wilson interval of k = p·n*.
    whole = design.interval(0.9, 0.9 * 0.1 / 200, 200.0, "wilson")
    assert whole == pytest.approx(stats.proportion_interval(180, 200, "wilson"))
    # Korn–Graubard: Clopper–Pearson at n*, k* = p·n*, in the beta form.
    low, high = design.interval(p, v, n, "exact")
    k = p * n
    assert low == pytest.approx(beta.ppf(0.025, k, n - k + 1))
    assert high == pytest.approx(beta.ppf(0.975, k + 1, n - k))
    whole_exact = design.interval(0.9, 0.9 * 0.1 / 200, 200.0, "exact")
    assert whole_exact == pytest.approx(stats.proportion_interval(180, 200, "exact"))


def test_a_volume_weighted_national_figure_takes_each_forces_variance():
    rate, standard_error = design.volume_weighted(
        [design.ForcePart(300, 0.9, 0.0004), design.ForcePart(100, 0.8, 0.0009)]
    )
    assert rate == pytest.approx(0.75 * 0.9 + 0.25 * 0.8)
    assert standard_error == pytest.approx(math.sqrt(0.75**2 * 0.0004 + 0.25**2 * 0.0009))

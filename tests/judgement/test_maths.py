"""The maths of judging, against independent implementations (statsmodels, scipy)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta
from statsmodels.stats.proportion import confint_proportions_2indep

from inspect_app.core import judgement
from inspect_app.core.stats import proportion

BANDS = [("outstanding", 0.95), ("good", 0.90), ("requires improvement", 0.85), ("inadequate", 0)]


@pytest.mark.parametrize(
    "k_a, n_a, k_b, n_b",
    [(61, 87, 104, 120), (110, 120, 130, 181), (0, 10, 10, 10), (5, 5, 0, 7), (56, 64, 56, 64)],
)
def test_newcombe_matches_statsmodels(k_a, n_a, k_b, n_b):
    ours = judgement.newcombe_difference(k_a, n_a, k_b, n_b, 0.95)
    # statsmodels gives p1 − p2: with b first, that is our b − a.
    low, high = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="newcomb", compare="diff")
    assert ours.ci_low == pytest.approx(low, abs=1e-9)
    assert ours.ci_high == pytest.approx(high, abs=1e-9)
    assert ours.difference == pytest.approx(k_b / n_b - k_a / n_a)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from([0.9, 0.95, 0.99]),
)
def test_newcombe_matches_statsmodels_anywhere(a, b, confidence):
    ours = judgement.newcombe_difference(*a, *b, confidence)
    low, high = confint_proportions_2indep(
        *b, *a, method="newcomb", compare="diff", alpha=1 - confidence
    )
    assert ours.ci_low == pytest.approx(max(-1, low), abs=1e-9)
    assert ours.ci_high == pytest.approx(min(1, high), abs=1e-9)


def test_newcombe_from_two_wilson_intervals_is_the_same_as_from_counts():
    a, b = proportion(61, 87, "wilson"), proportion(104, 120, "wilson")
    from_intervals = judgement.newcombe_from_intervals(
        a.rate, a.ci_low, a.ci_high, b.rate, b.ci_low, b.ci_high
    )
    assert from_intervals == judgement.newcombe_difference(61, 87, 104, 120)


@pytest.mark.parametrize(
    "low, high, verdict",
    [
        (0.01, 0.2, "improved"),
        (-0.2, -0.01, "worse"),
        (-0.1, 0.1, "no significant change"),
        (0.0, 0.2, "no significant change"),  # the interval reaches zero
        (-0.2, 0.0, "no significant change"),
    ],
)
def test_each_verdict_in_words(low, high, verdict):
    assert judgement.change_verdict(low, high) == verdict
    assert judgement.VERDICT_WORDS[verdict].lower().startswith(verdict)


def test_dorset_2014_to_its_reinspection_improved():
    change = judgement.newcombe_difference(61, 87, 104, 120)
    assert change.verdict == "improved" and change.ci_low > 0


@pytest.mark.parametrize(
    "target, low, high, expected",
    [
        (0.80, 0.80, 0.90, "similar"),  # on the lower limit: inside
        (0.90, 0.80, 0.90, "similar"),  # on the upper limit: inside
        (0.7999999, 0.80, 0.90, "better"),
        (0.9000001, 0.80, 0.90, "worse"),
        (0.85, 0.80, 0.90, "similar"),
    ],
)
def test_versus_at_the_edges(target, low, high, expected):
    assert judgement.versus(target, low, high) == expected


def test_versus_refuses_an_interval_upside_down():
    with pytest.raises(judgement.JudgementError):
        judgement.versus(0.5, 0.6, 0.4)


@pytest.mark.parametrize("k, n", [(110, 120), (130, 181), (93, 100), (950, 1000), (5, 5)])
def test_grade_certainty_is_the_jeffreys_posterior_mass_of_the_band(k, n):
    grade = judgement.grade_for(k / n, BANDS)
    bounds = dict(BANDS)
    ordered = [bound for _, bound in BANDS]
    start = bounds[grade]
    end = 1.0 if start == ordered[0] else ordered[ordered.index(start) - 1]
    posterior = beta(k + 0.5, n - k + 0.5)
    expected = posterior.cdf(end) - posterior.cdf(start)
    assert judgement.grade_certainty(k, n, BANDS) == pytest.approx(expected, abs=1e-12)


def test_a_rate_on_a_bound_takes_the_band_above():
    assert judgement.grade_for(0.90, BANDS) == "good"
    assert judgement.grade_for(0.8999, BANDS) == "requires improvement"


def test_grades_possible_are_every_band_the_interval_touches():
    assert judgement.grades_possible(0.87, 0.96, BANDS) == [
        "outstanding",
        "good",
        "requires improvement",
    ]
    assert judgement.grades_possible(0.91, 0.94, BANDS) == ["good"]
    assert judgement.grades_possible(0.80, 0.85, BANDS) == ["requires improvement", "inadequate"]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("good:0.9,inadequate:0.95", "strictly decreasing"),
        ("good:0.9,poor:0.1", "start at 0"),
        ("good:0.9,good:0", "once"),
        ("good:x,poor:0", "not a number"),
        ("good,poor:0", "grade:lower-bound"),
        ("", "no grade bands"),
    ],
)
def test_bad_bands_say_what_is_wrong(text, problem):
    with pytest.raises(judgement.JudgementError, match=problem):
        judgement.parse_bands(text)


def test_working_days_skip_weekends_and_bank_holidays():
    # Thursday 21 December 2023: Christmas Day and Boxing Day are bank holidays.
    assert judgement.add_working_days(date(2023, 12, 21), 1) == date(2023, 12, 22)
    assert judgement.add_working_days(date(2023, 12, 21), 2) == date(2023, 12, 27)
    # Good Friday 2024 (29 March) and Easter Monday (1 April).
    assert judgement.add_working_days(date(2024, 3, 28), 1) == date(2024, 4, 2)
    assert judgement.add_working_days(date(2024, 3, 28), 0) == date(2024, 3, 28)


def test_dispersion_factor_is_the_mean_squared_z_score_and_never_below_one():
    points = [(50, 100), (90, 100), (70, 100)]
    z = [(k / n - 0.7) / (0.7 * 0.3 / n) ** 0.5 for k, n in points]
    assert judgement.dispersion_factor(points, 0.7) == pytest.approx(sum(x * x for x in z) / 3)
    assert judgement.dispersion_factor([(70, 100), (70, 100)], 0.7) == 1.0


def test_overdispersed_limits_widen_by_the_root_of_phi():
    plain = judgement.overdispersed_limits(0.8, 100, 0.95, 1.0)
    wide = judgement.overdispersed_limits(0.8, 100, 0.95, 4.0)
    assert (0.8 - wide[0]) == pytest.approx(2 * (0.8 - plain[0]))


def test_funnel_position_alert_and_alarm():
    # Hertfordshire 2014 (71.8%) against 85%: far below the 99.8% limits.
    assert judgement.funnel_position(130, 181, 0.85) == ("alarm", "low")
    assert judgement.funnel_position(80, 100, 0.8)[0] == "within"
    low95, _ = judgement.funnel_limits(0.8, 100, 0.95)
    low998, _ = judgement.funnel_limits(0.8, 100, 0.998)
    between = next(k for k in range(100) if low998 <= k / 100 < low95)
    assert judgement.funnel_position(between, 100, 0.8) == ("alert", "low")
    # The same point is within an overdispersed funnel wide enough.
    assert judgement.funnel_position(between, 100, 0.8, "overdispersed", 9.0)[0] == "within"


def test_a_grade_in_words_names_the_other_bands_it_could_be():
    from inspect_app.judgement.grading import grade_of

    grade = grade_of(110, 120, 0.853, 0.954, BANDS)
    assert grade.words.startswith("good, ")
    assert grade.words.endswith("certain; could be outstanding or requires improvement")
    assert grade_of(130, 181, 0.649, 0.779, BANDS).certainty_text == "over 99%"

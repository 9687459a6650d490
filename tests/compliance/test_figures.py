"""Figures counted from the database, stored, and presented with their intervals."""

import math
import threading
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from forces.models import Force
from inspect_app.accounts.roles import Role
from inspect_app.compliance import figures
from inspect_app.compliance.models import ComplianceFigure, Metric, Scope
from inspect_app.core import stats
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import ReviewKind, SampleBatch
from tests.compliance.factories import (
    NOT_A_CRIME,
    RECORDED,
    UNRECORDED,
    add_review,
    many_reviewed_cases,
    reviewed_case,
)
from tests.factories import InspectionFactory, ProgrammeFactory, UserFactory, force

pytestmark = pytest.mark.django_db

R = Metric.RECORDING_RATE


def counts(
    programme,
    metric,
    scope=Scope.INSPECTION,
    inspection=None,
    group=None,
    region=None,
    weighted=False,
):
    """(k, n) of one stored figure, or None when no such figure is stored."""
    where = {"offence_group__code": group} if group else {"offence_group": None}
    if region:
        where["region__code"] = region
    figure = ComplianceFigure.objects.filter(
        programme=programme,
        scope=scope,
        metric=metric,
        weighted=weighted,
        inspection=inspection,
        **where,
    ).first()
    return None if figure is None else (figure.numerator, figure.denominator)


def recompute(programme):
    stored = figures.recompute_programme(programme.pk)
    assert stored == ComplianceFigure.objects.filter(programme=programme).count()
    return stored


def one_figure(programme, metric, **where):
    return ComplianceFigure.objects.get(programme=programme, metric=metric, **where)


# --- what each figure counts ----------------------------------------------------------------


def test_recording_rate_counts_crimes_that_should_have_been_recorded(programme, inspection_a):
    for _ in range(3):
        reviewed_case(inspection_a, **RECORDED)
    reviewed_case(inspection_a, RecordType.OTHER_SYSTEM, **RECORDED)
    reviewed_case(inspection_a, RecordType.OTHER_SYSTEM, **UNRECORDED)
    reviewed_case(inspection_a, **NOT_A_CRIME)  # not a crime: outside n
    reviewed_case(inspection_a, should_record=True)  # "recorded?" not yet decided: outside n
    reviewed_case(inspection_a)  # nothing decided
    reviewed_case(inspection_a, RecordType.NO_CRIME, cancellation_correct=True)

    recompute(programme)

    assert counts(programme, R, inspection=inspection_a) == (4, 5)


def test_classification_and_timeliness_are_judged_on_recorded_crimes(programme, inspection_a):
    reviewed_case(inspection_a, **RECORDED, correctly_classified=True, on_time=False)
    reviewed_case(inspection_a, **RECORDED, correctly_classified=False, on_time=True)
    reviewed_case(inspection_a, **RECORDED, correctly_classified=True)  # timeliness undecided
    reviewed_case(inspection_a, **UNRECORDED)

    recompute(programme)

    assert counts(programme, Metric.CLASSIFICATION_ACCURACY, inspection=inspection_a) == (2, 3)
    assert counts(programme, Metric.TIMELINESS, inspection=inspection_a) == (1, 2)


def test_no_crime_and_disposal_figures_count_their_own_record_types(programme, inspection_a):
    reviewed_case(
        inspection_a, RecordType.NO_CRIME, cancellation_correct=True, victim_informed=False
    )
    reviewed_case(
        inspection_a, RecordType.NO_CRIME, cancellation_correct=False, victim_informed=True
    )
    reviewed_case(inspection_a, RecordType.NO_CRIME, cancellation_correct=True)
    reviewed_case(inspection_a, RecordType.OOCD, disposal_appropriate=True)
    reviewed_case(inspection_a, RecordType.OOCD, disposal_appropriate=False)
    reviewed_case(inspection_a, RecordType.OOCD)  # undecided

    recompute(programme)

    assert counts(programme, Metric.NO_CRIME_ACCURACY, inspection=inspection_a) == (2, 3)
    assert counts(programme, Metric.VICTIM_INFORMED, inspection=inspection_a) == (1, 2)
    assert counts(programme, Metric.DISPOSAL_COMPLIANCE, inspection=inspection_a) == (1, 2)


def test_the_adjudicated_review_counts_and_a_second_review_never_does(programme, inspection_a):
    overruled = reviewed_case(inspection_a, **UNRECORDED)
    add_review(overruled, ReviewKind.SECOND, by=UserFactory(username="second"), **RECORDED)
    add_review(overruled, ReviewKind.ADJUDICATED, by=UserFactory(username="lead"), **RECORDED)
    disputed = reviewed_case(inspection_a, **UNRECORDED)
    add_review(disputed, ReviewKind.SECOND, by=UserFactory(username="second"), **RECORDED)
    # An adjudicated review that finds it was not a crime takes the case out of n.
    dropped = reviewed_case(inspection_a, **UNRECORDED)
    add_review(dropped, ReviewKind.ADJUDICATED, by=UserFactory(username="lead"), **NOT_A_CRIME)

    recompute(programme)

    assert counts(programme, R, inspection=inspection_a) == (1, 2)


def test_a_parent_offence_group_includes_its_subgroups(programme, inspection_a):
    reviewed_case(inspection_a, offence_group="RAPE", **UNRECORDED)
    reviewed_case(inspection_a, offence_group="RAPE", **RECORDED)
    reviewed_case(inspection_a, offence_group="SEX", **RECORDED)
    reviewed_case(inspection_a, offence_group="THF", **RECORDED)
    reviewed_case(inspection_a, **RECORDED)  # no group: counts for the inspection only

    recompute(programme)

    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="RAPE") == (1, 2)
    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="SEX") == (2, 3)
    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="THF") == (1, 1)
    assert counts(programme, R, inspection=inspection_a) == (4, 5)
    # Groups without cases for a figure store nothing for it.
    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="VAP") is None
    assert (
        counts(programme, Metric.NO_CRIME_ACCURACY, Scope.OFFENCE_GROUP, inspection_a, group="SEX")
        is None
    )


def test_a_corrected_offence_group_moves_the_case(programme, inspection_a):
    from tests.compliance.factories import group

    reviewed_case(
        inspection_a, offence_group="THF", **UNRECORDED, corrected_offence_group=group("RAPE")
    )

    recompute(programme)

    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="RAPE") == (0, 1)
    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="SEX") == (0, 1)
    assert counts(programme, R, Scope.OFFENCE_GROUP, inspection_a, group="THF") is None


def test_cases_of_a_withdrawn_batch_do_not_count(programme, inspection_a):
    kept = reviewed_case(inspection_a, **RECORDED)
    withdrawn = reviewed_case(inspection_a, **UNRECORDED)
    batch = SampleBatch.objects.create(
        inspection=inspection_a, original_filename="a.csv", content_sha256="0" * 64
    )
    kept.batch = withdrawn.batch = batch
    kept.save()
    withdrawn.save()
    recompute(programme)
    assert counts(programme, R, inspection=inspection_a) == (1, 2)

    other = SampleBatch.objects.create(
        inspection=inspection_a,
        original_filename="b.csv",
        content_sha256="1" * 64,
        status="withdrawn",
        withdrawn_at=datetime(2014, 3, 1, tzinfo=UTC),
    )
    withdrawn.batch = other
    withdrawn.save()
    recompute(programme)
    assert counts(programme, R, inspection=inspection_a) == (1, 1)


def test_regions_and_the_programme_pool_their_forces(programme, inspection_a, inspection_b):
    london = InspectionFactory(programme=programme, force=force("E23000001"), slug="met-test")
    many_reviewed_cases(inspection_a, 3, **RECORDED)
    many_reviewed_cases(inspection_b, 1, **UNRECORDED)
    many_reviewed_cases(london, 2, **RECORDED)
    many_reviewed_cases(london, 2, **UNRECORDED)
    elsewhere = InspectionFactory(force=force("E23000029"), slug="other-programme")
    many_reviewed_cases(elsewhere, 5, **UNRECORDED)  # another programme: not counted

    recompute(programme)

    assert counts(programme, R, Scope.REGION, region="E12000006") == (3, 4)  # East of England
    assert counts(programme, R, Scope.REGION, region="E12000007") == (2, 4)  # London
    assert counts(programme, R, Scope.PROGRAMME) == (5, 8)
    assert counts(programme, Metric.DISPOSAL_COMPLIANCE, Scope.PROGRAMME) == (0, 0)


# --- the weighted programme figure ----------------------------------------------------------


def test_the_weighted_figure_is_the_volume_weighted_stratified_estimate(
    programme, inspection_a, inspection_b
):
    many_reviewed_cases(inspection_a, 110, **RECORDED)  # Essex, 95,000 crimes a year
    many_reviewed_cases(inspection_a, 10, **UNRECORDED)
    many_reviewed_cases(inspection_b, 130, **RECORDED)  # Hertfordshire, 55,000
    many_reviewed_cases(inspection_b, 51, **UNRECORDED)
    recompute(programme)

    weighted = one_figure(programme, R, scope=Scope.PROGRAMME, weighted=True)
    [shown] = figures.present([weighted], confidence=0.9)

    expected = stats.stratified_estimate(
        [stats.Stratum(95_000, 110, 120), stats.Stratum(55_000, 130, 181)], confidence=0.9
    )
    assert (weighted.numerator, weighted.denominator) == (240, 301)
    assert weighted.volume_total == 150_000
    assert shown.rate == pytest.approx(expected.rate)
    assert shown.ci_low == pytest.approx(expected.ci_low)
    assert shown.ci_high == pytest.approx(expected.ci_high)
    assert shown.rate != pytest.approx(240 / 301)  # differs from the pooled rate
    low_rate_high_count = stats.unrecorded_per_year(
        150_000, expected.rate, expected.ci_low, expected.ci_high
    )
    assert shown.estimated_unrecorded == pytest.approx(low_rate_high_count)


def test_a_force_with_no_volume_gets_no_weighted_figure_and_the_reason(
    programme, inspection_a, inspection_b
):
    Force.objects.filter(pk=inspection_b.force_id).update(recorded_crime_volume=None)
    many_reviewed_cases(inspection_a, 9, **RECORDED)
    many_reviewed_cases(inspection_b, 4, **RECORDED)
    recompute(programme)

    weighted = one_figure(programme, R, scope=Scope.PROGRAMME, weighted=True)
    [shown] = figures.present([weighted])
    assert not shown.available
    assert shown.rate is None and shown.ci_low is None
    assert "Hertfordshire (E23000027) has no recorded-crime volume" in shown.absent_reason
    # The pooled figure does not need volumes.
    [pooled] = figures.present([one_figure(programme, R, scope=Scope.PROGRAMME, weighted=False)])
    assert pooled.rate == 1.0


def test_a_force_without_cases_for_a_figure_takes_no_part_in_its_weighting(
    programme, inspection_a, inspection_b
):
    many_reviewed_cases(inspection_a, 4, **RECORDED)
    many_reviewed_cases(inspection_a, 1, **UNRECORDED)
    recompute(programme)
    weighted = one_figure(programme, R, scope=Scope.PROGRAMME, weighted=True)
    assert weighted.weighted_rate == pytest.approx(0.8)
    assert weighted.volume_total == 95_000


# --- presenting: edge cases -----------------------------------------------------------------


def test_n_zero_gives_no_figure_and_says_so(programme, inspection_a):
    recompute(programme)
    stored = one_figure(programme, R, scope=Scope.INSPECTION, inspection=inspection_a)
    assert (stored.numerator, stored.denominator) == (0, 0)
    [shown] = figures.present([stored])
    assert not shown.available
    assert shown.rate is None and shown.reliable is None
    assert "denominator 0" in shown.absent_reason


@pytest.mark.parametrize(
    ("recorded", "unrecorded", "rate", "low", "high"),
    [
        (0, 12, 0.0, 0.0, None),  # k = 0: the interval still has width above 0
        (12, 0, 1.0, None, 1.0),  # k = n
        (1, 0, 1.0, None, 1.0),  # n = 1
        (0, 1, 0.0, 0.0, None),  # n = 1, k = 0
    ],
)
def test_extreme_counts_give_honest_intervals(
    programme, inspection_a, recorded, unrecorded, rate, low, high
):
    many_reviewed_cases(inspection_a, recorded, **RECORDED)
    many_reviewed_cases(inspection_a, unrecorded, **UNRECORDED)
    recompute(programme)
    stored = one_figure(programme, R, scope=Scope.INSPECTION, inspection=inspection_a)
    [shown] = figures.present([stored])
    n = recorded + unrecorded
    expected_low, expected_high = stats.proportion_interval(recorded, n)
    assert shown.rate == rate
    assert (shown.ci_low, shown.ci_high) == (expected_low, expected_high)
    if low is not None:
        assert shown.ci_low == low and shown.ci_high > rate
    if high is not None:
        assert shown.ci_high == high and shown.ci_low < rate
    assert shown.reliable is False  # 1 or 12 cases never make a reliable figure
    if recorded == 0:
        assert shown.estimated_unrecorded is None  # no finite estimate at a rate of 0
    else:
        estimate, fewest, most = shown.estimated_unrecorded
        assert estimate == fewest == 0 and 0 < most < math.inf


def test_presenting_follows_the_method_confidence_and_threshold(programme, inspection_a):
    many_reviewed_cases(inspection_a, 110, **RECORDED)
    many_reviewed_cases(inspection_a, 10, **UNRECORDED)
    recompute(programme)
    stored = one_figure(programme, R, scope=Scope.INSPECTION, inspection=inspection_a)

    [wilson] = figures.present([stored])
    [normal] = figures.present([stored], method="normal")
    [exact99] = figures.present([stored], method="exact", confidence=0.99)
    [lenient] = figures.present([stored], threshold=0.06)

    assert (round(wilson.ci_low, 5), round(wilson.ci_high, 5)) == (0.85338, 0.95411)
    assert wilson.reliable is False
    assert (normal.ci_low, normal.ci_high) == stats.proportion_interval(110, 120, "normal")
    assert (exact99.ci_low, exact99.ci_high) == stats.proportion_interval(110, 120, "exact", 0.99)
    assert exact99.ci_high - exact99.ci_low > wilson.ci_high - wilson.ci_low
    assert lenient.reliable is True


@pytest.mark.parametrize(
    ("method", "confidence", "message"),
    [
        ("bayes", 0.95, "unknown interval method 'bayes'"),
        ("wilson", 95, "confidence must be between 0 and 1"),
        ("wilson", 0, "confidence must be between 0 and 1"),
    ],
)
def test_presenting_refuses_a_bad_method_or_confidence(method, confidence, message):
    with pytest.raises(stats.StatsError, match=message):
        figures.present([], method=method, confidence=confidence)


# --- storing --------------------------------------------------------------------------------


def test_the_stored_set_equals_a_direct_computation_and_is_replaced_whole(
    programme, inspection_a, inspection_b
):
    many_reviewed_cases(inspection_a, 5, offence_group="VAP", **RECORDED)
    many_reviewed_cases(inspection_b, 2, offence_group="RAPE", **UNRECORDED)
    recompute(programme)
    recompute(programme)  # twice: still one set

    def key(figure):
        return (
            figure.scope,
            figure.inspection_id,
            figure.region_id,
            figure.offence_group_id,
            figure.metric,
            figure.weighted,
            figure.numerator,
            figure.denominator,
            figure.weighted_rate,
            figure.volume_total,
            figure.unavailable_reason,
        )

    direct = sorted(map(key, figures.compute_programme_figures(programme.pk)), key=str)
    stored = sorted(map(key, ComplianceFigure.objects.filter(programme=programme)), key=str)
    assert stored == direct
    assert len({figure.computed_at for figure in ComplianceFigure.objects.all()}) == 1


def test_a_failed_recompute_leaves_the_previous_set(programme, inspection_a):
    many_reviewed_cases(inspection_a, 3, **RECORDED)
    recompute(programme)
    before = counts(programme, R, inspection=inspection_a)
    many_reviewed_cases(inspection_a, 3, **UNRECORDED)

    failing_insert = mock.patch.object(
        ComplianceFigure.objects, "bulk_create", side_effect=RuntimeError
    )
    with failing_insert, pytest.raises(RuntimeError):
        figures.recompute_programme(programme.pk)

    assert before == (3, 3)
    assert counts(programme, R, inspection=inspection_a) == (3, 3)
    assert ComplianceFigure.objects.filter(programme=programme, scope=Scope.PROGRAMME).exists()


def test_recomputing_a_deleted_programme_does_nothing(db):
    assert figures.recompute_programme(987654) is None


def test_a_commissioner_sees_only_their_own_forces_figures(
    programme, inspection_a, inspection_b, commissioner_a
):
    many_reviewed_cases(inspection_a, 2, offence_group="VAP", **RECORDED)
    many_reviewed_cases(inspection_b, 2, offence_group="VAP", **RECORDED)
    recompute(programme)

    visible = figures.stored_figures(commissioner_a, programme=programme)
    assert visible.exists()
    assert set(visible.values_list("force__code", flat=True)) == {"E23000028"}
    assert not visible.filter(scope__in=[Scope.REGION, Scope.PROGRAMME]).exists()
    lead = UserFactory(username="figures-lead", role=Role.LEAD_INSPECTOR)
    assert figures.stored_figures(lead, programme=programme).filter(scope=Scope.PROGRAMME).exists()


# --- a fixed number of queries --------------------------------------------------------------


def _queries_to_recompute(programme):
    with CaptureQueriesContext(connection) as captured:
        figures.recompute_programme(programme.pk)
    inserts = [
        query
        for query in captured.captured_queries
        if query["sql"].startswith('INSERT INTO "compliance_compliancefigure"')
    ]
    return len(captured.captured_queries) - len(inserts), len(inserts)


def test_a_recompute_makes_the_same_queries_at_any_size(db):
    small = ProgrammeFactory(slug="small")
    many_reviewed_cases(InspectionFactory(programme=small, slug="small-essex"), 3, **RECORDED)

    large = ProgrammeFactory(slug="large")
    for code, group_code in (
        ("E23000028", "VAP"),
        ("E23000001", "RAPE"),
        ("W15000001", "THF"),
        ("E23000029", None),
        ("E23000030", "SEX"),
    ):
        inspection = InspectionFactory(
            programme=large, force=force(code), slug=f"large-{code.lower()}"
        )
        many_reviewed_cases(inspection, 150, offence_group=group_code, **RECORDED)
        many_reviewed_cases(inspection, 40, offence_group=group_code, **UNRECORDED)
        many_reviewed_cases(
            inspection,
            30,
            RecordType.NO_CRIME,
            offence_group="BUR",
            cancellation_correct=True,
            victim_informed=False,
        )

    small_reads, small_inserts = _queries_to_recompute(small)
    large_reads, large_inserts = _queries_to_recompute(large)

    assert small_reads == large_reads <= 8
    if connection.vendor == "postgresql":
        assert small_inserts == large_inserts == 1
    else:
        # SQLite takes at most 999 parameters a statement, so Django splits the
        # one bulk insert of stored rows (about 55 a statement); the counting
        # itself stays fixed.
        stored = ComplianceFigure.objects.filter(programme=large).count()
        assert large_inserts <= math.ceil(stored / 50)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_recomputes_at_the_same_time_run_one_after_the_other(programme, inspection_a, inspection_b):
    many_reviewed_cases(inspection_a, 50, offence_group="VAP", **RECORDED)
    many_reviewed_cases(inspection_b, 50, offence_group="RAPE", **UNRECORDED)
    errors = []
    start = threading.Barrier(4)

    def run():
        try:
            start.wait()
            figures.recompute_programme(programme.pk)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ComplianceFigure.objects.filter(programme=programme).count() == len(
        figures.compute_programme_figures(programme.pk)
    )


def test_stored_figures_without_a_reader_show_nothing(programme, inspection_a):
    many_reviewed_cases(inspection_a, 2, offence_group="VAP", **RECORDED)
    recompute(programme)
    assert figures.every_stored_figure(programme=programme).exists()
    assert not figures.stored_figures(None, programme=programme).exists()
    assert not figures.stored_figures(AnonymousUser(), programme=programme).exists()

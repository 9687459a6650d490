"""Recomputes after review changes: queued on commit, coalesced, and equal to a direct count."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from forces.models import OffenceGroup
from inspect_app.compliance import figures, tasks
from inspect_app.compliance.models import ComplianceFigure, Metric, Scope
from inspect_app.inspections.models import CaseReview
from tests.compliance.factories import RECORDED, UNRECORDED, reviewed_case, reviewer
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_pending_flags(programme):
    """Start and end without a "recompute pending" flag for the test's programme.

    Only this key is deleted: the cache may be a shared Redis database.
    """
    cache.delete(tasks.pending_flag_key(programme.pk))
    yield
    cache.delete(tasks.pending_flag_key(programme.pk))


@pytest.fixture
def queued():
    """Stands in for the broker: records each recompute queued, runs none."""
    with mock.patch.object(tasks.recompute_programme_figures, "apply_async") as apply_async:
        yield apply_async


def stored_recording_rate(programme, inspection):
    figure = ComplianceFigure.objects.filter(
        programme=programme,
        scope=Scope.INSPECTION,
        inspection=inspection,
        metric=Metric.RECORDING_RATE,
    ).first()
    return None if figure is None else (figure.numerator, figure.denominator)


def test_a_burst_of_saves_in_one_transaction_queues_one_recompute(
    programme, inspection_a, queued, django_capture_on_commit_callbacks
):
    by = reviewer()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(200):
            reviewed_case(inspection_a, by=by, **RECORDED)

    assert len(callbacks) == 1
    queued.assert_called_once()
    assert queued.call_args.args == ((programme.pk,),)


@pytest.mark.django_db(transaction=True)
def test_bursts_in_separate_transactions_queue_one_recompute_until_it_starts(
    programme, inspection_a, queued
):
    by = reviewer()
    cases = [reviewed_case(inspection_a, by=by, **UNRECORDED) for _ in range(3)]
    for _ in range(200):  # each save its own transaction, as an inspector's form posts are
        review = cases[0].reviews.get()
        review.notes += "."
        review.save()
    assert queued.call_count == 1

    # The task clears the flag as it starts: a change after that queues the next one.
    cache.delete(tasks.pending_flag_key(programme.pk))
    cases[1].reviews.get().delete()
    assert queued.call_count == 2


def test_nothing_is_queued_for_changes_that_roll_back(
    programme, inspection_a, queued, django_capture_on_commit_callbacks
):
    by = reviewer()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reviewed_case(inspection_a, by=by, **RECORDED)
        raise RuntimeError("the form failed to validate")
    queued.assert_not_called()

    # ... and the rolled-back request does not stop a later one.
    with django_capture_on_commit_callbacks(execute=True):
        reviewed_case(inspection_a, by=by, **RECORDED)
    queued.assert_called_once()


def test_each_programme_gets_its_own_recompute(
    programme, inspection_a, queued, django_capture_on_commit_callbacks
):
    other = ProgrammeFactory(slug="another-round")
    from tests.factories import InspectionFactory

    other_inspection = InspectionFactory(programme=other, slug="essex-another-round")
    cache.delete(tasks.pending_flag_key(other.pk))
    by = reviewer()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            reviewed_case(inspection_a, by=by, **RECORDED)
            reviewed_case(other_inspection, by=by, **RECORDED)
    assert sorted(call.args[0][0] for call in queued.call_args_list) == sorted(
        [programme.pk, other.pk]
    )
    cache.delete(tasks.pending_flag_key(other.pk))


def test_the_recompute_waits_the_configured_delay_on_a_worker(
    programme, inspection_a, queued, django_capture_on_commit_callbacks, settings
):
    from inspect_app.celery import app

    settings.FIGURES_RECOMPUTE_DELAY_SECONDS = 7
    app.conf.task_always_eager = False  # restored by the suite's autouse fixture
    with django_capture_on_commit_callbacks(execute=True):
        reviewed_case(inspection_a, **RECORDED)
    assert queued.call_args.kwargs == {"countdown": 7.0}


def test_an_unreachable_broker_keeps_the_change_and_clears_the_flag(
    programme, inspection_a, django_capture_on_commit_callbacks, caplog
):
    broker_down = mock.patch.object(
        tasks.recompute_programme_figures,
        "apply_async",
        side_effect=KombuOperationalError("Error 111 connecting: Connection refused"),
    )
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        case = reviewed_case(inspection_a, **RECORDED)
    assert case.reviews.exists()  # the review itself is saved
    assert cache.get(tasks.pending_flag_key(programme.pk)) is None
    assert "run recompute_figures once it is back" in caplog.text


def test_an_unreachable_cache_keeps_the_change(
    programme, inspection_a, django_capture_on_commit_callbacks, caplog
):
    cache_down = mock.patch.object(
        tasks.cache, "add", side_effect=RedisConnectionError("Connection refused")
    )
    with cache_down, django_capture_on_commit_callbacks(execute=True):
        case = reviewed_case(inspection_a, **RECORDED)
    assert case.reviews.exists()
    assert "not queued for recompute" in caplog.text


def test_any_other_failure_to_queue_is_not_hidden(
    programme, inspection_a, django_capture_on_commit_callbacks
):
    broken = mock.patch.object(
        tasks.recompute_programme_figures, "apply_async", side_effect=TypeError("a bug")
    )
    with broken, pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        reviewed_case(inspection_a, **RECORDED)


@pytest.mark.django_db(transaction=True)
def test_after_a_burst_the_stored_figures_equal_a_direct_count(
    programme, inspection_a, inspection_b
):
    by = reviewer()
    counting = mock.patch.object(figures, "recompute_programme", wraps=figures.recompute_programme)
    with counting as recomputes, transaction.atomic():  # one burst; runs in-process on commit
        for number in range(60):
            reviewed_case(
                inspection_a, by=by, offence_group="VAP", **(RECORDED if number % 4 else UNRECORDED)
            )
        reviewed_case(inspection_b, by=by, **UNRECORDED)
        assert stored_recording_rate(programme, inspection_a) is None  # not before commit
    assert recomputes.call_count == 1

    assert stored_recording_rate(programme, inspection_a) == (45, 60)
    assert stored_recording_rate(programme, inspection_b) == (0, 1)
    direct = {
        (f.scope, f.inspection_id, f.offence_group_id, f.region_id, f.metric, f.weighted): (
            f.numerator,
            f.denominator,
            f.weighted_rate,
        )
        for f in figures.compute_programme_figures(programme.pk)
    }
    stored = {
        (f.scope, f.inspection_id, f.offence_group_id, f.region_id, f.metric, f.weighted): (
            f.numerator,
            f.denominator,
            f.weighted_rate,
        )
        for f in ComplianceFigure.objects.filter(programme=programme)
    }
    assert stored == direct
    assert cache.get(tasks.pending_flag_key(programme.pk)) is None  # cleared by the task

    # Deleting a review is a change too.
    CaseReview.objects.filter(case__inspection=inspection_b).get().delete()
    assert stored_recording_rate(programme, inspection_b) == (0, 0)


def test_the_task_runs_twice_to_the_same_result(programme, inspection_a):
    reviewed_case(inspection_a, **RECORDED)
    reviewed_case(inspection_a, **UNRECORDED)
    first = tasks.recompute_programme_figures(programme.pk)
    second = tasks.recompute_programme_figures(programme.pk)
    assert first == second == ComplianceFigure.objects.filter(programme=programme).count()
    assert stored_recording_rate(programme, inspection_a) == (1, 2)


def test_the_task_for_a_deleted_programme_does_nothing(programme):
    assert tasks.recompute_programme_figures(programme.pk + 10_000) is None


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_saves_reaches_a_real_worker_as_one_recompute(
    celery_worker_process, programme, inspection_a
):
    import time

    by = reviewer()
    with transaction.atomic():
        for number in range(50):
            reviewed_case(inspection_a, by=by, **(RECORDED if number < 40 else UNRECORDED))

    deadline = time.monotonic() + 60
    while stored_recording_rate(programme, inspection_a) is None and time.monotonic() < deadline:
        time.sleep(0.25)
    log = celery_worker_process.log_path.read_text()
    assert stored_recording_rate(programme, inspection_a) == (40, 50), log
    assert log.count("recompute_programme_figures[") and log.count(" received") == 1, log


@pytest.mark.django_db(transaction=True)
def test_a_case_record_corrected_in_the_admin_queues_a_recompute(programme, inspection_a, queued):
    case = reviewed_case(inspection_a, by=reviewer(), **RECORDED)
    # That review's own recompute has started (and cleared its flag).
    cache.delete(tasks.pending_flag_key(programme.pk))
    queued.reset_mock()

    case.offence_group = OffenceGroup.objects.get(code="DRG")
    case.save()  # what the admin's change form does
    queued.assert_called_once()
    assert queued.call_args.args == ((programme.pk,),)

"""A task travels through Redis to a real Celery worker process, which writes
its result to PostgreSQL, where this process reads it."""

import time

import pytest

from inspect_app.compliance.models import ComplianceFigure
from inspect_app.compliance.tasks import recompute_programme_figures
from tests.factories import CaseReviewFactory, SampledCaseFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_a_worker_recomputes_figures_sent_to_it_over_redis(
    celery_worker_process, inspection_a, inspector_user
):
    for number in range(12):
        case = SampledCaseFactory(inspection=inspection_a, reference=f"W-{number}")
        CaseReviewFactory(
            case=case, reviewer=inspector_user, should_record=True, was_recorded=number < 9
        )
    ComplianceFigure.objects.all().delete()  # whatever the saves queued in-process

    result = recompute_programme_figures.apply_async((inspection_a.programme_id,))

    def stored():
        return ComplianceFigure.objects.filter(
            inspection=inspection_a, scope="inspection", metric="recording_rate"
        ).first()

    assert wait_for(lambda: stored() is not None), celery_worker_process.log_path.read_text()
    figure = stored()
    assert (figure.numerator, figure.denominator) == (9, 12)
    assert result.id in celery_worker_process.log_path.read_text()

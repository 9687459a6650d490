"""An import and a withdrawal bring the stored figures up to date, with no call from uploads:
saving the batch's new status is what asks for the recompute (compliance's post_save signal)."""

import pytest
from django.core.cache import cache
from django.db import connection

from inspect_app.compliance import tasks
from inspect_app.compliance.models import ComplianceFigure, Metric, Scope
from inspect_app.inspections.models import SampleBatch
from inspect_app.uploads import staging, withdrawal
from tests.management import run_command

# Real commits: the recompute is queued on commit and runs in-process.
pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = (
    "reference,record_type,reported_at,should_record,was_recorded,reviewer\n"
    "F1,incident,2014-03-01,yes,yes,isla-inspector\n"
    "F2,incident,2014-03-01,yes,yes,isla-inspector\n"
    "F3,incident,2014-03-01,yes,no,isla-inspector\n"
    "F4,incident,2014-03-01,,,\n"
)


@pytest.fixture(autouse=True)
def no_pending_flag(programme):
    """A "recompute pending" flag left in a shared cache would make the request a no-op."""
    cache.delete(tasks.pending_flag_key(programme.pk))
    yield
    cache.delete(tasks.pending_flag_key(programme.pk))


def stored_recording_rate(inspection):
    figure = ComplianceFigure.objects.filter(
        programme_id=inspection.programme_id,
        scope=Scope.INSPECTION,
        inspection=inspection,
        metric=Metric.RECORDING_RATE,
    ).first()
    return None if figure is None else (figure.numerator, figure.denominator)


@pytest.mark.parametrize("staged", [True, False], ids=["staged in COPY", "through the ORM"])
def test_figures_are_recomputed_after_an_import_and_after_a_withdrawal(
    tmp_path, monkeypatch, inspection_a, inspector_user, admin_user, staged
):
    if staged and connection.vendor != "postgresql":
        pytest.skip("the COPY staging is PostgreSQL's")
    monkeypatch.setattr(staging, "uses_staging", lambda: staged)
    path = tmp_path / "batch.csv"
    path.write_text(CONTENT)
    assert stored_recording_rate(inspection_a) is None

    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 0, err
    assert stored_recording_rate(inspection_a) == (2, 3)

    withdrawal.withdraw(SampleBatch.objects.get(), admin_user)
    assert stored_recording_rate(inspection_a) == (0, 0)  # recounted: its cases are gone

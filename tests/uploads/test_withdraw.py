"""Withdrawing a batch: allowed while its cases stand as imported, refused with the reason after."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase
from inspect_app.inspections.workflow import assign_cases
from inspect_app.uploads import services
from tests.factories import CaseReviewFactory
from tests.management import run_command

pytestmark = pytest.mark.django_db

CONTENT = (
    "reference,record_type,reported_at,should_record,was_recorded,reviewer\n"
    "W1,incident,2014-03-01,yes,yes,isla-inspector\n"
    "W2,incident,2014-03-01,,,\n"
)


@pytest.fixture
def batch(write_file, inspection_a, inspector_user):
    status, _, err = run_command(
        "import_batch", str(write_file(CONTENT)), "--inspection", inspection_a.slug
    )
    assert status == 0, err
    return SampleBatch.objects.get()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_untouched_batch_is_withdrawn_with_who_and_when(
    batch, admin_client, admin_user, case_a, monkeypatch
):
    asked = []
    monkeypatch.setattr("inspect_app.uploads.services.request_recompute", asked.append)
    url = reverse("batch-withdraw", kwargs={"pk": batch.pk})
    assert "This cannot be undone" in admin_client.get(url).content.decode()

    response = admin_client.post(url)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.WITHDRAWN
    assert batch.withdrawn_by == admin_user
    assert timezone.now() - batch.withdrawn_at < datetime.timedelta(minutes=1)
    assert not SampledCase.objects.filter(batch=batch).exists()
    assert not CaseReview.objects.filter(case__reference__startswith="W").exists()
    # Cases that were not in the batch stay.
    assert SampledCase.objects.filter(pk=case_a.pk).exists()
    assert asked == [batch.inspection.programme_id]
    page = admin_client.get(reverse("batch-detail", kwargs={"pk": batch.pk})).content.decode()
    assert "was withdrawn" in page and "alice-admin" in page


def test_a_review_edited_in_the_app_blocks_withdrawal(batch, admin_client):
    review = CaseReview.objects.get()
    review.on_time = True
    review.version += 1
    review.save()
    _assert_refused(admin_client, batch, "reviewed or changed in the app since the import")


def test_an_edit_that_did_not_raise_the_version_is_still_seen(batch, admin_client):
    review = CaseReview.objects.get()
    review.notes = "changed in the admin"
    review.save()  # updated_at and the history move on even if version does not
    _assert_refused(admin_client, batch, "(for example W1)")


def test_a_review_added_in_the_app_blocks_withdrawal(batch, admin_client, inspector_user):
    CaseReviewFactory(
        case=SampledCase.objects.get(reference="W2"), reviewer=inspector_user, should_record=False
    )
    _assert_refused(admin_client, batch, "(for example W2)")


def test_a_review_deleted_in_the_app_blocks_withdrawal(batch, admin_client):
    CaseReview.objects.get().delete()
    _assert_refused(admin_client, batch, "reviewed or changed in the app")


def test_a_failed_batch_cannot_be_withdrawn(write_file, inspection_a, admin_user):
    run_command("import_batch", str(write_file("nonsense\n")), "--inspection", inspection_a.slug)
    failed = SampleBatch.objects.get()
    with pytest.raises(services.WithdrawalRefused, match="only an imported batch"):
        services.withdraw(failed, admin_user)


def test_the_result_page_says_why_a_batch_can_no_longer_be_withdrawn(batch, admin_client):
    review = CaseReview.objects.get()
    review.notes = "worked on"
    review.save()
    html = admin_client.get(reverse("batch-detail", kwargs={"pk": batch.pk})).content.decode()
    assert "can no longer be withdrawn" in html
    assert reverse("batch-withdraw", kwargs={"pk": batch.pk}) not in html


def _assert_refused(client, batch, reason):
    response = client.post(reverse("batch-withdraw", kwargs={"pk": batch.pk}))
    assert response.status_code == 409
    assert reason in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED and batch.withdrawn_at is None
    assert SampledCase.objects.filter(batch=batch).count() == 2


def test_a_case_record_corrected_in_the_admin_blocks_withdrawal(batch, admin_client):
    case = SampledCase.objects.get(reference="W2")
    case.summary = "corrected after the import"
    case.save()  # what Django's admin does with a change to the record
    _assert_refused(admin_client, batch, "1 of its cases has been reviewed or changed")
    assert (
        "(for example W2)"
        in admin_client.get(reverse("batch-withdraw", kwargs={"pk": batch.pk})).content.decode()
    )


def test_assigned_cases_may_be_withdrawn_and_the_admin_is_told_first(
    batch, admin_client, inspection_a, inspector_user
):
    assign_cases(inspection_a, SampledCase.objects.filter(batch=batch), inspector_user)
    url = reverse("batch-withdraw", kwargs={"pk": batch.pk})
    page = admin_client.get(url).content.decode()
    assert "2 of them are assigned to inspectors; the assignments go too" in page

    assert admin_client.post(url).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.WITHDRAWN
    assert not SampledCase.objects.filter(batch=batch).exists()


def test_a_batch_imported_before_cases_kept_their_change_time_can_still_be_withdrawn(
    batch, admin_client
):
    """The migration dates existing records from their creation, not from itself."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("inspect_app.inspections.migrations.0005_case_updated_at")
    SampledCase.objects.update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    migration.date_existing_cases_from_their_creation(apps, None)
    assert services.withdrawal_blockers(batch) == []

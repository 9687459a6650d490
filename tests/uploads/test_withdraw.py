"""Withdrawing a batch: allowed while its cases stand as imported, refused with the reason after."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    ReviewKind,
    SampleBatch,
    SampledCase,
)
from inspect_app.inspections.workflow import refusals, saving, state
from inspect_app.inspections.workflow.claims import assign_cases
from inspect_app.uploads import withdrawal
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
    monkeypatch.setattr("inspect_app.compliance.signals.request_recompute", asked.append)
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
    # Asked by the batch's save and by each review's deletion (signals in compliance);
    # request_recompute makes them one recompute.
    assert set(asked) == {batch.inspection.programme_id}
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
    with pytest.raises(withdrawal.WithdrawalRefused, match="only an imported batch"):
        withdrawal.withdraw(failed, admin_user)


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
    assert withdrawal.withdrawal_blockers(batch) == []


@pytest.mark.django_db(transaction=True)
def test_a_review_being_saved_while_the_batch_is_withdrawn_is_never_lost(
    batch, inspection_a, inspector_user, admin_user
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    case = SampledCase.objects.get(reference="W2")
    assign_cases(inspection_a, [case], inspector_user)
    values = dict.fromkeys(state.REVIEW_FIELDS)
    values.update(should_record=False, notes="")
    saved, release = threading.Event(), threading.Event()
    outcome = {}

    def inspector_saves():
        try:
            with transaction.atomic():
                saving.save_review(case, ReviewKind.FIRST, inspector_user, values, 0)
                saved.set()
                release.wait(10)  # the save is made, not yet committed
        finally:
            connection.close()

    def admin_withdraws():
        try:
            outcome["removed"] = withdrawal.withdraw(batch, admin_user)
        except withdrawal.WithdrawalRefused as refusal:
            outcome["refused"] = str(refusal)
        finally:
            connection.close()

    inspector = threading.Thread(target=inspector_saves)
    inspector.start()
    assert saved.wait(10)
    admin = threading.Thread(target=admin_withdraws)
    admin.start()
    admin.join(1.0)
    # The withdrawal waits for the save in progress, instead of deciding without it.
    assert admin.is_alive()
    release.set()
    inspector.join(10)
    admin.join(10)

    assert "(for example W2)" in outcome["refused"]
    assert CaseReview.objects.filter(case__reference="W2", reviewer=inspector_user).exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED


def test_a_review_saved_after_its_case_was_withdrawn_is_refused_with_the_reason(
    batch, inspection_a, inspector_user, admin_user
):
    case = SampledCase.objects.get(reference="W2")  # as the inspector's page loaded it
    assign_cases(inspection_a, [case], inspector_user)
    withdrawal.withdraw(batch, admin_user)
    values = dict.fromkeys(state.REVIEW_FIELDS)
    values.update(should_record=False, notes="")
    with pytest.raises(refusals.CaseGone, match="W2 is no longer in the inspection"):
        saving.save_review(case, ReviewKind.FIRST, inspector_user, values, 0)
    assert not CaseReview.objects.filter(reviewer=inspector_user).exists()

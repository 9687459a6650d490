"""The workflow's services called without a page: each records what it did and holds the
inspection's lock through its change, whichever door it was asked through."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from inspect_app.accounts.models import AuditEvent
from inspect_app.inspections.models import Inspection, InspectionStatus, SampledCase
from inspect_app.inspections.workflow import claims, refusals, sample, signoff
from tests.factories import CaseReviewFactory
from tests.review.conftest import make_cases

pytestmark = pytest.mark.django_db


def signed_off(inspection, by):
    """Close the inspection's reviews directly, with cases still open to take (a sign-off
    itself would refuse while they are)."""
    Inspection.objects.filter(pk=inspection.pk).update(
        status=InspectionStatus.SIGNED_OFF, signed_off_by=by, signed_off_at=timezone.now()
    )
    inspection.refresh_from_db()
    return inspection


def audited(action):
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("pk")
        .values_list("actor_username", "target", "ip_address", "details")
    )


# --- the double-review share ----------------------------------------------------------------


def test_setting_the_share_writes_it_moves_the_counts_on_and_is_audited(inspection_a, lead_user):
    version = inspection_a.work_version
    sample.set_double_review_share(inspection_a, lead_user, Decimal("0.25"))
    inspection_a.refresh_from_db()
    assert inspection_a.double_review_fraction == Decimal("0.25")
    assert inspection_a.work_version != version
    target = f"inspection {inspection_a.slug}"
    details = {"previous": "0.000", "share": "0.25"}
    assert audited("double_review_share") == [("lee-lead", target, None, details)]


def test_the_share_set_on_the_page_is_audited_with_its_address(client, lead_user, inspection_a):
    client.force_login(lead_user)
    response = client.post(
        reverse("review-double-review-share", kwargs={"slug": inspection_a.slug}),
        {"percentage": "20"},
    )
    assert response.status_code == 302
    [(who, target, address, details)] = audited("double_review_share")
    assert (who, target, address) == ("lee-lead", f"inspection {inspection_a.slug}", "127.0.0.1")
    assert Decimal(details["share"]) == Decimal("0.2")


def test_the_share_of_a_signed_off_inspection_is_refused_and_nothing_recorded(
    inspection_a, lead_user
):
    signed_off(inspection_a, lead_user)
    with pytest.raises(refusals.NotAllowed, match="read-only"):
        sample.set_double_review_share(inspection_a, lead_user, Decimal("0.5"))
    assert Inspection.objects.get(pk=inspection_a.pk).double_review_fraction == Decimal(0)
    assert audited("double_review_share") == []


def test_only_a_lead_sets_the_share(inspection_a, inspector_user):
    with pytest.raises(refusals.NotAllowed):
        sample.set_double_review_share(inspection_a, inspector_user, Decimal("0.5"))
    assert Inspection.objects.get(pk=inspection_a.pk).double_review_fraction == Decimal(0)


# --- sign-off and reopening -----------------------------------------------------------------


def test_signing_off_and_reopening_without_a_page_are_audited(
    assigned_case, inspector_user, lead_user
):
    CaseReviewFactory(case=assigned_case, reviewer=inspector_user, should_record=False)
    inspection = assigned_case.inspection
    signoff.sign_off(inspection, lead_user)
    signoff.reopen(inspection, lead_user)
    target = f"inspection {inspection.slug}"
    assert audited("sign_off") == [("lee-lead", target, None, {})]
    assert audited("reopen") == [("lee-lead", target, None, {})]


def test_a_refused_sign_off_records_nothing(assigned_case, lead_user):
    with pytest.raises(refusals.WorkflowError, match="1 cases without a complete first review"):
        signoff.sign_off(assigned_case.inspection, lead_user)
    assert audited("sign_off") == []


# --- claims ---------------------------------------------------------------------------------


def test_no_case_is_taken_once_the_inspection_is_signed_off(
    inspection_a, inspector_user, lead_user
):
    case = make_cases(inspection_a, 1)[0]
    signed_off(inspection_a, lead_user)
    with pytest.raises(refusals.NotAllowed, match="read-only"):
        claims.claim_next_case(inspection_a, inspector_user)
    with pytest.raises(refusals.NotAllowed, match="read-only"):
        claims.claim_case(case, inspector_user)
    assert SampledCase.objects.get(pk=case.pk).assigned_to is None


def test_no_second_review_is_taken_once_the_inspection_is_signed_off(
    inspection_a, inspector_user, second_inspector, lead_user
):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    case = make_cases(inspection_a, 1)[0]
    CaseReviewFactory(case=case, reviewer=inspector_user, should_record=False)
    signed_off(inspection_a, lead_user)
    with pytest.raises(refusals.NotAllowed, match="read-only"):
        claims.claim_second_review(case, second_inspector)
    assert SampledCase.objects.get(pk=case.pk).second_reviewer is None


def test_taking_one_case_is_refused_once_someone_else_has_it(
    inspection_a, inspector_user, second_inspector
):
    case = make_cases(inspection_a, 1)[0]
    assert claims.claim_case(case, second_inspector) is True
    assert claims.claim_case(case, inspector_user) is False
    assert SampledCase.objects.get(pk=case.pk).assigned_to == second_inspector


def locked_elsewhere(inspection_id) -> bool:
    """Whether another connection finds the inspection's row locked at this moment."""
    found = {}

    def probe():
        try:
            with transaction.atomic():
                list(Inspection.objects.select_for_update(nowait=True).filter(pk=inspection_id))
            found["locked"] = False
        except DatabaseError:
            found["locked"] = True
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    return found["locked"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("claim", ["next", "one", "second"])
def test_every_claim_holds_the_inspection_lock_through_its_update(
    claim, inspection_a, inspector_user, second_inspector, monkeypatch
):
    # A sign-off takes the same lock: held through the update, none can slip in between
    # the claim's check that the inspection is open and the claim itself.
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    case = make_cases(inspection_a, 1)[0]
    if claim == "second":
        CaseReviewFactory(case=case, reviewer=inspector_user, should_record=False)
    seen = []
    real = claims._claim

    def probing(cases, inspection_id, **change):
        seen.append(locked_elsewhere(inspection_id))
        return real(cases, inspection_id, **change)

    monkeypatch.setattr(claims, "_claim", probing)
    if claim == "next":
        assert claims.claim_next_case(inspection_a, inspector_user) == case
    elif claim == "one":
        assert claims.claim_case(case, inspector_user)
    else:
        assert claims.claim_second_review(case, second_inspector).second_reviewer_id == (
            second_inspector.pk
        )
    assert seen == [True]


@pytest.mark.django_db(transaction=True)
def test_a_sign_off_waits_for_a_claim_in_progress(
    inspection_a, inspector_user, lead_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    make_cases(inspection_a, 1)
    choosing, release = threading.Event(), threading.Event()
    outcome = {}
    real = claims._next_candidate

    def slow(claimable):
        choosing.set()
        release.wait(10)  # the claim has checked the inspection is open; not yet claimed
        return real(claimable)

    monkeypatch.setattr(claims, "_next_candidate", slow)

    def inspector_claims():
        try:
            outcome["case"] = claims.claim_next_case(inspection_a, inspector_user)
        finally:
            connection.close()

    def lead_signs_off():
        try:
            signoff.sign_off(inspection_a, lead_user)
        except refusals.WorkflowError as refusal:
            outcome["refused"] = str(refusal)
        finally:
            connection.close()

    inspector = threading.Thread(target=inspector_claims)
    inspector.start()
    assert choosing.wait(10)
    lead = threading.Thread(target=lead_signs_off)
    lead.start()
    lead.join(1.0)
    assert lead.is_alive()  # waiting for the claim, not deciding without it
    release.set()
    inspector.join(10)
    lead.join(10)
    assert outcome["case"].assigned_to_id == inspector_user.pk
    assert "1 cases without a complete first review" in outcome["refused"]
    assert Inspection.objects.get(pk=inspection_a.pk).status != InspectionStatus.SIGNED_OFF

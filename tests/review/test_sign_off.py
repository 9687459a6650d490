"""Sign-off: a lead inspector closes the reviews; they stay read-only until a lead reopens."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inspect_app.accounts.models import AuditEvent
from inspect_app.inspections.models import CaseReview, Inspection, SampledCase, SignOffEvent
from tests.factories import CaseReviewFactory
from tests.review.conftest import ALL_YES_INCIDENT, NOT_A_CRIME, case_page, post_review

pytestmark = pytest.mark.django_db


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def sign_off(client, inspection):
    return client.post(reverse("review-sign-off", kwargs={"slug": inspection.slug}))


def reopen(client, inspection):
    return client.post(reverse("review-reopen", kwargs={"slug": inspection.slug}))


@pytest.fixture
def reviewed(assigned_case, inspector_user):
    return CaseReviewFactory(case=assigned_case, reviewer=inspector_user, should_record=False)


def test_a_lead_signs_off_and_reopens_and_both_are_recorded(
    reviewed, lead_user, other_lead, inspector_user
):
    inspection = reviewed.case.inspection
    assert sign_off(as_user(lead_user), inspection).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "signed_off" and inspection.signed_off_by == lead_user
    assert inspection.signed_off_at is not None

    # Read-only now, for the reviewer and for leads alike.
    response = post_review(as_user(inspector_user), reviewed.case, version=1, **ALL_YES_INCIDENT)
    assert response.status_code == 403
    response = post_review(as_user(lead_user), reviewed.case, version=1, **ALL_YES_INCIDENT)
    assert response.status_code == 403
    assert CaseReview.objects.get(pk=reviewed.pk).should_record is False
    page = as_user(inspector_user).get(case_page(reviewed.case)).content.decode()
    assert 'id="review-form"' not in page and "read-only" in page

    assert reopen(as_user(other_lead), inspection).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "review" and inspection.signed_off_by is None
    assert inspection.reopened_by == other_lead and inspection.reopened_at is not None
    events = list(SignOffEvent.objects.order_by("at", "pk").values_list("action", "by__username"))
    assert events == [("signed_off", "lee-lead"), ("reopened", "lou-lead")]
    audited = AuditEvent.objects.filter(action__in=["sign_off", "reopen"]).order_by("pk")
    assert list(audited.values_list("action", "actor_username", "target")) == [
        ("sign_off", "lee-lead", f"inspection {inspection.slug}"),
        ("reopen", "lou-lead", f"inspection {inspection.slug}"),
    ]
    response = post_review(as_user(inspector_user), reviewed.case, version=1, **ALL_YES_INCIDENT)
    assert response.status_code == 302

    workspace = as_user(lead_user).get(
        reverse("inspection-workspace", kwargs={"slug": inspection.slug})
    )
    assert b"Sign-off record" in workspace.content and b"lou-lead" in workspace.content


def test_sign_off_is_refused_while_cases_are_unreviewed(lead_user, assigned_case):
    response = sign_off(as_user(lead_user), assigned_case.inspection)
    assert response.status_code == 409
    assert b"1 cases without a complete first review" in response.content
    assert Inspection.objects.get(pk=assigned_case.inspection_id).status != "signed_off"
    assert not SignOffEvent.objects.exists()


def test_sign_off_is_refused_while_a_second_review_is_outstanding(reviewed, lead_user):
    Inspection.objects.filter(pk=reviewed.case.inspection_id).update(
        double_review_fraction=Decimal(1)
    )
    response = sign_off(as_user(lead_user), reviewed.case.inspection)
    assert response.status_code == 409 and b"second reviews not yet made" in response.content


@pytest.mark.parametrize("role", ["admin_user", "inspector_user", "commissioner_a"])
def test_only_a_lead_signs_off(request, role, reviewed):
    response = sign_off(as_user(request.getfixturevalue(role)), reviewed.case.inspection)
    assert response.status_code == 403
    assert Inspection.objects.get(pk=reviewed.case.inspection_id).status != "signed_off"


@pytest.mark.parametrize("role", ["admin_user", "inspector_user"])
def test_only_a_lead_reopens(request, role, reviewed, lead_user):
    sign_off(as_user(lead_user), reviewed.case.inspection)
    response = reopen(as_user(request.getfixturevalue(role)), reviewed.case.inspection)
    assert response.status_code == 403
    assert Inspection.objects.get(pk=reviewed.case.inspection_id).status == "signed_off"


def test_a_signed_off_inspection_refuses_claims_and_assignments(
    reviewed, lead_user, inspector_user, inspection_a
):
    sign_off(as_user(lead_user), inspection_a)
    extra = SampledCase.objects.create(
        inspection=inspection_a,
        reference="LATE-1",
        record_type="incident",
        reported_at=reviewed.case.reported_at,
    )
    response = as_user(inspector_user).post(
        reverse("review-claim-next", kwargs={"slug": inspection_a.slug})
    )
    assert response.status_code == 403
    response = as_user(lead_user).post(
        reverse("review-assign", kwargs={"slug": inspection_a.slug}),
        {"cases": [extra.pk], "assignee": inspector_user.pk, "review": "first"},
    )
    assert response.status_code == 400
    assert SampledCase.objects.get(pk=extra.pk).assigned_to is None


def test_a_published_inspection_is_read_only_until_a_lead_reopens_it(reviewed, lead_user):
    # interfaces.md "Publication": a lead may reopen a published inspection; its published
    # versions stay as they were (tests/publication).
    Inspection.objects.filter(pk=reviewed.case.inspection_id).update(status="published")
    assert (
        post_review(as_user(lead_user), reviewed.case, version=1, **NOT_A_CRIME).status_code == 403
    )
    assert reopen(as_user(lead_user), reviewed.case.inspection).status_code == 302
    assert Inspection.objects.get(pk=reviewed.case.inspection_id).status == "review"

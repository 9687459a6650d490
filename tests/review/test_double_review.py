"""Blind double review end to end: the sample, taking the second review, blindness, the
disagreement going to a lead, the adjudicated decision being the one the figures count."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inspect_app.compliance.figures import counting_reviews
from inspect_app.inspections.models import CaseReview, SampledCase
from inspect_app.inspections.workflow import queues
from tests.review.conftest import ALL_YES_INCIDENT, NOT_A_CRIME, answers, case_page, post_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def sampled_case(assigned_case):
    """A case in the double-review sample (share 1: every case), assigned to the inspector."""
    inspection = assigned_case.inspection
    inspection.double_review_fraction = Decimal(1)
    inspection.save()
    return SampledCase.objects.select_related("inspection").get(pk=assigned_case.pk)


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def take_second(client, case):
    return client.post(case_page(case), {"action": "claim_second", "queue": "second"})


def test_the_whole_flow(sampled_case, inspector_user, second_inspector, lead_user):
    isla, ivan, lee = as_user(inspector_user), as_user(second_inspector), as_user(lead_user)

    # 1. The first review.
    assert post_review(isla, sampled_case, **ALL_YES_INCIDENT).status_code == 302

    # 2. The case waits for a second reviewer; Ivan sees it in his queue and takes it.
    workspace = reverse("inspection-workspace", kwargs={"slug": sampled_case.inspection.slug})
    assert b"ESX-1" in ivan.get(workspace + "?queue=second").content
    assert take_second(ivan, sampled_case).status_code == 302
    assert SampledCase.objects.get(pk=sampled_case.pk).second_reviewer == second_inspector

    # 3. Blind: Ivan's page has his own empty form and nothing of Isla's answers.
    content = ivan.get(case_page(sampled_case)).content.decode()
    assert "Your blind second review" in content
    assert 'name="version" value="0"' in content
    assert "checked" not in content  # no answer of Isla's pre-filled
    assert "other review stays hidden" in content
    assert "isla-inspector: " not in content and "First review by" not in content

    # 4. He disagrees on classification.
    response = post_review(
        ivan,
        sampled_case,
        kind="second",
        **answers(should_record=True, was_recorded=True, correctly_classified=False, on_time=True),
    )
    assert response.status_code == 302

    # 5. Now both are in: the reviews are closed to both reviewers and shown side by side.
    content = isla.get(case_page(sampled_case)).content.decode()
    assert "The two blind reviews" in content and 'id="review-form"' not in content
    assert post_review(isla, sampled_case, version=1, **NOT_A_CRIME).status_code == 403

    # 6. The lead sees the disagreement in the adjudication queue and both reviews side by side.
    assert b"ESX-1" in lee.get(workspace + "?queue=adjudication").content
    content = lee.get(case_page(sampled_case, "adjudication")).content.decode()
    assert "side-by-side__differs" in content and "Your adjudicated decision" in content
    # The questions they agreed on start with the agreed answer; the disputed one is open.
    assert 'value="yes" id="id_should_record_0" checked' in content
    assert 'value="yes" id="id_correctly_classified_0" checked' not in content

    # 7. The lead records the adjudicated decision: the figures now count it, not the first.
    response = post_review(
        lee,
        sampled_case,
        kind="adjudicated",
        queue="adjudication",
        notes="Injury amounts to ABH: misclassified.",
        **answers(should_record=True, was_recorded=True, correctly_classified=False, on_time=True),
    )
    assert response.status_code == 302
    adjudicated = CaseReview.objects.get(case=sampled_case, kind="adjudicated")
    assert adjudicated.reviewer == lead_user and adjudicated.correctly_classified is False
    counted = counting_reviews(sampled_case.inspection.programme_id).get(case=sampled_case)
    assert counted == adjudicated
    lee.get(workspace)  # shows (and so clears) the "saved" message naming the case
    content = lee.get(workspace + "?queue=adjudication").content
    assert b"No cases in this queue." in content and b"ESX-1" not in content


def test_before_the_pair_is_complete_the_first_reviewer_does_not_see_the_second(
    sampled_case, inspector_user, second_inspector
):
    take_second(as_user(second_inspector), sampled_case)
    post_review(
        as_user(second_inspector), sampled_case, kind="second", notes="SECRET-NOTE", **NOT_A_CRIME
    )
    content = as_user(inspector_user).get(case_page(sampled_case)).content.decode()
    assert "SECRET-NOTE" not in content
    assert "Second (blind) review by" not in content
    assert "Second (blind) review: created" not in content  # nor its audit trail


def test_other_inspectors_do_not_see_either_blind_review_until_both_are_in(
    sampled_case, inspector_user, inspection_a
):
    from tests.factories import UserFactory

    bystander = UserFactory(username="bea-bystander")
    inspection_a.inspectors.add(bystander)
    post_review(as_user(inspector_user), sampled_case, notes="FIRST-NOTE", **NOT_A_CRIME)
    content = as_user(bystander).get(case_page(sampled_case)).content.decode()
    assert "FIRST-NOTE" not in content and "First review by" not in content
    # ...so the bystander can still take the second review, unbiased.
    assert "Take the blind second review" in content


def test_a_lead_who_is_not_a_reviewer_sees_both(
    sampled_case, inspector_user, second_inspector, lead_user
):
    post_review(as_user(inspector_user), sampled_case, notes="FIRST-NOTE", **NOT_A_CRIME)
    content = as_user(lead_user).get(case_page(sampled_case)).content.decode()
    assert "FIRST-NOTE" in content


def test_a_lead_who_is_the_second_reviewer_is_blind_too(sampled_case, inspector_user, lead_user):
    post_review(as_user(inspector_user), sampled_case, notes="FIRST-NOTE", **NOT_A_CRIME)
    lee = as_user(lead_user)
    take_second(lee, sampled_case)
    content = lee.get(case_page(sampled_case)).content.decode()
    assert "FIRST-NOTE" not in content and "Your blind second review" in content


def test_the_first_reviewer_cannot_take_the_second_review(sampled_case, inspector_user):
    response = take_second(as_user(inspector_user), sampled_case)
    assert response.status_code == 403
    assert SampledCase.objects.get(pk=sampled_case.pk).second_reviewer is None


def test_a_case_outside_the_sample_has_no_second_review(assigned_case, second_inspector):
    response = take_second(as_user(second_inspector), assigned_case)
    assert response.status_code == 403
    assert SampledCase.objects.get(pk=assigned_case.pk).second_reviewer is None


def test_a_second_reviewer_cannot_write_the_first_review(sampled_case, second_inspector):
    ivan = as_user(second_inspector)
    take_second(ivan, sampled_case)
    assert post_review(ivan, sampled_case, kind="first", **NOT_A_CRIME).status_code == 403
    assert not CaseReview.objects.exists()


def test_a_lead_assigns_the_second_review_but_never_to_the_first_reviewer(
    sampled_case, inspector_user, second_inspector, lead_user
):
    lee = as_user(lead_user)
    url = reverse("review-assign", kwargs={"slug": sampled_case.inspection.slug})
    response = lee.post(
        url, {"cases": [sampled_case.pk], "assignee": inspector_user.pk, "review": "second"}
    )
    assert response.status_code == 400
    assert b"the second review needs someone else" in response.content
    assert SampledCase.objects.get(pk=sampled_case.pk).second_reviewer is None
    response = lee.post(
        url, {"cases": [sampled_case.pk], "assignee": second_inspector.pk, "review": "second"}
    )
    assert response.status_code == 302
    assert SampledCase.objects.get(pk=sampled_case.pk).second_reviewer == second_inspector


def test_agreeing_reviews_need_no_adjudication(
    sampled_case, inspector_user, second_inspector, lead_user
):
    post_review(as_user(inspector_user), sampled_case, **NOT_A_CRIME)
    ivan = as_user(second_inspector)
    take_second(ivan, sampled_case)
    post_review(ivan, sampled_case, kind="second", **NOT_A_CRIME)
    assert queues.awaiting_adjudication(sampled_case.inspection).count() == 0
    lee = as_user(lead_user)
    assert post_review(lee, sampled_case, kind="adjudicated", **NOT_A_CRIME).status_code == 403
    content = lee.get(case_page(sampled_case)).content.decode()
    assert "The two reviews agree: the first review counts." in content


@pytest.mark.parametrize("role", ["inspector_user", "admin_user"])
def test_only_a_lead_adjudicates(request, role, sampled_case, inspector_user, second_inspector):
    post_review(as_user(inspector_user), sampled_case, **NOT_A_CRIME)
    ivan = as_user(second_inspector)
    take_second(ivan, sampled_case)
    post_review(ivan, sampled_case, kind="second", **ALL_YES_INCIDENT)
    response = post_review(
        as_user(request.getfixturevalue(role)), sampled_case, kind="adjudicated", **NOT_A_CRIME
    )
    assert response.status_code == 403
    assert not CaseReview.objects.filter(kind="adjudicated").exists()


def test_the_queues_show_second_reviews_and_adjudications_to_those_who_act_on_them(
    sampled_case, inspector_user, second_inspector, lead_user
):
    inspection = sampled_case.inspection
    post_review(as_user(inspector_user), sampled_case, **NOT_A_CRIME)

    def queue(name, user):
        cases = SampledCase.objects.visible_to(user).filter(inspection=inspection)
        return list(queues.queue_cases(name, inspection, user, cases))

    assert queue("second", second_inspector) == [sampled_case]
    assert queue("second", inspector_user) == []  # its first reviewer cannot take it
    take_second(as_user(second_inspector), sampled_case)
    assert queue("mine", second_inspector) == [sampled_case]
    post_review(as_user(second_inspector), sampled_case, kind="second", **ALL_YES_INCIDENT)
    assert queue("mine", second_inspector) == []
    assert queue("adjudication", lead_user) == [sampled_case]
    assert queue("adjudication", inspector_user) == []

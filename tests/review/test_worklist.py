"""What waits for whom: the home pages, the sign-off blockers and the case page's reasons."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inspect_app.inspections import worklist
from inspect_app.inspections.models import InspectionStatus, ReviewKind, SampledCase
from inspect_app.inspections.workflow.sample import double_review_case_ids
from tests.factories import CaseReviewFactory
from tests.review.conftest import ALL_YES_INCIDENT, make_cases, post_review

pytestmark = pytest.mark.django_db

COMPLETE = {
    "should_record": True,
    "was_recorded": True,
    "correctly_classified": True,
    "on_time": True,
}


def review(case, kind, by, **answers):
    return CaseReviewFactory(case=case, kind=kind, reviewer=by, **(answers or COMPLETE))


def test_my_work_counts_first_and_second_reviews_waiting_and_names_the_next_case(
    inspection_a, inspection_b, inspector_user, second_inspector
):
    mine = make_cases(inspection_a, 3, prefix="MINE", assigned_to=inspector_user)
    make_cases(inspection_a, 2, prefix="OTHER", assigned_to=second_inspector)
    review(mine[0], ReviewKind.FIRST, inspector_user)  # done: no longer waiting
    seconds = make_cases(inspection_a, 1, prefix="SEC", assigned_to=second_inspector)
    SampledCase.objects.filter(pk=seconds[0].pk).update(second_reviewer=inspector_user)
    make_cases(inspection_b, 2, prefix="B", assigned_to=inspector_user)  # not on B's team

    (work,) = worklist.my_work(inspector_user)
    assert work.inspection == inspection_a
    assert (work.first_reviews, work.second_reviews) == (2, 1)
    assert work.next_case.reference == "MINE-002"


def test_a_closed_inspection_leaves_my_work(inspection_a, inspector_user):
    make_cases(inspection_a, 2, assigned_to=inspector_user)
    assert worklist.my_work(inspector_user)
    inspection_a.status = InspectionStatus.PUBLISHED
    inspection_a.save()
    assert worklist.my_work(inspector_user) == []


def test_the_inspectors_home_page_continues_with_their_next_case(
    client, inspection_a, inspector_user
):
    cases = make_cases(inspection_a, 2, assigned_to=inspector_user)
    client.force_login(inspector_user)
    page = client.get(reverse("home")).content.decode()
    assert "2 reviews waiting for you" in page
    continue_url = reverse("review-case", args=[inspection_a.slug, cases[0].pk]) + "?queue=mine"
    assert f'id="continue-reviewing" href="{continue_url}"' in page


def test_sign_off_blockers_say_who_holds_the_work_and_who_can_clear_it(
    inspection_a, inspector_user, second_inspector, lead_user, other_lead
):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    held, loose, pair = make_cases(inspection_a, 3)
    SampledCase.objects.filter(pk=held.pk).update(assigned_to=inspector_user)
    review(pair, ReviewKind.FIRST, lead_user)
    review(pair, ReviewKind.SECOND, second_inspector, **{**COMPLETE, "on_time": False})

    blockers = {b.queue: b for b in worklist.sign_off_blockers(inspection_a)}
    first = blockers["all"]
    assert first.count == 2
    assert dict(first.held_by) == {worklist.person(inspector_user): 1, "not taken": 1}
    assert blockers["second"].count == 2
    adjudication = blockers["adjudication"]
    assert adjudication.count == 1
    # The lead made one of the pair's reviews: only the other lead can adjudicate.
    assert lead_user.username not in adjudication.who_can_clear
    assert other_lead.username in adjudication.who_can_clear


def test_no_blockers_when_every_review_is_in(inspection_a, inspector_user):
    (case,) = make_cases(inspection_a, 1, assigned_to=inspector_user)
    review(case, ReviewKind.FIRST, inspector_user)
    assert worklist.sign_off_blockers(inspection_a) == []


def test_a_lead_who_made_a_review_is_told_they_cannot_adjudicate_and_who_can(
    client, inspection_a, lead_user, other_lead, second_inspector
):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    (case,) = make_cases(inspection_a, 1)
    review(case, ReviewKind.FIRST, lead_user)
    review(case, ReviewKind.SECOND, second_inspector, **{**COMPLETE, "on_time": False})
    client.force_login(lead_user)
    page = client.get(reverse("review-case", args=[inspection_a.slug, case.pk])).content.decode()
    assert 'name="kind"' not in page  # no form for them
    assert "You made the first review, so you cannot adjudicate this case" in page
    assert str(other_lead.username) in page or other_lead.get_full_name() in page

    client.force_login(other_lead)
    page = client.get(reverse("review-case", args=[inspection_a.slug, case.pk])).content.decode()
    assert 'value="adjudicated"' in page


def test_a_case_assigned_to_someone_else_says_whose_it_is(client, assigned_case, second_inspector):
    client.force_login(second_inspector)
    page = client.get(
        reverse("review-case", args=[assigned_case.inspection.slug, assigned_case.pk])
    ).content.decode()
    assert f"This case is assigned to {worklist.person(assigned_case.assigned_to)} for its" in page


def test_a_closed_inspection_says_why_there_is_no_form(client, assigned_case, inspector_user):
    inspection = assigned_case.inspection
    type(inspection).objects.filter(pk=inspection.pk).update(status=InspectionStatus.PUBLISHED)
    client.force_login(inspector_user)
    page = client.get(reverse("review-case", args=[inspection.slug, assigned_case.pk]))
    assert "This inspection is published: its reviews are read-only" in page.content.decode()


def test_a_lead_taking_a_double_review_case_is_warned_first_and_nothing_changes(
    client, inspection_a, lead_user
):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    (case,) = make_cases(inspection_a, 1)
    assert case.pk in double_review_case_ids(inspection_a)
    client.force_login(lead_user)
    url = reverse("review-case", args=[inspection_a.slug, case.pk])
    warned = client.post(url, {"action": "claim", "queue": "all"})
    assert "cannot adjudicate" in warned.content.decode()
    case.refresh_from_db()
    assert case.assigned_to is None

    taken = client.post(url, {"action": "claim", "queue": "all", "confirmed": "yes"})
    assert taken.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == lead_user


def test_assigning_oneself_double_review_cases_is_warned_first(client, inspection_a, lead_user):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    cases = make_cases(inspection_a, 2)
    client.force_login(lead_user)
    data = {"cases": [c.pk for c in cases], "assignee": lead_user.pk, "review": "first"}
    warned = client.post(reverse("review-assign", args=[inspection_a.slug]), data)
    assert warned.status_code == 200 and "2 of these cases are" in warned.content.decode()
    assert not SampledCase.objects.filter(assigned_to=lead_user).exists()
    client.post(reverse("review-assign", args=[inspection_a.slug]), {**data, "confirmed": "yes"})
    assert SampledCase.objects.filter(assigned_to=lead_user).count() == 2


def test_sign_off_asks_to_confirm_and_the_confirmation_signs_off(
    client, inspection_a, inspector_user, lead_user
):
    (case,) = make_cases(inspection_a, 1, assigned_to=inspector_user)
    client.force_login(inspector_user)
    post_review(client, case, **ALL_YES_INCIDENT)
    client.force_login(lead_user)
    url = reverse("review-sign-off", args=[inspection_a.slug])
    page = client.get(url)
    assert page.status_code == 200 and "Yes, sign off the inspection" in page.content.decode()
    inspection_a.refresh_from_db()
    assert inspection_a.status != InspectionStatus.SIGNED_OFF  # looking signs nothing off
    client.post(url)
    inspection_a.refresh_from_db()
    assert inspection_a.status == InspectionStatus.SIGNED_OFF


def test_the_sign_off_page_lists_what_stands_in_the_way(client, inspection_a, lead_user):
    make_cases(inspection_a, 2)
    client.force_login(lead_user)
    page = client.get(reverse("review-sign-off", args=[inspection_a.slug])).content.decode()
    assert "2 cases without a complete first review" in page
    assert "Yes, sign off" not in page


def test_the_double_review_share_reads_as_a_plain_percentage(client, inspection_a, lead_user):
    inspection_a.double_review_fraction = Decimal("0.2")
    inspection_a.save()
    client.force_login(lead_user)
    page = client.get(reverse("inspection-workspace", args=[inspection_a.slug])).content.decode()
    assert 'name="percentage" value="20"' in page

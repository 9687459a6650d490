"""Agreement between blind double reviews: per decision, per inspection and per inspector."""

import pytest
from django.test import Client
from django.urls import reverse

from inspect_app.core import stats
from inspect_app.inspections.agreement import inspection_agreement
from tests.factories import CaseReviewFactory, UserFactory
from tests.review.conftest import make_cases

pytestmark = pytest.mark.django_db


def pair(case, first_by, second_by, first, second):
    CaseReviewFactory(case=case, kind="first", reviewer=first_by, **first)
    CaseReviewFactory(case=case, kind="second", reviewer=second_by, **second)


@pytest.fixture
def pairs(inspection_a, inspector_user, second_inspector, lead_user):
    third = UserFactory(username="tara-third", first_name="Tara", last_name="Third")
    cases = make_cases(inspection_a, 6)
    yes_yes = {"should_record": True, "was_recorded": True}
    yes_no = {"should_record": True, "was_recorded": False}
    no = {"should_record": False}
    pair(cases[0], inspector_user, second_inspector, yes_yes, yes_yes)
    pair(cases[1], inspector_user, second_inspector, yes_yes, yes_no)
    pair(cases[2], inspector_user, second_inspector, no, no)
    pair(cases[3], inspector_user, third, yes_no, no)
    pair(cases[4], second_inspector, third, yes_yes, yes_yes)
    # A case with only a first review is no pair.
    CaseReviewFactory(case=cases[5], reviewer=inspector_user, **no)
    return cases


def test_agreement_per_decision_matches_the_statistics(pairs, inspection_a):
    result = inspection_agreement(inspection_a)
    assert result.cases == 5
    by_field = {row.field: row.result for row in result.decisions}
    # should_record: (T,T) (T,T) (F,F) (T,F) (T,T)
    assert by_field["should_record"] == stats.agreement(
        [(True, True), (True, True), (False, False), (True, False), (True, True)]
    )
    assert by_field["should_record"].pairs == 5
    # was_recorded: only where both answered it: (T,T) (T,F) (T,T)
    assert by_field["was_recorded"] == stats.agreement([(True, True), (True, False), (True, True)])
    assert by_field["disposal_appropriate"].pairs == 0
    assert by_field["disposal_appropriate"].observed is None


def test_agreement_per_inspector_counts_the_pairs_they_were_in(pairs, inspection_a):
    result = inspection_agreement(inspection_a)
    cases = {row.reviewer.username: row.cases for row in result.reviewers}
    assert cases == {"isla-inspector": 4, "ivan-inspector": 4, "tara-third": 2}
    tara = next(row for row in result.reviewers if row.reviewer.username == "tara-third")
    should = next(d for d in tara.decisions if d.field == "should_record")
    assert should.result == stats.agreement([(True, False), (True, True)])


def test_agreement_takes_a_fixed_number_of_queries(
    pairs, inspection_a, inspector_user, django_assert_num_queries
):
    with django_assert_num_queries(2):
        inspection_agreement(inspection_a)
    more = make_cases(inspection_a, 10, prefix="MORE")
    for number, case in enumerate(more):
        other = UserFactory(username=f"extra-{number}")
        pair(case, inspector_user, other, {"should_record": False}, {"should_record": True})
    with django_assert_num_queries(2):
        inspection_agreement(inspection_a)


@pytest.mark.parametrize(("role", "status"), [("admin_user", 200), ("lead_user", 200)])
def test_leads_and_admins_see_the_agreement_page(client, request, role, status, pairs):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("review-agreement", kwargs={"slug": "essex-test"}))
    assert response.status_code == status
    content = response.content.decode()
    assert "Cohen's kappa" in content and "Gwet's AC1" in content
    assert "5 cases reviewed twice" in content
    assert "Tara Third: 2 cases reviewed twice" in content
    assert "80.0%" in content  # should record: 4 of 5 pairs agree


@pytest.mark.parametrize("role", ["inspector_user", "unassigned_inspector", "commissioner_a"])
def test_others_do_not_see_the_agreement_page(request, role, pairs):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("review-agreement", kwargs={"slug": "essex-test"}))
    assert response.status_code == 403

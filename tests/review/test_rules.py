"""The workflow's rules on their own: the decision tree's completeness, the reproducible
double-review sample, and the database refusing what must never happen."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from inspect_app.inspections import decisions
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import CaseReview, Inspection, SampledCase
from inspect_app.inspections.workflow import sample
from tests.factories import CaseReviewFactory, SampledCaseFactory
from tests.review.conftest import make_cases

pytestmark = pytest.mark.django_db


def refused_by_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- the decision tree: which questions are asked ------------------------------------------


@pytest.mark.parametrize(
    ("record_type", "given", "asked", "missing"),
    [
        (RecordType.INCIDENT, {}, ["should_record"], ["should_record"]),
        (RecordType.INCIDENT, {"should_record": False}, ["should_record"], []),
        (
            RecordType.INCIDENT,
            {"should_record": True},
            ["should_record", "was_recorded"],
            ["was_recorded"],
        ),
        (
            RecordType.OTHER_SYSTEM,
            {"should_record": True, "was_recorded": True, "on_time": False},
            ["should_record", "was_recorded", "correctly_classified", "on_time"],
            ["correctly_classified"],
        ),
        (RecordType.INCIDENT, {"should_record": True, "was_recorded": False}, None, []),
        (
            RecordType.NO_CRIME,
            {"cancellation_correct": False},
            ["cancellation_correct", "victim_informed"],
            ["victim_informed"],
        ),
        (RecordType.OOCD, {}, ["disposal_appropriate"], ["disposal_appropriate"]),
    ],
)
def test_the_tree_asks_only_what_the_answers_so_far_lead_to(record_type, given, asked, missing):
    if asked is not None:
        assert [d.field for d in decisions.questions_to_answer(record_type, given)] == asked
    assert decisions.unanswered(record_type, given) == missing


@pytest.mark.parametrize(
    ("record_type", "given"),
    [
        (RecordType.INCIDENT, {}),
        (RecordType.INCIDENT, {"should_record": False}),
        (RecordType.INCIDENT, {"should_record": True}),
        (RecordType.INCIDENT, {"should_record": True, "was_recorded": False}),
        (RecordType.INCIDENT, {"should_record": True, "was_recorded": True, "on_time": True}),
        (
            RecordType.OTHER_SYSTEM,
            {
                "should_record": True,
                "was_recorded": True,
                "on_time": True,
                "correctly_classified": False,
            },
        ),
        (RecordType.NO_CRIME, {"cancellation_correct": True}),
        (RecordType.NO_CRIME, {"cancellation_correct": True, "victim_informed": False}),
        (RecordType.OOCD, {}),
        (RecordType.OOCD, {"disposal_appropriate": False}),
    ],
)
def test_the_database_counts_a_review_complete_exactly_when_the_tree_does(
    record_type, given, inspector_user
):
    review = CaseReviewFactory(
        case=SampledCaseFactory(record_type=record_type), reviewer=inspector_user, **given
    )
    in_database = CaseReview.objects.filter(decisions.complete_q(), pk=review.pk).exists()
    assert in_database == (decisions.unanswered(record_type, given) == [])


# --- the double-review sample --------------------------------------------------------------


def test_the_draw_is_fixed_by_inspection_and_reference():
    assert sample.double_review_draw(7, "ABC/1") == sample.double_review_draw(7, "ABC/1")
    assert sample.double_review_draw(7, "ABC/1") != sample.double_review_draw(8, "ABC/1")
    assert 0 <= sample.double_review_draw(7, "ABC/1") < 1


def test_the_sample_is_about_the_share_asked_for_and_grows_with_it(inspection_a):
    make_cases(inspection_a, 400)
    inspection_a.double_review_fraction = Decimal("0.1")
    ten_percent = sample.double_review_case_ids(inspection_a)
    # 40 expected, binomial sd ≈ 6; the draw depends on the inspection's id, which differs
    # from run to run, so the bounds sit 4.5 sd out: a wrong share still falls outside them.
    assert 13 <= len(ten_percent) <= 67
    inspection_a.double_review_fraction = Decimal("0.25")
    quarter = sample.double_review_case_ids(inspection_a)
    assert ten_percent < quarter  # raising the share only adds cases
    inspection_a.double_review_fraction = Decimal(0)
    assert sample.double_review_case_ids(inspection_a) == set()
    inspection_a.double_review_fraction = Decimal(1)
    assert len(sample.double_review_case_ids(inspection_a)) == 400


def test_the_sample_is_the_same_on_every_call(inspection_a):
    make_cases(inspection_a, 50)
    inspection_a.double_review_fraction = Decimal("0.3")
    assert sample.double_review_case_ids(inspection_a) == sample.double_review_case_ids(
        inspection_a
    )


# --- what the database refuses -------------------------------------------------------------


def test_the_database_refuses_the_same_person_as_both_reviewers(case_a, inspector_user):
    SampledCase.objects.filter(pk=case_a.pk).update(assigned_to=inspector_user)
    refused_by_database(
        lambda: SampledCase.objects.filter(pk=case_a.pk).update(second_reviewer=inspector_user)
    )


@pytest.mark.parametrize("share", [Decimal("-0.1"), Decimal("1.5")])
def test_the_database_refuses_a_share_outside_0_to_1(inspection_a, share):
    refused_by_database(
        lambda: Inspection.objects.filter(pk=inspection_a.pk).update(double_review_fraction=share)
    )


def test_the_database_refuses_a_sign_off_without_who_and_when(inspection_a, lead_user):
    refused_by_database(
        lambda: Inspection.objects.filter(pk=inspection_a.pk).update(status="signed_off")
    )
    refused_by_database(
        lambda: Inspection.objects.filter(pk=inspection_a.pk).update(signed_off_by=lead_user)
    )
    Inspection.objects.filter(pk=inspection_a.pk).update(
        status="signed_off", signed_off_by=lead_user, signed_off_at=timezone.now()
    )

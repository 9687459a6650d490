"""The demonstration data with blind double reviews: the published counts and figures still
hold, because every adjudication confirms the first review."""

import pytest

from inspect_app.compliance.figures import counts_by_inspection_and_group
from inspect_app.inspections.agreement import inspection_agreement
from inspect_app.inspections.demo import PROGRAMME_SLUG, PUBLISHED_2014, load_demo
from inspect_app.inspections.models import CaseReview, Inspection, Programme
from inspect_app.inspections.workflow import queues
from inspect_app.inspections.workflow.sample import double_review_case_ids

pytestmark = pytest.mark.django_db


def totals(programme_id):
    """Every metric's k and n, per inspection (by slug), as the figures count them."""
    slugs = dict(Inspection.objects.values_list("pk", "slug"))
    summed = {}
    for row in counts_by_inspection_and_group(programme_id):
        key = slugs[row["counted_inspection"]]
        for name, value in row.items():
            if name.endswith(("_numerator", "_denominator")):
                summed[(key, name)] = summed.get((key, name), 0) + value
    return summed


def test_double_reviews_leave_the_published_counts_and_figures_alone():
    load_demo(password="a-long-enough-passphrase", double_reviews=False)
    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    plain = totals(programme.pk)
    essex_cases = sorted(
        Inspection.objects.get(slug="essex-2014").cases.values_list("reference", flat=True)
    )

    load_demo(password="a-long-enough-passphrase", reset=True, double_reviews=True)
    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    essex = Inspection.objects.get(slug="essex-2014")
    assert sorted(essex.cases.values_list("reference", flat=True)) == essex_cases
    assert totals(programme.pk) == plain

    for sample in PUBLISHED_2014:
        firsts = CaseReview.objects.filter(
            case__inspection__force__code=sample.force_code, kind="first"
        )
        assert firsts.filter(should_record=True).count() == sample.should_record
        assert firsts.filter(should_record=True, was_recorded=True).count() == sample.recorded

    seconds = CaseReview.objects.filter(kind="second")
    assert seconds.exists()
    assert set(seconds.values_list("case_id", flat=True)) == {
        case_id
        for inspection in programme.inspections.all()
        for case_id in double_review_case_ids(inspection)
    }
    # Every disagreement has been adjudicated, and the two reviewers always differ.
    for inspection in programme.inspections.all():
        assert queues.awaiting_adjudication(inspection).count() == 0
        assert queues.awaiting_second_review(inspection).count() == 0
        for first, second in queues.case_pairs(inspection).values():
            assert first["reviewer_id"] != second["reviewer_id"]
    assert CaseReview.objects.filter(kind="adjudicated").exists()
    result = inspection_agreement(essex)
    assert result.cases > 0 and len(result.reviewers) == 2

"""Generated review-form posts: never a server error, never a contradictory or partial write."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_app.inspections import decisions
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import CaseReview
from tests.factories import SampledCaseFactory

pytestmark = pytest.mark.django_db

ANSWERS = st.sampled_from(["yes", "no", "na", "", "maybe", "1", "true", "\x00", "é" * 3])
TEXT = st.text(max_size=200)
FIELDS = {
    **{field: ANSWERS for field in decisions.DECISION_FIELDS},
    "version": st.one_of(st.integers(-5, 5).map(str), TEXT),
    "kind": st.sampled_from(["first", "second", "adjudicated", "", "other"]),
    "action": st.sampled_from(["save", "save_next", "claim", "claim_second", "", "delete"]),
    "corrected_offence_group": st.one_of(st.integers(-1, 10_000).map(str), TEXT),
    "notes": TEXT,
    "queue": st.sampled_from(["mine", "unassigned", "all", "", "../../admin"]),
}
POSTS = st.fixed_dictionaries({}, optional=FIELDS)


def snapshot(case):
    return list(CaseReview.objects.filter(case=case).order_by("kind").values())


@pytest.mark.parametrize("record_type", list(RecordType))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(post=POSTS)
def test_no_post_breaks_the_review_form(client, inspector_user, inspection_a, record_type, post):
    client.force_login(inspector_user)
    case = SampledCaseFactory(
        inspection=inspection_a, record_type=record_type, assigned_to=inspector_user
    )
    url = reverse("review-case", kwargs={"slug": inspection_a.slug, "pk": case.pk})
    before = snapshot(case)

    response = client.post(url, post)

    assert response.status_code < 500
    after = snapshot(case)
    if response.status_code != 302:  # refused: nothing written
        assert after == before
    for review in CaseReview.objects.filter(case=case):
        assert decisions.contradictions(review.record_type, review.answers()) == []


@pytest.mark.parametrize("record_type", list(RecordType))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_well_formed_posts_save_consistently_or_change_nothing(
    client, inspector_user, inspection_a, record_type, data
):
    client.force_login(inspector_user)
    case = SampledCaseFactory(
        inspection=inspection_a, record_type=record_type, assigned_to=inspector_user
    )
    url = reverse("review-case", kwargs={"slug": inspection_a.slug, "pk": case.pk})
    answers = {
        decision.field: data.draw(st.sampled_from(["yes", "no", "na"]))
        for decision in decisions.DECISIONS_BY_RECORD_TYPE[record_type]
    }
    response = client.post(url, {**answers, "version": 0, "kind": "first", "action": "save"})

    review = CaseReview.objects.filter(case=case, kind="first").first()
    as_bool = {"yes": True, "no": False, "na": None}
    if response.status_code == 302:
        assert review is not None
        assert {field: getattr(review, field) for field in answers} == {
            field: as_bool[value] for field, value in answers.items()
        }
        assert decisions.contradictions(record_type, review.answers()) == []
    else:
        assert response.status_code == 400
        assert review is None

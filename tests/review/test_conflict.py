"""No lost updates: two people open the same review; the second to save is refused, told what
the first changed, and nothing of the first's work is overwritten."""

import pytest
from django.test import Client

from inspect_app.inspections.models import CaseReview
from inspect_app.inspections.workflow import refusals, saving, state
from tests.review.conftest import ALL_YES_INCIDENT, NOT_A_CRIME, answers, case_page, post_review

pytestmark = pytest.mark.django_db


def form_version(client, case):
    content = client.get(case_page(case)).content.decode()
    marker = 'name="version" value="'
    start = content.index(marker) + len(marker)
    return int(content[start : content.index('"', start)])


def test_the_second_of_two_saves_is_refused_and_shown_what_changed(
    inspector_user, lead_user, assigned_case
):
    inspector, lead = Client(), Client()
    inspector.force_login(inspector_user)
    lead.force_login(lead_user)
    post_review(inspector, assigned_case, **ALL_YES_INCIDENT)

    # Both open the review at version 1.
    assert form_version(inspector, assigned_case) == 1
    assert form_version(lead, assigned_case) == 1

    first = post_review(
        lead,
        assigned_case,
        version=1,
        notes="Classified as common assault; should be ABH.",
        **answers(should_record=True, was_recorded=True, correctly_classified=False, on_time=True),
    )
    assert first.status_code == 302

    second = post_review(inspector, assigned_case, version=1, **NOT_A_CRIME)
    assert second.status_code == 409
    content = second.content.decode()
    assert "There is a problem" in content
    assert "lee-lead saved this review while you were editing it" in content
    assert "Your changes have not been saved" in content
    # What the other person changed, before and after:
    assert "Was it correctly classified?</td><td>Yes</td><td><strong>No</strong>" in content
    assert "Classified as common assault" in content
    # ...and what this person tried to save, so they can redo it.
    assert "Your answers (not saved)" in content
    # The form now carries the current version, so saving again is a deliberate choice.
    assert 'name="version" value="2"' in content

    review = CaseReview.objects.get(case=assigned_case)
    assert review.version == 2
    assert review.correctly_classified is False and review.should_record is True
    assert review.history.count() == 2  # the refused save left no trace


def test_two_people_creating_the_same_review_do_not_overwrite_each_other(
    inspector_user, lead_user, assigned_case
):
    # The inspector opens the empty form (version 0) and the lead saves first by the service.
    saving.save_review(
        assigned_case, "first", inspector_user, {**_values(should_record=False)}, expected_version=0
    )
    with pytest.raises(refusals.ReviewConflict):
        saving.save_review(
            assigned_case, "first", inspector_user, _values(should_record=True), expected_version=0
        )
    assert CaseReview.objects.get(case=assigned_case).should_record is False


def test_the_version_check_is_a_conditional_update(inspector_user, assigned_case):
    review = saving.save_review(
        assigned_case, "first", inspector_user, _values(should_record=False), 0
    )
    # Someone else moved the version on behind this person's back.
    CaseReview.objects.filter(pk=review.pk).update(version=5)
    with pytest.raises(refusals.ReviewConflict) as clash:
        saving.save_review(
            assigned_case, "first", inspector_user, _values(should_record=True), expected_version=1
        )
    assert clash.value.current.version == 5
    assert CaseReview.objects.get(pk=review.pk).should_record is False


def _values(**decisions):
    values = dict.fromkeys(state.REVIEW_FIELDS)
    values["notes"] = ""
    values.update(decisions)
    return values

"""The case page: who sees it, who may save which review, and every forged post refused with
nothing changed."""

import pytest
from django.test import Client

from inspect_app.compliance.tasks import _QueueRecompute
from inspect_app.inspections.models import CaseReview, SampledCase
from tests.factories import SampledCaseFactory
from tests.review.conftest import (
    ALL_YES_INCIDENT,
    NOT_A_CRIME,
    answers,
    case_page,
    make_cases,
    post_review,
)

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


# --- seeing the case ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "lead_user", "inspector_user"])
def test_the_team_sees_the_record_and_its_summary(client, request, role, assigned_case):
    response = signed_in(client, request.getfixturevalue(role)).get(case_page(assigned_case))
    assert response.status_code == 200
    assert b"Essex narrative: sensitive" in response.content
    assert b"ESX-1" in response.content


def test_an_unassigned_inspector_is_refused(client, unassigned_inspector, assigned_case):
    response = signed_in(client, unassigned_inspector).get(case_page(assigned_case))
    assert response.status_code == 403
    assert b"Essex narrative" not in response.content


def test_a_commissioner_never_sees_a_case(client, commissioner_a, assigned_case):
    response = signed_in(client, commissioner_a).get(case_page(assigned_case))
    assert response.status_code == 403
    assert b"Essex narrative" not in response.content


def test_a_stranger_is_sent_to_sign_in(client, assigned_case):
    response = client.get(case_page(assigned_case))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_case_of_another_inspection_is_not_found_under_this_one(
    client, inspector_user, inspection_a, case_b, lead_user
):
    url = f"/inspections/{inspection_a.slug}/cases/{case_b.pk}/"
    assert signed_in(client, inspector_user).get(url).status_code == 404
    # Even a lead, who may see both, reaches a case only under its own inspection.
    assert signed_in(client, lead_user).get(url).status_code == 404


def test_the_form_asks_only_the_record_types_questions(client, inspector_user, inspection_a):
    case = SampledCaseFactory(
        inspection=inspection_a, record_type="oocd", assigned_to=inspector_user
    )
    content = signed_in(client, inspector_user).get(case_page(case)).content.decode()
    assert 'name="disposal_appropriate"' in content
    assert 'name="should_record"' not in content and 'name="victim_informed"' not in content
    # The tree's structure is in the page for the script, from decisions.py.
    incident = SampledCaseFactory(inspection=inspection_a, assigned_to=inspector_user)
    content = client.get(case_page(incident)).content.decode()
    assert 'data-field="was_recorded" data-requires="should_record"' in content
    assert 'data-field="on_time" data-requires="was_recorded"' in content


def test_the_page_shows_the_keyboard_shortcuts_and_loads_the_script(
    client, inspector_user, assigned_case
):
    content = signed_in(client, inspector_user).get(case_page(assigned_case)).content.decode()
    assert "Keyboard shortcuts" in content and "<kbd>Y</kbd>" in content
    assert "js/review-keys.js" in content
    assert "<script>" not in content  # no inline script: the CSP forbids it


# --- saving ---------------------------------------------------------------------------------


def test_the_assigned_inspector_saves_a_review(client, inspector_user, assigned_case):
    response = post_review(signed_in(client, inspector_user), assigned_case, **ALL_YES_INCIDENT)
    assert response.status_code == 302
    review = CaseReview.objects.get(case=assigned_case, kind="first")
    assert review.reviewer == inspector_user
    assert (review.should_record, review.was_recorded, review.on_time) == (True, True, True)
    assert review.version == 1


def test_saving_again_moves_the_version_on(client, inspector_user, assigned_case):
    signed_in(client, inspector_user)
    post_review(client, assigned_case, **ALL_YES_INCIDENT)
    response = post_review(client, assigned_case, version=1, **NOT_A_CRIME)
    assert response.status_code == 302
    review = CaseReview.objects.get(case=assigned_case)
    assert review.version == 2 and review.should_record is False and review.was_recorded is None


def test_the_offence_group_can_be_corrected(client, inspector_user, assigned_case):
    from tests.factories import offence_group

    signed_in(client, inspector_user)
    post_review(
        client, assigned_case, corrected_offence_group=offence_group("SEX").pk, **ALL_YES_INCIDENT
    )
    assert CaseReview.objects.get(case=assigned_case).corrected_offence_group.code == "SEX"


def test_save_and_next_goes_to_the_next_case_in_the_queue(client, inspector_user, inspection_a):
    first, second, third = make_cases(inspection_a, 3, assigned_to=inspector_user)
    response = post_review(
        signed_in(client, inspector_user), second, action="save_next", **NOT_A_CRIME
    )
    assert response["Location"] == case_page(third, "mine")
    response = post_review(client, third, action="save_next", **NOT_A_CRIME)
    # Past the end of the queue: back to its start (the first case is still waiting).
    assert response["Location"] == case_page(first, "mine")
    response = post_review(client, first, action="save_next", **NOT_A_CRIME)
    assert "/workspace/?queue=mine" in response["Location"]


def test_previous_and_next_links_follow_the_queue(client, inspector_user, inspection_a):
    first, second, third = make_cases(inspection_a, 3, assigned_to=inspector_user)
    make_cases(inspection_a, 1, prefix="OTHER")  # not assigned: not in "mine"
    content = signed_in(client, inspector_user).get(case_page(second, "mine")).content.decode()
    assert f'href="{case_page(first, "mine")}" id="previous-case"' in content
    assert f'href="{case_page(third, "mine")}" id="next-case"' in content


def test_every_save_asks_for_the_figures_to_be_recomputed(
    client, inspector_user, assigned_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        post_review(signed_in(client, inspector_user), assigned_case, **ALL_YES_INCIDENT)
    queued = [c for c in callbacks if isinstance(c, _QueueRecompute)]
    assert [c.programme_id for c in queued] == [assigned_case.inspection.programme_id]


# --- refused: each leaves everything as it was ----------------------------------------------


def test_it_refuses_a_decision_the_tree_forbids(client, inspector_user, assigned_case):
    response = post_review(
        signed_in(client, inspector_user),
        assigned_case,
        **answers(should_record=False, was_recorded=True),
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content
    assert "can only be answered when" in content
    assert 'href="#field-was_recorded"' in content
    assert not CaseReview.objects.exists()


def test_it_refuses_an_answer_to_a_question_the_record_type_does_not_have(
    client, inspector_user, assigned_case
):
    response = post_review(
        signed_in(client, inspector_user),
        assigned_case,
        cancellation_correct="yes",
        **NOT_A_CRIME,
    )
    assert response.status_code == 400
    assert "does not apply to an incident record" in response.content.decode()
    assert not CaseReview.objects.exists()


def test_it_refuses_an_incomplete_review(client, inspector_user, assigned_case):
    response = post_review(
        signed_in(client, inspector_user), assigned_case, **answers(should_record=True)
    )
    assert response.status_code == 400
    assert "Select yes or no: was the crime recorded?" in response.content.decode()
    assert not CaseReview.objects.exists()


def test_it_refuses_a_reviewer_the_case_is_not_assigned_to(client, second_inspector, assigned_case):
    response = post_review(signed_in(client, second_inspector), assigned_case, **NOT_A_CRIME)
    assert response.status_code == 403
    assert not CaseReview.objects.exists()


def test_it_refuses_a_review_of_an_unassigned_case(client, inspector_user, case_a):
    response = post_review(signed_in(client, inspector_user), case_a, **NOT_A_CRIME)
    assert response.status_code == 403
    assert not CaseReview.objects.exists()


@pytest.mark.parametrize("role", ["admin_user", "unassigned_inspector", "commissioner_a"])
def test_it_refuses_a_save_by_anyone_outside_the_reviewers(client, request, role, assigned_case):
    response = post_review(
        signed_in(client, request.getfixturevalue(role)), assigned_case, **NOT_A_CRIME
    )
    assert response.status_code == 403
    assert not CaseReview.objects.exists()


def test_it_refuses_a_forged_kind(client, inspector_user, assigned_case):
    response = post_review(
        signed_in(client, inspector_user), assigned_case, kind="adjudicated", **NOT_A_CRIME
    )
    assert response.status_code == 403
    assert not CaseReview.objects.exists()


def test_it_refuses_a_case_of_another_inspection(client, inspector_user, inspection_a, case_b):
    signed_in(client, inspector_user)
    response = client.post(
        f"/inspections/{inspection_a.slug}/cases/{case_b.pk}/",
        {"kind": "first", "version": 0, "action": "save", **NOT_A_CRIME},
    )
    assert response.status_code == 404
    assert not CaseReview.objects.exists()


def test_it_refuses_a_stale_version(client, inspector_user, assigned_case):
    signed_in(client, inspector_user)
    post_review(client, assigned_case, **ALL_YES_INCIDENT)
    post_review(client, assigned_case, version=1, **NOT_A_CRIME)
    response = post_review(client, assigned_case, version=1, **ALL_YES_INCIDENT)
    assert response.status_code == 409
    review = CaseReview.objects.get(case=assigned_case)
    assert review.version == 2 and review.should_record is False


def test_a_lead_may_correct_a_first_review_but_it_stays_the_inspectors(
    client, inspector_user, lead_user, assigned_case
):
    post_review(signed_in(client, inspector_user), assigned_case, **ALL_YES_INCIDENT)
    response = post_review(signed_in(client, lead_user), assigned_case, version=1, **NOT_A_CRIME)
    assert response.status_code == 302
    review = CaseReview.objects.get(case=assigned_case)
    assert review.should_record is False and review.reviewer == inspector_user
    assert review.history.first().history_user == lead_user


# --- the audit trail ------------------------------------------------------------------------


def test_the_audit_trail_shows_who_when_before_and_after(
    client, inspector_user, lead_user, assigned_case
):
    post_review(signed_in(client, inspector_user), assigned_case, **ALL_YES_INCIDENT)
    post_review(signed_in(client, lead_user), assigned_case, version=1, **NOT_A_CRIME)
    content = client.get(case_page(assigned_case)).content.decode()
    trail = content[content.index("Audit trail") :]
    assert "lee-lead" in trail and "isla-inspector" in trail
    assert "Should a crime have been recorded? Yes → <strong>No</strong>" in trail
    assert "Was the crime recorded? Yes → <strong>Not answered</strong>" in trail
    assert "version 2" in trail and "version 1" in trail
    # Each saved version is one history row, with the person who saved it.
    review = CaseReview.objects.get(case=assigned_case)
    assert [h.history_user for h in review.history.order_by("history_date")] == [
        inspector_user,
        lead_user,
    ]


# --- claiming this case ---------------------------------------------------------------------


def test_an_inspector_takes_an_unassigned_case_from_its_page(client, inspector_user, case_a):
    signed_in(client, inspector_user)
    response = client.post(case_page(case_a), {"action": "claim", "queue": "unassigned"})
    assert response.status_code == 302
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to == inspector_user


def test_a_taken_case_cannot_be_taken_again(client, inspector_user, second_inspector, case_a):
    signed_in(client, inspector_user).post(case_page(case_a), {"action": "claim"})
    other = signed_in(Client(), second_inspector)
    response = other.post(case_page(case_a), {"action": "claim"})
    assert response.status_code == 409
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to == inspector_user

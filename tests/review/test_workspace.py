"""The inspection workspace: progress, queues, the case table, taking and assigning cases."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from inspect_app.inspections.models import SampledCase
from inspect_app.inspections.workflow import claims, queues
from tests.factories import CaseReviewFactory, SampledCaseFactory, offence_group
from tests.review.conftest import make_cases

pytestmark = pytest.mark.django_db


def workspace(inspection, **query):
    url = reverse("inspection-workspace", kwargs={"slug": inspection.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def signed_in(client, user):
    client.force_login(user)
    return client


# --- who may open it ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "lead_user", "inspector_user"])
def test_the_team_opens_the_workspace(client, request, role, inspection_a, case_a):
    response = signed_in(client, request.getfixturevalue(role)).get(workspace(inspection_a))
    assert response.status_code == 200
    assert b"0 of 1</strong> cases reviewed" in response.content


def test_an_unassigned_inspector_is_refused(client, unassigned_inspector, inspection_a):
    assert signed_in(client, unassigned_inspector).get(workspace(inspection_a)).status_code == 403


def test_a_commissioner_is_refused(client, commissioner_a, inspection_a):
    assert signed_in(client, commissioner_a).get(workspace(inspection_a)).status_code == 403


def test_an_unknown_inspection_is_not_found(client, lead_user):
    assert signed_in(client, lead_user).get("/inspections/nope/workspace/").status_code == 404


# --- progress -------------------------------------------------------------------------------


def test_progress_counts_complete_first_reviews_by_type_and_group(
    client, lead_user, inspector_user, inspection_a
):
    theft = offence_group("THF")
    done, half, untouched = make_cases(inspection_a, 3, offence_group=theft)
    oocd = SampledCaseFactory(inspection=inspection_a, record_type="oocd", reference="OOCD-1")
    CaseReviewFactory(case=done, reviewer=inspector_user, should_record=False)
    # An incomplete review (imported half-done) is not "reviewed".
    CaseReviewFactory(case=half, reviewer=inspector_user, should_record=True)
    CaseReviewFactory(case=oocd, reviewer=inspector_user, disposal_appropriate=True)
    # A second review alone does not count as progress.
    CaseReviewFactory(case=untouched, kind="second", reviewer=lead_user, should_record=False)

    content = signed_in(client, lead_user).get(workspace(inspection_a)).content.decode()
    assert "2 of 4</strong> cases reviewed" in content
    assert 'Incident <span class="task-list__hint">1 of 3</span>' in content
    assert 'Out-of-court disposal <span class="task-list__hint">1 of 1</span>' in content
    assert 'Theft <span class="task-list__hint">1 of 3</span>' in content
    assert "In progress" in content and "Completed" in content


# --- queues and the table -------------------------------------------------------------------


def test_queues_hold_the_right_cases(inspection_a, inspector_user, second_inspector, lead_user):
    mine, theirs, free, done = make_cases(inspection_a, 4)
    SampledCase.objects.filter(pk=mine.pk).update(assigned_to=inspector_user)
    SampledCase.objects.filter(pk=theirs.pk).update(assigned_to=second_inspector)
    SampledCase.objects.filter(pk=done.pk).update(assigned_to=inspector_user)
    CaseReviewFactory(case=done, reviewer=inspector_user, should_record=False)
    cases = SampledCase.objects.visible_to(inspector_user).filter(inspection=inspection_a)

    def queue(name, user=inspector_user):
        return set(queues.queue_cases(name, inspection_a, user, cases))

    assert queue("mine") == {mine}
    assert queue("unassigned") == {free}
    assert queue("all") == {mine, theirs, free, done}
    assert queue("adjudication") == set()  # inspectors do not adjudicate
    assert queue("second") == set()  # nothing is double reviewed at a share of 0


def test_the_table_shows_the_queue_filtered_sorted_and_paginated(
    client, inspector_user, inspection_a
):
    make_cases(inspection_a, 60, assigned_to=inspector_user)
    signed_in(client, inspector_user)
    content = client.get(workspace(inspection_a, queue="mine")).content.decode()
    assert "CASE-001" in content and "CASE-050" in content and "CASE-051" not in content
    content = client.get(workspace(inspection_a, queue="mine", page=2)).content.decode()
    assert "CASE-051" in content and "CASE-001" not in content
    content = client.get(workspace(inspection_a, queue="mine", sort="-reference")).content
    assert content.decode().index("CASE-060") < content.decode().index("CASE-059")
    content = client.get(workspace(inspection_a, queue="all", reference="CASE-04")).content
    assert b"CASE-041" in content and b"CASE-031" not in content
    # Each case links to its page within the queue.
    assert b"?queue=all" in content


def test_the_progress_filter(client, inspector_user, inspection_a):
    done, todo = make_cases(inspection_a, 2)
    CaseReviewFactory(case=done, reviewer=inspector_user, should_record=False)
    signed_in(client, inspector_user)
    content = client.get(workspace(inspection_a, queue="all", progress="reviewed")).content
    assert b"CASE-001" in content and b"CASE-002" not in content
    content = client.get(workspace(inspection_a, queue="all", progress="not_reviewed")).content
    assert b"CASE-002" in content and b"CASE-001" not in content


# --- taking the next case -------------------------------------------------------------------


def test_taking_the_next_case_gives_the_first_unassigned_one(client, inspector_user, inspection_a):
    first, second = make_cases(inspection_a, 2)
    response = signed_in(client, inspector_user).post(
        reverse("review-claim-next", kwargs={"slug": inspection_a.slug})
    )
    assert response.status_code == 302 and f"/cases/{first.pk}/" in response["Location"]
    assert SampledCase.objects.get(pk=first.pk).assigned_to == inspector_user
    assert SampledCase.objects.get(pk=second.pk).assigned_to is None


def test_taking_when_nothing_is_left_says_so(client, inspector_user, inspection_a):
    response = signed_in(client, inspector_user).post(
        reverse("review-claim-next", kwargs={"slug": inspection_a.slug}), follow=True
    )
    assert b"There are no unassigned cases left" in response.content


@pytest.mark.parametrize("role", ["admin_user", "unassigned_inspector", "commissioner_a"])
def test_taking_a_case_is_refused_outside_the_reviewers(client, request, role, inspection_a):
    case = make_cases(inspection_a, 1)[0]
    response = signed_in(client, request.getfixturevalue(role)).post(
        reverse("review-claim-next", kwargs={"slug": inspection_a.slug})
    )
    assert response.status_code == 403
    assert SampledCase.objects.get(pk=case.pk).assigned_to is None


def test_a_claim_that_loses_the_race_takes_the_next_case(
    inspection_a, inspector_user, second_inspector, monkeypatch
):
    first, second = make_cases(inspection_a, 2)
    real = claims._next_candidate

    def raced(claimable):
        candidate = real(claimable)
        # Between choosing the case and claiming it, someone else claims it.
        SampledCase.objects.filter(pk=candidate).update(assigned_to=second_inspector)
        monkeypatch.setattr(claims, "_next_candidate", real)
        return candidate

    monkeypatch.setattr(claims, "_next_candidate", raced)
    claimed = claims.claim_next_case(inspection_a, inspector_user)
    assert claimed == second
    assert SampledCase.objects.get(pk=first.pk).assigned_to == second_inspector


@pytest.mark.django_db(transaction=True)
def test_inspectors_claiming_at_once_never_get_the_same_case(inspection_a, inspector_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    from tests.factories import UserFactory

    team = [inspector_user] + [UserFactory(username=f"racer-{n}") for n in range(5)]
    inspection_a.inspectors.add(*team)
    make_cases(inspection_a, 10)
    claimed, start = [], threading.Barrier(len(team))

    def claim(user):
        start.wait()
        try:
            for _ in range(3):
                case = claims.claim_next_case(inspection_a, user)
                if case:
                    claimed.append((case.pk, user.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in team]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case_ids = [case_id for case_id, _ in claimed]
    assert len(case_ids) == len(set(case_ids)) == 10
    for case_id, user_id in claimed:
        assert SampledCase.objects.get(pk=case_id).assigned_to_id == user_id


# --- assigning ------------------------------------------------------------------------------


def assign(client, inspection, cases, assignee, review="first"):
    return client.post(
        reverse("review-assign", kwargs={"slug": inspection.slug}),
        {
            "cases": [case.pk for case in cases],
            "assignee": assignee.pk if assignee else "",
            "review": review,
        },
    )


def test_a_lead_assigns_cases_in_bulk(client, lead_user, inspector_user, inspection_a):
    cases = make_cases(inspection_a, 3)
    response = assign(signed_in(client, lead_user), inspection_a, cases[:2], inspector_user)
    assert response.status_code == 302
    assert [c.assigned_to for c in SampledCase.objects.order_by("reference")] == [
        inspector_user,
        inspector_user,
        None,
    ]


def test_a_lead_assigns_one_case_and_unassigns_it(client, lead_user, inspector_user, case_a):
    signed_in(client, lead_user)
    assign(client, case_a.inspection, [case_a], inspector_user)
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to == inspector_user
    assign(client, case_a.inspection, [case_a], None)
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to is None


@pytest.mark.parametrize("role", ["admin_user", "inspector_user", "commissioner_a"])
def test_only_a_lead_assigns(client, request, role, inspector_user, case_a):
    response = assign(
        signed_in(client, request.getfixturevalue(role)),
        case_a.inspection,
        [case_a],
        inspector_user,
    )
    assert response.status_code == 403
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to is None


def test_assigning_to_someone_off_the_inspection_is_refused(
    client, lead_user, unassigned_inspector, case_a
):
    response = assign(
        signed_in(client, lead_user), case_a.inspection, [case_a], unassigned_inspector
    )
    assert response.status_code == 400
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to is None


def test_assigning_a_case_of_another_inspection_changes_nothing(
    client, lead_user, inspector_user, inspection_a, case_a, case_b
):
    response = assign(signed_in(client, lead_user), inspection_a, [case_a, case_b], inspector_user)
    assert response.status_code == 400
    assert b"is not a case of this inspection" in response.content
    assert SampledCase.objects.get(pk=case_a.pk).assigned_to is None
    assert SampledCase.objects.get(pk=case_b.pk).assigned_to is None


def test_the_lead_sees_the_bulk_assign_form_and_inspectors_do_not(
    client, lead_user, inspector_user, case_a
):
    content = signed_in(client, lead_user).get(workspace(case_a.inspection)).content
    assert b'id="assign-form"' in content and b'form="assign-form"' in content
    content = signed_in(client, inspector_user).get(workspace(case_a.inspection)).content
    assert b'id="assign-form"' not in content


# --- the double-review share ----------------------------------------------------------------


def share(client, inspection, percentage):
    return client.post(
        reverse("review-double-review-share", kwargs={"slug": inspection.slug}),
        {"percentage": percentage},
    )


def test_a_lead_sets_the_double_review_share(client, lead_user, inspection_a):
    from decimal import Decimal

    assert share(signed_in(client, lead_user), inspection_a, "12.5").status_code == 302
    inspection_a.refresh_from_db()
    assert inspection_a.double_review_fraction == Decimal("0.125")


@pytest.mark.parametrize("value", ["150", "-1", "ten"])
def test_a_share_outside_0_to_100_percent_is_refused(client, lead_user, inspection_a, value):
    assert share(signed_in(client, lead_user), inspection_a, value).status_code == 400
    inspection_a.refresh_from_db()
    assert inspection_a.double_review_fraction == 0


@pytest.mark.parametrize("role", ["admin_user", "inspector_user", "commissioner_a"])
def test_only_a_lead_sets_the_share(client, request, role, inspection_a):
    assert (
        share(signed_in(client, request.getfixturevalue(role)), inspection_a, "50").status_code
        == 403
    )
    inspection_a.refresh_from_db()
    assert inspection_a.double_review_fraction == 0

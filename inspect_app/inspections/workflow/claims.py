"""Who may be given an inspection's cases, assigning them, and taking them.

Every claim is a conditional UPDATE (only while the case is still free), made
in one transaction with the inspection's row lock held through it: two
people taking cases at once never get the same one, and no case is taken once
the inspection is signed off.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from inspect_app.accounts import access
from inspect_app.accounts.models import User
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase, casework_changed
from inspect_app.inspections.workflow.queues import no_review_of_kind
from inspect_app.inspections.workflow.refusals import NotAllowed, lock_open_inspection
from inspect_app.inspections.workflow.sample import in_double_review_sample


def reviewers_of(inspection):
    """Who may be given cases of this inspection: its assigned inspectors and every lead."""
    return (
        User.objects.filter(access.case_reviewers_q(inspection))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def claim_next_case(inspection, user):
    """Give ``user`` the next unassigned, unreviewed case, or None if there is none.

    The claim is a conditional UPDATE (only while still unassigned), so two
    inspectors claiming at once never get the same case: the loser's update
    matches no row and it moves on to the next candidate.
    """
    if not access.may_review(user):
        raise NotAllowed("Only inspectors take cases.")
    claimable = (
        SampledCase.objects.filter(inspection=inspection, assigned_to__isnull=True)
        .exclude(second_reviewer=user)
        .filter(no_review_of_kind(ReviewKind.FIRST))
        .exclude(Exists(CaseReview.objects.filter(case=OuterRef("pk"), reviewer=user)))
    )
    with transaction.atomic():
        lock_open_inspection(inspection.pk)
        # Each lost race means someone else took a case; a few retries find one
        # nobody has, without looping for ever under heavy contention.
        for _ in range(20):
            candidate = _next_candidate(claimable)
            if candidate is None:
                return None
            if _claim(claimable.filter(pk=candidate), inspection.pk, assigned_to=user):
                return SampledCase.objects.get(pk=candidate)
    return None


def claim_case(case, user):
    """Give ``user`` this one case for its first review, if nobody has taken or reviewed it;
    returns whether they now have it (the same conditional update as ``claim_next_case``)."""
    if not access.may_review(user):
        raise NotAllowed("Only inspectors take cases.")
    with transaction.atomic():
        lock_open_inspection(case.inspection_id)
        taken = _claim(
            SampledCase.objects.filter(pk=case.pk, assigned_to__isnull=True)
            .exclude(second_reviewer=user)
            .exclude(Exists(CaseReview.objects.filter(case=OuterRef("pk")))),
            case.inspection_id,
            assigned_to=user,
        )
    return bool(taken)


def claim_second_review(case, user):
    """Make ``user`` the blind second reviewer of ``case``, if nobody has taken it yet."""
    if not access.may_review(user):
        raise NotAllowed("Only inspectors make second reviews.")
    with transaction.atomic():
        inspection = lock_open_inspection(case.inspection_id)
        if not in_double_review_sample(case, inspection.double_review_fraction):
            raise NotAllowed("This case is not in the double-review sample.")
        claimed = _claim(
            SampledCase.objects.filter(pk=case.pk, second_reviewer__isnull=True)
            .exclude(assigned_to=user)
            .filter(no_review_of_kind(ReviewKind.SECOND))
            .exclude(Exists(CaseReview.objects.filter(case=OuterRef("pk"), reviewer=user))),
            case.inspection_id,
            second_reviewer=user,
        )
    if not claimed:
        raise NotAllowed(
            "You cannot take this second review: someone else has it, or you are its first "
            "reviewer."
        )
    return SampledCase.objects.get(pk=case.pk)


def _claim(cases, inspection_id, **change):
    """The conditional update that takes a case, with the inspection's work version moved.
    Called under the inspection's row lock, in the caller's transaction: the lock is what
    keeps a sign-off from slipping in between the check and the claim."""
    casework_changed(inspection_id)
    return cases.update(**change)


def _next_candidate(claimable):
    return claimable.order_by("reference", "pk").values_list("pk", flat=True).first()


def assign_cases(inspection, cases, assignee, *, second=False):
    """Give ``cases`` (all of this inspection) to ``assignee`` (None to unassign).

    All or nothing: if any case cannot be given to this person, nothing is
    assigned and the refusal names the case.
    """
    if assignee is not None and not reviewers_of(inspection).filter(pk=assignee.pk).exists():
        raise NotAllowed(f"{assignee} is not a reviewer of this inspection.")
    with transaction.atomic():
        lock_open_inspection(inspection.pk)
        casework_changed(inspection.pk)
        cases = list(
            SampledCase.objects.select_for_update()
            .filter(pk__in=[case.pk for case in cases], inspection=inspection)
            .select_related("inspection")
            .order_by("reference")
        )
        reviews = {
            (review.case_id, review.kind): review
            for review in CaseReview.objects.filter(case__in=cases)
        }
        for case in cases:
            first = reviews.get((case.pk, ReviewKind.FIRST))
            second_review = reviews.get((case.pk, ReviewKind.SECOND))
            if second:
                if not in_double_review_sample(case):
                    raise NotAllowed(f"{case.reference} is not in the double-review sample.")
                if second_review is not None:
                    raise NotAllowed(f"{case.reference} already has its second review.")
                if assignee and (
                    case.assigned_to_id == assignee.pk
                    or (first and first.reviewer_id == assignee.pk)
                ):
                    raise NotAllowed(
                        f"{assignee} is the first reviewer of {case.reference}: the second "
                        "review needs someone else."
                    )
                case.second_reviewer = assignee
            else:
                if assignee and (
                    case.second_reviewer_id == assignee.pk
                    or (second_review and second_review.reviewer_id == assignee.pk)
                ):
                    raise NotAllowed(
                        f"{assignee} is the second reviewer of {case.reference}: the first "
                        "review needs someone else."
                    )
                if first is not None and second_review is not None:
                    raise NotAllowed(
                        f"{case.reference} has both its blind reviews: it can no longer be "
                        "reassigned."
                    )
                case.assigned_to = assignee
        SampledCase.objects.bulk_update(cases, ["second_reviewer" if second else "assigned_to"])
    return cases

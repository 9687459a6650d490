"""Saving a review without losing anyone's work.

A review carries a version. A save names the version the person opened and
moves it on only if nobody else moved it first; otherwise it is refused with
what the other person changed, and nothing is written.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from inspect_app.accounts import audit
from inspect_app.inspections import decisions
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase
from inspect_app.inspections.workflow.refusals import (
    CaseGone,
    NotAllowed,
    ReviewConflict,
    WorkflowError,
    lock_open_inspection,
)
from inspect_app.inspections.workflow.state import (
    REVIEW_FIELDS,
    CaseState,
    describe_value,
    field_label,
)


def _changes_since(review, version):
    """What changed in ``review`` since ``version``, from its audit trail, and who changed it."""
    history = list(review.history.filter(version__gte=version).order_by("history_date"))
    latest = history[-1] if history else None
    base = next((h for h in history if h.version == version), None)
    changes = []
    if base is not None:
        for name in REVIEW_FIELDS:
            attname = "corrected_offence_group_id" if name == "corrected_offence_group" else name
            before, after = getattr(base, attname), getattr(review, attname)
            if before != after:
                changes.append(
                    (
                        field_label(name),
                        describe_value(name, before),
                        describe_value(name, after),
                    )
                )
    return (
        changes,
        (latest.history_user if latest else None),
        (latest.history_date if latest else None),
    )


def save_review(case, kind, user, values, expected_version):
    """Save ``user``'s review of ``case`` if nobody else has saved it since ``expected_version``.

    ``values`` maps REVIEW_FIELDS to their new values (already checked by the
    form). ``expected_version`` is the version the person opened, 0 for a review
    that did not exist yet. Raises NotAllowed, or ReviewConflict carrying what
    the other person changed; in both cases nothing is written.
    """
    problems = decisions.contradictions(
        case.record_type, {name: values.get(name) for name in decisions.DECISION_FIELDS}
    )
    if problems:
        raise WorkflowError("; ".join(f"{name}: {message}" for name, message in problems))

    with transaction.atomic():
        lock_open_inspection(case.inspection_id)
        try:
            case = SampledCase.objects.select_related("inspection").get(pk=case.pk)
        except SampledCase.DoesNotExist:
            raise CaseGone(case.reference) from None
        state = CaseState.of(case)
        if state.kind_for(user) != kind:
            raise NotAllowed("You cannot make this review of this case.")
        if kind == ReviewKind.SECOND and state.first and state.first.reviewer_id == user.pk:
            raise NotAllowed("The second review must be made by a different inspector.")
        if kind == ReviewKind.FIRST and state.second and state.second.reviewer_id == user.pk:
            raise NotAllowed(
                "You made the second review of this case: someone else makes the first."
            )

        review = state.review(kind)
        if review is None:
            if expected_version != 0:
                raise WorkflowError("This review no longer exists; reload the case.")
            review = CaseReview(case=case, kind=kind, reviewer=user, version=1)
            _apply(review, values)
            review.full_clean(validate_unique=False, validate_constraints=False)
            try:
                with transaction.atomic():
                    review.save()
            except IntegrityError:
                # Someone created this review between our read and our write.
                current = CaseReview.objects.get(case=case, kind=kind)
                changes, who, when = _changes_since(current, 0)
                raise ReviewConflict(current, changes, who, when) from None
            audit.record_alteration(case, review, user)
            return review

        # The compare-and-swap: only one save can move the version on from N.
        claimed = CaseReview.objects.filter(pk=review.pk, version=expected_version).update(
            version=expected_version + 1
        )
        if not claimed:
            current = CaseReview.objects.get(pk=review.pk)
            changes, who, when = _changes_since(current, expected_version)
            raise ReviewConflict(current, changes, who, when)
        review.version = expected_version + 1
        # The person the case is now assigned to takes the review over; a lead
        # correcting someone's review leaves it theirs (the audit trail says who).
        if state.side_of(user) == kind:
            review.reviewer = user
        _apply(review, values)
        review.full_clean(validate_unique=False, validate_constraints=False)
        # A full save (not update()) so the audit trail and the figures'
        # recompute receivers see it.
        review.save()
        audit.record_alteration(case, review, user)
        return review


def _apply(review, values):
    for name in REVIEW_FIELDS:
        if name in values:
            setattr(review, name, values[name])

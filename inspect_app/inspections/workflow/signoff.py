"""What stands between an inspection and its sign-off; signing off and reopening.

The three conditions of outstanding work are stated once, in
``outstanding_cases``: the sign-off refuses on them and the sign-off section
of the pages (``worklist.sign_off_blockers``) lists them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inspect_app.accounts import access, audit
from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import (
    Inspection,
    InspectionStatus,
    SampledCase,
    SignOffAction,
    SignOffEvent,
)
from inspect_app.inspections.workflow.queues import (
    awaiting_adjudication,
    complete_first_review,
    second_reviews_not_made,
)
from inspect_app.inspections.workflow.refusals import (
    NotAllowed,
    WorkflowError,
    lock_open_inspection,
)

#: The kinds of work that stand between an inspection and its sign-off, as the refusal names
#: them; the keys are ``outstanding_cases``'s.
OUTSTANDING = {
    "first": "cases without a complete first review",
    "second": "second reviews not yet made",
    "adjudication": "disagreements awaiting adjudication",
}


def outstanding_cases(inspection, cases=None) -> dict[str, QuerySet]:
    """The cases behind each kind of work left before sign-off (``OUTSTANDING``'s keys), of
    ``inspection`` or of ``cases`` (its cases, narrowed).

    Every second review of the sample not yet made counts, even where the
    first review is not done (so the case is not yet in "Awaiting second review").
    """
    cases = SampledCase.objects.filter(inspection=inspection) if cases is None else cases
    return {
        "first": cases.exclude(complete_first_review()),
        "second": second_reviews_not_made(inspection, cases),
        "adjudication": awaiting_adjudication(inspection, cases),
    }


def outstanding_work(inspection) -> dict[str, int]:
    """What still stands between an inspection and its sign-off: {label: count}, empty when
    nothing does."""
    counts = {
        OUTSTANDING[name]: cases.count() for name, cases in outstanding_cases(inspection).items()
    }
    return {label: count for label, count in counts.items() if count}


def sign_off(inspection, user, *, request=None):
    """Close the inspection's reviews: they are read-only until a lead inspector reopens them.

    Recorded in the inspection's sign-off record and in the audit log (with the
    address of ``request`` where a page asked), whichever way it was asked for.
    """
    if not access.may_lead(user):
        raise NotAllowed("Only a lead inspector signs off an inspection.")
    with transaction.atomic():
        locked = lock_open_inspection(inspection.pk)
        outstanding = outstanding_work(locked)
        if outstanding:
            raise WorkflowError(
                "The inspection cannot be signed off yet: "
                + "; ".join(f"{count} {label}" for label, count in outstanding.items())
                + "."
            )
        now = timezone.now()
        locked.status = InspectionStatus.SIGNED_OFF
        locked.signed_off_by, locked.signed_off_at = user, now
        locked.save(update_fields=["status", "signed_off_by", "signed_off_at"])
        SignOffEvent.objects.create(
            inspection=locked, action=SignOffAction.SIGNED_OFF, by=user, at=now
        )
        _record(AuditAction.SIGN_OFF, locked, user, request)
    return locked


def reopen(inspection, user, *, request=None):
    """Reopen a signed-off (or published) inspection so its reviews can be changed again;
    recorded as a sign-off is. A published version stays as it was published."""
    if not access.may_lead(user):
        raise NotAllowed("Only a lead inspector reopens an inspection.")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.status not in (InspectionStatus.SIGNED_OFF, InspectionStatus.PUBLISHED):
            raise WorkflowError(
                f"Only a signed-off or published inspection can be reopened; this one is "
                f"{locked.get_status_display().lower()}."
            )
        now = timezone.now()
        locked.status = InspectionStatus.REVIEW
        locked.signed_off_by = locked.signed_off_at = None
        locked.reopened_by, locked.reopened_at = user, now
        locked.save(
            update_fields=["status", "signed_off_by", "signed_off_at", "reopened_by", "reopened_at"]
        )
        SignOffEvent.objects.create(
            inspection=locked, action=SignOffAction.REOPENED, by=user, at=now
        )
        _record(AuditAction.REOPEN, locked, user, request)
    return locked


def _record(action, inspection, user, request):
    # In the transaction of the change itself: the log never says it happened when it did not.
    audit.record(action, actor=user, request=request, target=f"inspection {inspection.slug}")

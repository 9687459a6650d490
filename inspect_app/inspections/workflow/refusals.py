"""What the review workflow refuses, and the inspection lock every change to casework takes.

Each refusal's message is fit to show the person who asked. Nothing has been
written when one is raised: every change happens in one transaction, under
the inspection's row lock, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspect_app.accounts.models import User
from inspect_app.inspections.models import CaseReview, Inspection


class WorkflowError(Exception):
    """A change the workflow refuses; the message is fit to show the person who asked."""


class NotAllowed(WorkflowError):
    """The person may see the case but may not make this change to it."""


class CaseGone(WorkflowError):
    """The case was removed (its sample batch withdrawn) while the person worked on it."""

    def __init__(self, reference):
        super().__init__(
            f"Case {reference} is no longer in the inspection: its sample batch was withdrawn "
            "while you worked on it. Your review was not saved."
        )


@dataclass
class ReviewConflict(WorkflowError):
    """Someone else saved the review after this person opened it: nothing was overwritten."""

    current: CaseReview
    #: (field label, value they started from, value saved by the other person)
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    changed_by: User | None = None
    changed_at: object = None

    def __str__(self):
        who = (
            self.changed_by.get_full_name() or self.changed_by.username if self.changed_by else None
        )
        return (
            f"{who or 'Someone else'} saved this review while you were editing it. "
            "Your changes have not been saved."
        )


def lock_open_inspection(inspection_id):
    """Lock the inspection row so a sign-off and a change to its casework cannot interleave;
    refuse if its reviews are closed. Call inside the transaction the change is made in:
    the lock is held until it ends."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection_id)
    if not inspection.is_open_for_review:
        raise NotAllowed(
            f"This inspection is {inspection.get_status_display().lower()}: its reviews are "
            "read-only until a lead inspector reopens it."
        )
    return inspection

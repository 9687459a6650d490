"""Where one case stands: its reviews, whether it is blind, and which review a person may write.

Also how a review's fields are named and read out, which the case page, the
conflict message and the agreement table share.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspect_app.accounts import access
from inspect_app.inspections import decisions
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase
from inspect_app.inspections.workflow.sample import in_double_review_sample

#: What a reviewer changes in a review: the decisions, the corrected offence group, the notes.
REVIEW_FIELDS = (*decisions.DECISION_FIELDS, "corrected_offence_group", "notes")
#: The fields two blind reviews are compared on to decide whether they disagree.
COMPARED_FIELDS = (*decisions.DECISION_FIELDS, "corrected_offence_group_id")


#: Short names of the decisions, as the agreement table and the conflict message show them.
SHORT_NAMES = {
    "should_record": "Should record",
    "was_recorded": "Recorded",
    "correctly_classified": "Classification",
    "on_time": "Timeliness",
    "cancellation_correct": "No-crime correct",
    "victim_informed": "Victim informed",
    "disposal_appropriate": "Disposal appropriate",
}


def field_label(name):
    if name in decisions.QUESTIONS:
        return decisions.QUESTIONS[name]
    return {"corrected_offence_group": "Corrected offence group", "notes": "Notes"}.get(name, name)


def describe_value(name, value):
    """A stored review value as a person reads it."""
    if name in decisions.QUESTIONS:
        return {True: "Yes", False: "No", None: "Not answered"}[value]
    if name in ("corrected_offence_group", "corrected_offence_group_id"):
        if value is None:
            return "Not corrected"
        from forces.models import OffenceGroup

        group = value if isinstance(value, OffenceGroup) else OffenceGroup.objects.get(pk=value)
        return group.name
    return value or "(none)"


@dataclass
class CaseState:
    """A case's reviews and where its double review stands."""

    case: SampledCase
    first: CaseReview | None
    second: CaseReview | None
    adjudicated: CaseReview | None
    in_sample: bool

    @classmethod
    def of(cls, case):
        reviews = {
            review.kind: review
            for review in CaseReview.objects.filter(case=case).select_related(
                "reviewer", "corrected_offence_group"
            )
        }
        return cls(
            case=case,
            first=reviews.get(ReviewKind.FIRST),
            second=reviews.get(ReviewKind.SECOND),
            adjudicated=reviews.get(ReviewKind.ADJUDICATED),
            in_sample=in_double_review_sample(case),
        )

    @property
    def pair_complete(self) -> bool:
        """Both blind reviews are in: they are then closed, and compared."""
        return self.first is not None and self.second is not None

    @property
    def disagreements(self) -> list[str]:
        if not self.pair_complete:
            return []
        return [
            name
            for name in COMPARED_FIELDS
            if getattr(self.first, name) != getattr(self.second, name)
        ]

    @property
    def needs_adjudication(self) -> bool:
        return bool(self.disagreements)

    def review(self, kind):
        return {
            ReviewKind.FIRST: self.first,
            ReviewKind.SECOND: self.second,
            ReviewKind.ADJUDICATED: self.adjudicated,
        }[kind]

    @property
    def is_blind(self) -> bool:
        return self.in_sample or self.second is not None

    def side_of(self, user) -> str | None:
        """Which of the two blind reviews ``user`` makes (or made), if either."""
        if user.pk in {self.case.assigned_to_id, self.first and self.first.reviewer_id}:
            return ReviewKind.FIRST
        if user.pk in {self.case.second_reviewer_id, self.second and self.second.reviewer_id}:
            return ReviewKind.SECOND
        return None

    def is_blind_reviewer(self, user) -> bool:
        """Whether ``user`` is (or is down to be) one of the two blind reviewers of this case."""
        return self.is_blind and self.side_of(user) is not None

    def may_see(self, user, review) -> bool:
        """Whether ``user`` may see this review's answers (``access.may_see_review``)."""
        return access.may_see_review(user, self, review)

    def kind_for(self, user) -> str | None:
        """Which review ``user`` may write on this case now, if any."""
        if not self.case.inspection.is_open_for_review or not access.may_review(user):
            return None
        if self.pair_complete:
            # The adjudicator is a third person: neither of the two reviewers.
            if self.needs_adjudication and access.may_adjudicate(user, self):
                return ReviewKind.ADJUDICATED
            return None
        second_reviewer = self.second.reviewer_id if self.second else self.case.second_reviewer_id
        if second_reviewer == user.pk:
            return ReviewKind.SECOND
        if self.first is None:
            return ReviewKind.FIRST if self.case.assigned_to_id == user.pk else None
        if self.case.assigned_to_id == user.pk or self.first.reviewer_id == user.pk:
            return ReviewKind.FIRST
        # A lead may correct a first review, unless that would let a blind
        # reviewer see the other's answers.
        if access.may_lead(user) and not self.is_blind_reviewer(user):
            return ReviewKind.FIRST
        return None

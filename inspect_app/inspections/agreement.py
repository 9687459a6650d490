"""Agreement between the two blind reviews of the double-review sample.

For each decision, the pairs are the cases where both reviewers answered it
(so "recorded" is compared only where both found that a crime should have
been recorded). The statistics are ``core.stats.agreement``: percentage
agreement, Cohen's kappa and Gwet's AC1.

Two queries however many cases: the reviews of the pairs, and the reviewers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from inspect_app.accounts.models import User
from inspect_app.inspections import decisions
from inspect_app.inspections.workflow.queues import case_pairs
from inspect_app.inspections.workflow.state import SHORT_NAMES

if TYPE_CHECKING:
    from inspect_app.core import stats


@dataclass(frozen=True)
class DecisionAgreement:
    """Agreement on one decision."""

    field: str
    label: str
    result: stats.Agreement

    @property
    def percent(self):
        return None if self.result.observed is None else self.result.observed * 100


@dataclass(frozen=True)
class ReviewerAgreement:
    """Agreement on the pairs one inspector was part of, either side."""

    reviewer: User
    cases: int
    decisions: list[DecisionAgreement]

    @property
    def caption(self):
        name = self.reviewer.get_full_name() or self.reviewer.username
        return f"{name}: {self.cases} case{'s' if self.cases != 1 else ''} reviewed twice"


@dataclass(frozen=True)
class InspectionAgreement:
    cases: int
    decisions: list[DecisionAgreement]
    reviewers: list[ReviewerAgreement]


def per_decision(pairs) -> list[DecisionAgreement]:
    """Agreement per decision over ``pairs`` (a list of (first, second) value dicts)."""
    # Imported here: the statistics bring numpy and scipy, which every process that loads
    # the review workflow would otherwise load at start-up.
    from inspect_app.core import stats

    results = []
    for name in decisions.DECISION_FIELDS:
        answered = [
            (first[name], second[name])
            for first, second in pairs
            if first[name] is not None and second[name] is not None
        ]
        results.append(DecisionAgreement(name, SHORT_NAMES[name], stats.agreement(answered)))
    return results


def inspection_agreement(inspection) -> InspectionAgreement:
    pairs = list(case_pairs(inspection).values())
    by_reviewer = {}
    for first, second in pairs:
        for reviewer_id in {first["reviewer_id"], second["reviewer_id"]}:
            by_reviewer.setdefault(reviewer_id, []).append((first, second))
    people = User.objects.in_bulk(list(by_reviewer))
    reviewers = sorted(
        (
            ReviewerAgreement(people[pk], len(own), per_decision(own))
            for pk, own in by_reviewer.items()
        ),
        key=lambda row: (row.reviewer.get_full_name() or row.reviewer.username).lower(),
    )
    return InspectionAgreement(cases=len(pairs), decisions=per_decision(pairs), reviewers=reviewers)

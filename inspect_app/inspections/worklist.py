"""What waits for whom: the review team's work across the open inspections.

The home pages and the sign-off section read this module. It asks the
workflow's own queues (``workflow.queues``) and sign-off conditions
(``workflow.signoff.outstanding_cases``), so "what is waiting for me" means the
same on the home page as in the workspace, and "what stops the sign-off" is the
same list the sign-off itself checks, with the people who can clear each item
named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from inspect_app.accounts import access
from inspect_app.accounts.models import User
from inspect_app.inspections.models import CaseReview, Inspection, ReviewKind, SampledCase
from inspect_app.inspections.workflow.queues import (
    complete_first_review,
    first_review_waiting_for,
    no_review_of_kind,
    queue_cases,
    second_review_waiting_for,
)
from inspect_app.inspections.workflow.signoff import outstanding_cases


def person(user) -> str:
    return (user.get_full_name() or user.username) if user else "nobody"


def open_inspections(user):
    """The inspections still under review that ``user`` may see, programme by programme."""
    return (
        Inspection.objects.visible_to(user)
        .filter(status__in=Inspection.OPEN_FOR_REVIEW)
        .select_related("force", "programme")
        .order_by("programme__name", "force__name")
    )


# --- an inspector's own work ----------------------------------------------------------------


@dataclass
class InspectionWork:
    """One inspection's reviews waiting for one person."""

    inspection: Inspection
    first_reviews: int
    second_reviews: int
    next_case: SampledCase | None = None

    @property
    def total(self) -> int:
        return self.first_reviews + self.second_reviews


def my_work(user) -> list[InspectionWork]:
    """The reviews waiting for ``user`` in each open inspection, with the next case to open.

    "Waiting" is the workspace's "Assigned to me" queue: first reviews assigned
    to them not yet made, and blind second reviews they took not yet made.
    One aggregate query, then one query per inspection with work for its next case.
    """
    if not access.may_review(user):
        return []
    open_ids = open_inspections(user).values("pk")
    mine_first = first_review_waiting_for(user)
    mine_second = second_review_waiting_for(user)
    counts = {
        row["inspection"]: row
        for row in SampledCase.objects.visible_to(user)
        .filter(inspection__in=open_ids)
        .filter(Q(assigned_to=user) | Q(second_reviewer=user))
        .values("inspection")
        .annotate(
            first=Count("pk", filter=mine_first),
            second=Count("pk", filter=mine_second),
        )
        .order_by()
    }
    work = []
    for inspection in open_inspections(user).filter(pk__in=counts.keys()):
        row = counts[inspection.pk]
        item = InspectionWork(inspection, row["first"], row["second"])
        if item.total:
            cases = SampledCase.objects.visible_to(user).filter(inspection=inspection)
            item.next_case = (
                queue_cases("mine", inspection, user, cases).order_by("reference", "pk").first()
            )
            work.append(item)
    return work


# --- what stands between an inspection and its sign-off --------------------------------------


@dataclass
class Blocker:
    """One kind of work left before sign-off: how much, who holds it, who can clear it."""

    label: str
    count: int
    #: (who, how many) — the people holding this work now; "not taken" for nobody
    held_by: list[tuple[str, int]] = field(default_factory=list)
    who_can_clear: str = ""
    queue: str = "all"


def _held_by(cases, holder_field):
    rows = (
        cases.values(holder_field)
        .annotate(count=Count("pk"))
        .order_by(holder_field)
        .values_list(holder_field, "count")
    )
    rows = list(rows)
    people = {user.pk: user for user in User.objects.filter(pk__in=[pk for pk, _ in rows if pk])}
    held = [(person(people[pk]), count) for pk, count in rows if pk]
    held.sort()
    held += [("not taken", count) for pk, count in rows if not pk]
    return held


def adjudicators_for(inspection, case_ids) -> list[User]:
    """The active lead inspectors who made neither blind review of any of ``case_ids``."""
    reviewers = set(
        CaseReview.objects.filter(case__in=case_ids)
        .exclude(kind=ReviewKind.ADJUDICATED)
        .values_list("reviewer_id", flat=True)
    )
    return list(
        User.objects.filter(access.leads_q())
        .exclude(pk__in=reviewers)
        .order_by("first_name", "last_name", "username")
    )


def sign_off_blockers(inspection) -> list[Blocker]:
    """Every kind of work left before ``inspection`` can be signed off; empty when none is.

    The same three conditions ``workflow.signoff.sign_off`` refuses on
    (``outstanding_cases``), each with the people who hold the work and the
    people who can do it.
    """
    outstanding = outstanding_cases(inspection)
    blockers = []

    no_first = outstanding["first"]
    count = no_first.count()
    if count:
        blockers.append(
            Blocker(
                label=f"case{'s' if count != 1 else ''} without a complete first review",
                count=count,
                held_by=_held_by(no_first, "assigned_to"),
                who_can_clear="each case's first reviewer; a lead inspector assigns the ones "
                "not taken, or an inspector takes them",
                queue="all",
            )
        )

    no_second = outstanding["second"]
    count = no_second.count()
    if count:
        blockers.append(
            Blocker(
                label=f"blind second review{'s' if count != 1 else ''} not yet made",
                count=count,
                held_by=_held_by(no_second, "second_reviewer"),
                who_can_clear="an inspector or lead inspector other than the case’s first "
                "reviewer, once its first review is complete",
                queue="second",
            )
        )

    waiting = list(outstanding["adjudication"].values_list("pk", flat=True))
    if waiting:
        leads = adjudicators_for(inspection, waiting)
        who = (
            "a lead inspector who made neither review: " + ", ".join(person(lead) for lead in leads)
            if leads
            else "a lead inspector who made neither review; every lead inspector made one "
            "of them, so an admin must add another lead inspector"
        )
        blockers.append(
            Blocker(
                label=f"disagreement{'s' if len(waiting) != 1 else ''} awaiting adjudication",
                count=len(waiting),
                who_can_clear=who,
                queue="adjudication",
            )
        )
    return blockers


# --- a lead's and an admin's overview --------------------------------------------------------


@dataclass
class InspectionOverview:
    """An open inspection as a lead inspector or admin follows it."""

    inspection: Inspection
    on_team: bool
    total: int
    reviewed: int
    unassigned: int
    blockers: list[Blocker]

    @property
    def ready_to_sign_off(self) -> bool:
        return self.total > 0 and not self.blockers

    def blocker(self, queue):
        return next((b for b in self.blockers if b.queue == queue), None)


def overview(user, blockers=sign_off_blockers) -> list[InspectionOverview]:
    """Every open inspection ``user`` may see, with what needs a lead: the ones on their team
    first. ``blockers`` finds an inspection's sign-off blockers: pages pass the cached
    ``tallies.sign_off_blockers``, which this module cannot import (tallies imports it)."""
    inspections = list(open_inspections(user))
    team = set(
        Inspection.inspectors.through.objects.filter(
            user_id=user.pk, inspection_id__in=[i.pk for i in inspections]
        ).values_list("inspection_id", flat=True)
    )
    counts = {
        row["inspection"]: row
        for row in SampledCase.objects.filter(inspection__in=inspections)
        .values("inspection")
        .annotate(
            total=Count("pk"),
            reviewed=Count("pk", filter=Q(complete_first_review())),
            unassigned=Count(
                "pk", filter=Q(assigned_to__isnull=True) & Q(no_review_of_kind(ReviewKind.FIRST))
            ),
        )
        .order_by()
    }
    rows = []
    for inspection in inspections:
        row = counts.get(inspection.pk, {})
        rows.append(
            InspectionOverview(
                inspection=inspection,
                on_team=inspection.pk in team,
                total=row.get("total", 0),
                reviewed=row.get("reviewed", 0),
                unassigned=row.get("unassigned", 0),
                blockers=blockers(inspection) if row.get("total") else [],
            )
        )
    rows.sort(key=lambda item: not item.on_team)
    return rows


# --- why someone has no review to make on a case ---------------------------------------------


def why_no_review(state, user) -> str:
    """Why ``user`` has no review form on this case, and who can act: never a bare dead end.

    Called only when ``state.kind_for(user)`` is None.
    """
    case, inspection = state.case, state.case.inspection
    if not inspection.is_open_for_review:
        return (
            f"This inspection is {inspection.get_status_display().lower()}: its reviews are "
            "read-only until a lead inspector reopens it."
        )
    if not access.may_review(user):
        return "Admins read reviews but do not make them: inspectors and lead inspectors do."
    if state.pair_complete:
        if not state.needs_adjudication:
            return "Both blind reviews are in and they agree: the first review counts."
        leads = adjudicators_for(inspection, [case.pk])
        who = (
            ", ".join(person(lead) for lead in leads)
            if leads
            else "nobody yet: every lead inspector made one of its reviews, so an admin must "
            "add another lead inspector"
        )
        side = state.side_of(user)
        if side is not None and access.may_lead(user):
            made = "first" if side == "first" else "second"
            return (
                f"The two blind reviews disagree. You made the {made} review, so you cannot "
                f"adjudicate this case. A lead inspector who made neither review can: {who}."
            )
        return f"The two blind reviews disagree. A lead inspector adjudicates: {who}."
    if state.first is None:
        if case.assigned_to_id and case.assigned_to_id != user.pk:
            return f"This case is assigned to {person(case.assigned_to)} for its first review."
        if case.second_reviewer_id == user.pk:
            return "You are this case's blind second reviewer: someone else makes its first review."
        return "Nobody has taken this case's first review yet."
    if state.is_blind_reviewer(user):
        return "You are one of this case's two blind reviewers: you see only your own review."
    return (
        f"Its first review was made by {person(state.first.reviewer)}; only they, or a lead "
        "inspector, can change it."
    )

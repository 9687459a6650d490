"""The work queues of an inspection, the conditions on a case they are made of, and a case's
neighbours in a queue.

Each condition is stated once here, for the database; the counts on the
review pages (``tallies``), the home pages (``worklist``) and the sign-off
(``signoff``) are built from them.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
)
from django.db.models.lookups import Lookup

from inspect_app.accounts import access
from inspect_app.inspections import decisions
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase
from inspect_app.inspections.workflow.sample import double_review_sample
from inspect_app.inspections.workflow.state import COMPARED_FIELDS

QUEUES = {
    "mine": "Assigned to me",
    "unassigned": "Unassigned",
    "second": "Awaiting second review",
    "adjudication": "Awaiting adjudication",
    "all": "All cases",
}
DEFAULT_QUEUE = "mine"


def no_review_of_kind(kind, **extra):
    """The condition on a case for having no review of ``kind`` (matching ``extra``)."""
    return ~Exists(CaseReview.objects.filter(case=OuterRef("pk"), kind=kind, **extra))


def first_review_waiting_for(user) -> Q:
    """The condition on a case for its first review waiting for ``user``: assigned to them,
    not yet made."""
    return Q(assigned_to=user) & no_review_of_kind(ReviewKind.FIRST)


def second_review_waiting_for(user) -> Q:
    """The condition on a case for its blind second review waiting for ``user``: they took
    it, and have not made it yet."""
    return Q(second_reviewer=user) & no_review_of_kind(ReviewKind.SECOND)


def case_pairs(inspection):
    """The blind review pairs of an inspection: {case id: (first values, second values)}.

    Each side is a dict of reviewer_id and COMPARED_FIELDS. One query, however
    many cases, reading only the reviews of cases that have both.
    """
    sides = {}
    for row in (
        CaseReview.objects.filter(
            case__inspection=inspection, kind__in=(ReviewKind.FIRST, ReviewKind.SECOND)
        )
        .filter(Exists(CaseReview.objects.filter(case=OuterRef("case"), kind=ReviewKind.SECOND)))
        .values("case_id", "kind", "reviewer_id", *COMPARED_FIELDS)
        .order_by()  # not the model's order: it sorts every review through four tables
    ):
        sides.setdefault(row["case_id"], {})[row["kind"]] = row
    # Plain strings: looking a row up by the enum member costs a Python call per row.
    first, second = ReviewKind.FIRST.value, ReviewKind.SECOND.value
    return {
        case_id: (both[first], both[second]) for case_id, both in sides.items() if len(both) == 2
    }


class IsDistinctFrom(Lookup):
    """``a IS DISTINCT FROM b``: unequal, counting two blanks as equal (as Python's != does)."""

    lookup_name = "distinct_from"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]


def pair_differs(first="", second=""):
    """The condition for two reviews differing on any compared field: ``first`` and
    ``second`` prefix the two reviews' fields (``OuterRef`` stands for a field of the
    outer review where ``first`` is None)."""
    differs = Q()
    for name in COMPARED_FIELDS:
        one = OuterRef(name) if first is None else F(f"{first}{name}")
        differs |= Q(IsDistinctFrom(one, F(f"{second}{name}")))
    return differs


def disagreeing_pair():
    """The condition on a case for both blind reviews being in and differing (what
    ``CaseState.needs_adjudication`` says of one case)."""
    second = CaseReview.objects.filter(case=OuterRef("case"), kind=ReviewKind.SECOND).filter(
        pair_differs(first=None)
    )
    return Exists(
        CaseReview.objects.filter(case=OuterRef("pk"), kind=ReviewKind.FIRST).filter(Exists(second))
    )


def complete_first_review():
    """The condition on a case for its first review being complete: the progress rule."""
    return Exists(
        CaseReview.objects.filter(
            decisions.complete_q(), case=OuterRef("pk"), kind=ReviewKind.FIRST
        )
    )


def with_first_reviewed(cases):
    """``cases`` each carrying ``first_reviewed``: whether its first review is complete.

    Through a join on the case's first review rather than ``complete_first_review()``:
    for a page of 50 cases the database then looks up 50 reviews, where the
    subquery would have it hash the first review of every case first.
    """
    return cases.annotate(
        first_review=FilteredRelation("reviews", condition=Q(reviews__kind=ReviewKind.FIRST))
    ).annotate(
        first_reviewed=ExpressionWrapper(
            Q(first_review__isnull=False) & decisions.complete_q("first_review__"),
            output_field=BooleanField(),
        )
    )


def disagreeing_case_ids(inspection) -> set[int]:
    return set(
        SampledCase.objects.filter(inspection=inspection)
        .filter(disagreeing_pair())
        .values_list("pk", flat=True)
    )


def awaiting_second_review(inspection, cases=None):
    """Cases ready for their blind second review: in the sample, their first review complete,
    no second review yet. (What sign-off waits for is ``second_reviews_not_made``.)"""
    return (
        double_review_sample(inspection, cases)
        .filter(complete_first_review())
        .filter(no_review_of_kind(ReviewKind.SECOND))
    )


def second_reviews_not_made(inspection, cases=None):
    """Every case of the sample still without its second review, whether or not its first
    review is done: all of them stand between the inspection and its sign-off."""
    return double_review_sample(inspection, cases).filter(no_review_of_kind(ReviewKind.SECOND))


def awaiting_adjudication(inspection, cases=None):
    cases = SampledCase.objects.filter(inspection=inspection) if cases is None else cases
    return cases.filter(disagreeing_pair()).filter(no_review_of_kind(ReviewKind.ADJUDICATED))


def queue_cases(name, inspection, user, cases):
    """The cases of one work queue, narrowed from ``cases`` (already scoped to ``user``).

    mine: work waiting for ``user`` (first reviews assigned to them not yet
    made, second reviews they took not yet made); unassigned: cases nobody has
    taken and nobody has reviewed; second: cases of the double-review sample
    whose first review is complete and whose second review is not made, that
    an inspector could take (all of them, taken or not, for a lead or admin);
    adjudication: disagreeing pairs without an adjudicated review (leads and
    admins only); all: every case.
    """
    if name == "mine":
        return cases.filter(first_review_waiting_for(user) | second_review_waiting_for(user))
    if name == "unassigned":
        return cases.filter(assigned_to__isnull=True).filter(no_review_of_kind(ReviewKind.FIRST))
    if name == "second":
        waiting = awaiting_second_review(inspection, cases)
        if access.oversees_casework(user):
            return waiting  # they manage the sample, taken or not
        return (
            waiting.filter(second_reviewer__isnull=True)
            .exclude(assigned_to=user)
            .exclude(Exists(CaseReview.objects.filter(case=OuterRef("pk"), reviewer=user)))
        )
    if name == "adjudication":
        if not access.oversees_casework(user):
            return cases.none()
        return awaiting_adjudication(inspection, cases)
    return cases


def neighbours(queue, case):
    """The cases before and after ``case`` in ``queue`` (ordered by reference), or None.

    ``case`` need not be in the queue any more (saving it may have taken it
    out): its neighbours are then the cases that would sit either side of it.
    """
    ordered = queue.order_by("reference", "pk")
    reference = case.reference
    # The bare range on the reference first: it lets the (inspection, reference)
    # index start at the case instead of walking from either end of the inspection.
    following = (
        ordered.filter(reference__gte=reference)
        .filter(Q(reference__gt=reference) | Q(pk__gt=case.pk))
        .first()
    )
    preceding = (
        ordered.filter(reference__lte=reference)
        .filter(Q(reference__lt=reference) | Q(pk__lt=case.pk))
        .order_by("-reference", "-pk")
        .first()
    )
    return preceding, following

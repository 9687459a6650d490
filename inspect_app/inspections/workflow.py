"""The review workflow: who reviews which case, saving reviews safely, blind double review,
adjudication and sign-off.

Views stay thin: they find objects through ``visible_to`` and call these
functions, which check the workflow's own rules (is the inspection open, is
this person the case's reviewer, has someone else saved first) and either do
the whole change or none of it.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import (
    BinaryField,
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    Value,
)
from django.db.models.lookups import LessThan, Lookup
from django.utils import timezone

from inspect_app.accounts import access
from inspect_app.accounts.models import User
from inspect_app.inspections import decisions
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    InspectionStatus,
    ReviewKind,
    SampledCase,
    SignOffAction,
    SignOffEvent,
    casework_changed,
)

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

QUEUES = {
    "mine": "Assigned to me",
    "unassigned": "Unassigned",
    "second": "Awaiting second review",
    "adjudication": "Awaiting adjudication",
    "all": "All cases",
}
DEFAULT_QUEUE = "mine"


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


# --- the case team --------------------------------------------------------------------------


def reviewers_of(inspection):
    """Who may be given cases of this inspection: its assigned inspectors and every lead."""
    return (
        User.objects.filter(access.case_reviewers_q(inspection))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- the blind double-review sample ---------------------------------------------------------


#: The database function giving a case's draw key (created by migration 0006 on PostgreSQL,
#: where an index on it finds the sample without hashing every case; registered on each
#: SQLite connection by ``register_draw_function``).
DRAW_FUNCTION = "inspections_review_draw"


def draw_key(inspection_id, reference) -> bytes:
    """The eight bytes a case's draw is read from; as bytes they sort in the draw's order."""
    return hashlib.sha256(f"{inspection_id}:{reference}".encode()).digest()[:8]


def double_review_draw(inspection_id, reference) -> float:
    """A number in [0, 1) fixed by the inspection and the case reference.

    A case is in the double-review sample when its draw is below the
    inspection's share. Nothing random is stored: the same case always gets
    the same draw, and raising the share only ever adds cases.
    """
    return int.from_bytes(draw_key(inspection_id, reference), "big") / 2**64


def in_double_review_sample(case, fraction=None) -> bool:
    share = case.inspection.double_review_fraction if fraction is None else fraction
    return double_review_draw(case.inspection_id, case.reference) < float(share)


@functools.lru_cache(maxsize=256)
def _first_key_outside(share: float) -> int:
    """The smallest key (as a number) whose draw is not below ``share``: the sample is
    exactly the keys below it. Found by bisection on the very division
    ``double_review_draw`` makes, so the database's comparison of keys and Python's
    comparison of draws never disagree, even where a draw rounds."""
    low, high = 0, 2**64
    while low < high:
        middle = (low + high) // 2
        if middle / 2**64 >= share:
            high = middle
        else:
            low = middle + 1
    return low


class DrawKey(Func):
    """A case's ``draw_key``, computed by the database from its inspection and reference."""

    function = DRAW_FUNCTION
    output_field = BinaryField()

    def __init__(self, inspection="inspection_id", reference="reference"):
        super().__init__(F(inspection), F(reference))


def sample_q(fraction) -> Q:
    """The condition on a case for being in the double-review sample at ``fraction``: the same
    rule as ``in_double_review_sample``, for the database."""
    limit = _first_key_outside(float(fraction))
    if limit == 0:
        return Q(pk__in=[])
    if limit >= 2**64:
        return Q()
    return Q(LessThan(DrawKey(), Value(limit.to_bytes(8, "big"), output_field=BinaryField())))


def double_review_sample(inspection, cases=None):
    """The inspection's cases (or those of ``cases``) in its double-review sample."""
    cases = SampledCase.objects.filter(inspection=inspection) if cases is None else cases
    return cases.filter(sample_q(inspection.double_review_fraction))


def double_review_case_ids(inspection) -> set[int]:
    """The ids of the inspection's cases in the double-review sample (one query)."""
    return set(double_review_sample(inspection).values_list("pk", flat=True))


def register_draw_function(sender, connection, **kwargs):
    """connection_created receiver: SQLite has no SHA-256, so it is given the draw function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(DRAW_FUNCTION, 2, draw_key, deterministic=True)


# --- where a case stands --------------------------------------------------------------------


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


# --- saving a review without losing anyone's work ------------------------------------------


def _open_inspection_for_update(inspection_id):
    """Lock the inspection row so a sign-off and a save cannot interleave; refuse if closed."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection_id)
    if not inspection.is_open_for_review:
        raise NotAllowed(
            f"This inspection is {inspection.get_status_display().lower()}: its reviews are "
            "read-only until a lead inspector reopens it."
        )
    return inspection


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
        _open_inspection_for_update(case.inspection_id)
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
        return review


def _apply(review, values):
    for name in REVIEW_FIELDS:
        if name in values:
            setattr(review, name, values[name])


# --- assignment and claiming ----------------------------------------------------------------


def _no_review_of_kind(kind, **extra):
    return ~Exists(CaseReview.objects.filter(case=OuterRef("pk"), kind=kind, **extra))


def claim_next_case(inspection, user):
    """Give ``user`` the next unassigned, unreviewed case, or None if there is none.

    The claim is a conditional UPDATE (only while still unassigned), so two
    inspectors claiming at once never get the same case: the loser's update
    matches no row and it moves on to the next candidate.
    """
    if not access.may_review(user):
        raise NotAllowed("Only inspectors take cases.")
    with transaction.atomic():
        _open_inspection_for_update(inspection.pk)
    claimable = (
        SampledCase.objects.filter(inspection=inspection, assigned_to__isnull=True)
        .exclude(second_reviewer=user)
        .filter(_no_review_of_kind(ReviewKind.FIRST))
        .exclude(Exists(CaseReview.objects.filter(case=OuterRef("pk"), reviewer=user)))
    )
    # Each lost race means someone else took a case; a few retries find one
    # nobody has, without looping for ever under heavy contention.
    for _ in range(20):
        candidate = _next_candidate(claimable)
        if candidate is None:
            return None
        if _claim(claimable.filter(pk=candidate), inspection.pk, assigned_to=user):
            return SampledCase.objects.get(pk=candidate)
    return None


def _claim(cases, inspection_id, **change):
    """The conditional update that takes a case, with the inspection's work version moved
    in the same transaction (its row locked first, as every casework write does)."""
    with transaction.atomic():
        casework_changed(inspection_id)
        return cases.update(**change)


def _next_candidate(claimable):
    return claimable.order_by("reference", "pk").values_list("pk", flat=True).first()


def claim_second_review(case, user):
    """Make ``user`` the blind second reviewer of ``case``, if nobody has taken it yet."""
    if not access.may_review(user):
        raise NotAllowed("Only inspectors make second reviews.")
    with transaction.atomic():
        inspection = _open_inspection_for_update(case.inspection_id)
    if not in_double_review_sample(case, inspection.double_review_fraction):
        raise NotAllowed("This case is not in the double-review sample.")
    claimed = _claim(
        SampledCase.objects.filter(pk=case.pk, second_reviewer__isnull=True)
        .exclude(assigned_to=user)
        .filter(_no_review_of_kind(ReviewKind.SECOND))
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


def assign_cases(inspection, cases, assignee, *, second=False):
    """Give ``cases`` (all of this inspection) to ``assignee`` (None to unassign).

    All or nothing: if any case cannot be given to this person, nothing is
    assigned and the refusal names the case.
    """
    if assignee is not None and not reviewers_of(inspection).filter(pk=assignee.pk).exists():
        raise NotAllowed(f"{assignee} is not a reviewer of this inspection.")
    with transaction.atomic():
        _open_inspection_for_update(inspection.pk)
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


# --- queues ---------------------------------------------------------------------------------


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
        .filter(_no_review_of_kind(ReviewKind.SECOND))
    )


def second_reviews_not_made(inspection, cases=None):
    """Every case of the sample still without its second review, whether or not its first
    review is done: all of them stand between the inspection and its sign-off."""
    return double_review_sample(inspection, cases).filter(_no_review_of_kind(ReviewKind.SECOND))


def awaiting_adjudication(inspection, cases=None):
    cases = SampledCase.objects.filter(inspection=inspection) if cases is None else cases
    return cases.filter(disagreeing_pair()).filter(_no_review_of_kind(ReviewKind.ADJUDICATED))


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
        return cases.filter(
            (Q(assigned_to=user) & _no_review_of_kind(ReviewKind.FIRST))
            | (Q(second_reviewer=user) & _no_review_of_kind(ReviewKind.SECOND))
        )
    if name == "unassigned":
        return cases.filter(assigned_to__isnull=True).filter(_no_review_of_kind(ReviewKind.FIRST))
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


# --- sign-off -------------------------------------------------------------------------------


def outstanding_from(without_first, second_not_made, adjudication) -> dict[str, int]:
    """The sign-off's list of outstanding work from its three counts (empty when all are 0)."""
    counts = {
        "cases without a complete first review": without_first,
        "second reviews not yet made": second_not_made,
        "disagreements awaiting adjudication": adjudication,
    }
    return {label: count for label, count in counts.items() if count}


def outstanding_work(inspection) -> dict[str, int]:
    """What still stands between an inspection and its sign-off (empty when nothing does).

    Every second review of the sample not yet made counts, even where the
    first review is not done (so the case is not yet in "Awaiting second review").
    """
    return outstanding_from(
        SampledCase.objects.filter(inspection=inspection).exclude(complete_first_review()).count(),
        second_reviews_not_made(inspection).count(),
        awaiting_adjudication(inspection).count(),
    )


def sign_off(inspection, user):
    """Close the inspection's reviews: they are read-only until a lead inspector reopens them."""
    if not access.may_lead(user):
        raise NotAllowed("Only a lead inspector signs off an inspection.")
    with transaction.atomic():
        locked = _open_inspection_for_update(inspection.pk)
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
    return locked


def reopen(inspection, user):
    """Reopen a signed-off inspection so its reviews can be changed again."""
    if not access.may_lead(user):
        raise NotAllowed("Only a lead inspector reopens an inspection.")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.status != InspectionStatus.SIGNED_OFF:
            raise WorkflowError(
                f"Only a signed-off inspection can be reopened; this one is "
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
    return locked

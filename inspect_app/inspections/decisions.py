"""The inspector's decisions and the rules that keep them consistent.

One definition serves the review form, the batch import, model validation and
the database's check constraints, so the four can never disagree about what
counts as a contradiction.

Each decision is yes (True), no (False) or not decided (None).
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q


class RecordType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    OTHER_SYSTEM = "other_system", "Other system"
    NO_CRIME = "no_crime", "No-crime"
    OOCD = "oocd", "Out-of-court disposal"


@dataclass(frozen=True)
class Decision:
    field: str
    question: str
    #: The earlier decision that must be "yes" before this one can be answered.
    requires: str | None = None


CRIME_RECORDING = (
    Decision("should_record", "Should a crime have been recorded?"),
    Decision("was_recorded", "Was the crime recorded?", requires="should_record"),
    Decision("correctly_classified", "Was it correctly classified?", requires="was_recorded"),
    Decision("on_time", "Was it recorded within the time limit?", requires="was_recorded"),
)
NO_CRIME = (
    Decision("cancellation_correct", "Was the cancellation (no-crime) correct?"),
    Decision("victim_informed", "Was the victim told of the decision?"),
)
DISPOSAL = (Decision("disposal_appropriate", "Was the out-of-court disposal appropriate?"),)

DECISIONS_BY_RECORD_TYPE = {
    RecordType.INCIDENT: CRIME_RECORDING,
    RecordType.OTHER_SYSTEM: CRIME_RECORDING,
    RecordType.NO_CRIME: NO_CRIME,
    RecordType.OOCD: DISPOSAL,
}
ALL_DECISIONS = CRIME_RECORDING + NO_CRIME + DISPOSAL
DECISION_FIELDS = tuple(decision.field for decision in ALL_DECISIONS)
QUESTIONS = {decision.field: decision.question for decision in ALL_DECISIONS}

#: Record types whose cases must name an offence group.
NEEDS_OFFENCE_GROUP = (RecordType.NO_CRIME, RecordType.OOCD)


def contradictions(record_type, answers):
    """Every contradiction in ``answers`` (field → True/False/None) as (field, message).

    An empty list means the answers can stand together.
    """
    problems = []
    not_applicable = None
    for field, requires, needs_yes in _RULES:
        if answers.get(field) is None:
            continue
        if not_applicable is None:
            # Worked out once per record type, not per call: the batch import
            # asks this of every row.
            not_applicable = _not_applicable(record_type)
        message = not_applicable.get(field)
        if message is not None:
            problems.append((field, message))
        elif requires and answers.get(requires) is not True:
            problems.append((field, needs_yes))
    return problems


def _not_applicable(record_type):
    """field → "does not apply" message, for the decisions that do not apply to the type."""
    try:
        return _NOT_APPLICABLE[record_type]
    except (KeyError, TypeError):
        pass
    applicable = {d.field for d in DECISIONS_BY_RECORD_TYPE.get(record_type, ())}
    label = RecordType(record_type).label.lower() if record_type in RecordType.values else None
    article = "an" if label and label[0] in "aeiou" else "a"
    message = (
        f"does not apply to {article} {label} record"
        if label
        else "does not apply to a record of unknown type"
    )
    found = {d.field: message for d in ALL_DECISIONS if d.field not in applicable}
    if record_type in RecordType.values:
        _NOT_APPLICABLE[str(record_type)] = found
    return found


_NOT_APPLICABLE = {}
_RULES = tuple(
    (
        decision.field,
        decision.requires,
        f"can only be answered when '{decision.requires.replace('_', ' ')}' is yes"
        if decision.requires
        else None,
    )
    for decision in ALL_DECISIONS
)


def check_constraints(record_type_field="record_type"):
    """The same rules as database check constraints, for the review table."""
    constraints = []
    for record_types, decisions, name in (
        ((RecordType.INCIDENT, RecordType.OTHER_SYSTEM), CRIME_RECORDING, "crime_recording"),
        ((RecordType.NO_CRIME,), NO_CRIME, "no_crime"),
        ((RecordType.OOCD,), DISPOSAL, "disposal"),
    ):
        undecided = Q(**{f"{d.field}__isnull": True for d in decisions})
        constraints.append(
            models.CheckConstraint(
                condition=Q(**{f"{record_type_field}__in": record_types}) | undecided,
                name=f"review_{name}_decisions_only_for_their_record_type",
            )
        )
    for decision in ALL_DECISIONS:
        if decision.requires:
            constraints.append(
                models.CheckConstraint(
                    # "IS NOT NULL AND = true": a bare "= true" is NULL for an
                    # undecided earlier answer, and a CHECK lets NULL through.
                    condition=Q(**{f"{decision.field}__isnull": True})
                    | Q(**{f"{decision.requires}__isnull": False, decision.requires: True}),
                    name=f"review_{decision.field}_needs_{decision.requires}_yes",
                )
            )
    return constraints


def questions_to_answer(record_type, answers):
    """The decisions the inspector must answer, given the answers so far.

    A decision is asked when it applies to the record type and the earlier
    decision it depends on (if any) was answered yes.
    """
    return [
        decision
        for decision in DECISIONS_BY_RECORD_TYPE.get(record_type, ())
        if decision.requires is None or answers.get(decision.requires) is True
    ]


def unanswered(record_type, answers):
    """The fields still to be answered before the review is complete, in the tree's order."""
    return [
        decision.field
        for decision in questions_to_answer(record_type, answers)
        if answers.get(decision.field) is None
    ]


def complete_q(prefix=""):
    """A query condition for "this review answers every question it has to".

    The same rule as :func:`unanswered`, written for the database so progress
    can be counted in one query. ``prefix`` reaches the review through a
    relation, e.g. ``"reviews__"`` from a case.
    """
    by_type = Q()
    for record_types, group in (
        ((RecordType.INCIDENT, RecordType.OTHER_SYSTEM), CRIME_RECORDING),
        ((RecordType.NO_CRIME,), NO_CRIME),
        ((RecordType.OOCD,), DISPOSAL),
    ):
        condition = Q(**{f"{prefix}record_type__in": record_types})
        for decision in group:
            answered = Q(**{f"{prefix}{decision.field}__isnull": False})
            if decision.requires:
                # Not asked unless the earlier decision is yes.
                answered |= Q(**{f"{prefix}{decision.requires}__isnull": True}) | Q(
                    **{f"{prefix}{decision.requires}": False}
                )
            condition &= answered
        by_type |= condition
    return by_type

"""The blind double-review sample: which cases get a second review, and the share that sets it.

Nothing random is stored. A case's draw is fixed by its inspection and
reference, and it is in the sample when its draw is below the inspection's
share, so the same case is always in (or out) and raising the share only ever
adds cases.
"""

from __future__ import annotations

import functools
import hashlib
from decimal import Decimal

from django.db import transaction
from django.db.models import BinaryField, F, Func, Q, Value
from django.db.models.lookups import LessThan

from inspect_app.accounts import access, audit
from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import SampledCase, casework_changed
from inspect_app.inspections.workflow.refusals import (
    NotAllowed,
    WorkflowError,
    lock_open_inspection,
)

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


def set_double_review_share(inspection, user, fraction, *, request=None):
    """Set the share (0 to 1) of ``inspection``'s cases that get a blind second review.

    Only a lead inspector sets it, and only while the inspection is open: the
    sample decides which second reviews stand between it and its sign-off.
    Recorded in the audit log with the share before and after.
    """
    if not access.may_lead(user):
        raise NotAllowed("Only a lead inspector sets the share of cases double reviewed.")
    fraction = Decimal(fraction)
    if not Decimal(0) <= fraction <= Decimal(1):
        raise WorkflowError("The share of cases double reviewed is between 0% and 100%.")
    with transaction.atomic():
        locked = lock_open_inspection(inspection.pk)
        previous = locked.double_review_fraction
        # The share changes the sample, and so every count over it.
        casework_changed(locked.pk)
        locked.double_review_fraction = fraction
        locked.save(update_fields=["double_review_fraction"])
        audit.record(
            AuditAction.DOUBLE_REVIEW_SHARE,
            actor=user,
            request=request,
            target=f"inspection {locked.slug}",
            previous=str(previous),
            share=str(fraction),
        )
    return locked

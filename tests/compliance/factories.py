"""Reviewed cases for the figures' tests: a sampled case together with the review that counts.

``reviewed_case`` goes through the ORM's save() (so the review signals fire);
``many_reviewed_cases`` uses bulk_create for data-size tests, where signals
are not the point.
"""

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from forces.models import OffenceGroup
from inspect_app.accounts.roles import Role
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase, casework_changed
from tests.factories import CaseReviewFactory, SampledCaseFactory, UserFactory

REPORTED_AT = datetime(2013, 5, 1, 14, 30, tzinfo=ZoneInfo("Europe/London"))
_references = itertools.count(1)

RECORDED = {"should_record": True, "was_recorded": True}
UNRECORDED = {"should_record": True, "was_recorded": False}
NOT_A_CRIME = {"should_record": False}


def reviewer():
    return UserFactory(username="figures-reviewer", role=Role.INSPECTOR)


def group(code):
    return OffenceGroup.objects.get(code=code) if code else None


def reviewed_case(
    inspection,
    record_type=RecordType.INCIDENT,
    offence_group=None,
    kind=ReviewKind.FIRST,
    by=None,
    **decisions,
):
    """One case of ``inspection`` with one review of ``kind`` holding ``decisions``."""
    if offence_group is None and record_type in (RecordType.NO_CRIME, RecordType.OOCD):
        offence_group = "VAP"
    case = SampledCaseFactory(
        inspection=inspection,
        record_type=record_type,
        offence_group=group(offence_group),
        reference=f"FIG-{next(_references):07d}",
    )
    CaseReviewFactory(case=case, kind=kind, reviewer=by or reviewer(), **decisions)
    return case


def add_review(case, kind, by=None, **decisions):
    return CaseReviewFactory(case=case, kind=kind, reviewer=by or reviewer(), **decisions)


def many_reviewed_cases(
    inspection, count, record_type=RecordType.INCIDENT, offence_group=None, by=None, **decisions
):
    """``count`` cases with identical first reviews, written in two bulk inserts."""
    by = by or reviewer()
    offence = group(offence_group)
    cases = SampledCase.objects.bulk_create(
        SampledCase(
            inspection=inspection,
            reference=f"BULK-{next(_references):07d}",
            record_type=record_type,
            reported_at=REPORTED_AT,
            offence_group=offence,
        )
        for _ in range(count)
    )
    CaseReview.objects.bulk_create(
        CaseReview(
            case=case, kind=ReviewKind.FIRST, record_type=record_type, reviewer=by, **decisions
        )
        for case in cases
    )
    # As the app's own bulk writes (a batch import) do: counts kept for the inspection go.
    casework_changed(inspection.pk)
    return cases

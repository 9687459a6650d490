"""Outliers, managed: finding the force figures outside the funnel's limits and moving
each case file along its clock. Every step is audited (OUTLIER_STEP)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.compliance import by_design, figures
from inspect_app.compliance.models import Scope
from inspect_app.core import judgement
from inspect_app.judgement.models import OutlierCase, OutlierOutcome, OutlierStatus
from inspect_app.judgement.rules import rules_of
from inspect_app.judgement.targets import programme_targets


class StepRefused(ValueError):
    """A step that does not fit where the case is (e.g. an outcome before the force was told)."""


def funnel_points(programme, metric) -> list:
    """The programme's inspection figures for ``metric`` that have cases."""
    return [
        figure
        for figure in figures.every_stored_figure(programme=programme).filter(
            scope=Scope.INSPECTION, metric=metric
        )
        if figure.denominator
    ]


def positions(programme, method=judgement.EXACT) -> list[tuple]:
    """(figure, level, side, target) for every inspection figure outside the 95% limits."""
    found = []
    for metric, target in sorted(programme_targets(programme).items()):
        points = funnel_points(programme, metric)
        # A force drawn by a plan stands where its design-weighted figure is worth.
        worth = {figure.pk: by_design.worth(figure) for figure in points}
        phi = judgement.dispersion_factor(list(worth.values()), target.rate)
        for figure in points:
            level, side = judgement.funnel_position(*worth[figure.pk], target.rate, method, phi)
            if level != judgement.WITHIN:
                found.append((figure, level, side, target.rate))
    return found


def detect(programme, *, by=None, request=None) -> list[OutlierCase]:
    """Open a case for each figure newly outside the limits; return the cases opened.

    Safe to run again: a figure that already has a case keeps it (one per figure); a case
    still only detected follows its figure's level (an alert that became an alarm).
    """
    opened = []
    with transaction.atomic():
        existing = {
            (case.inspection_id, case.metric): case
            for case in OutlierCase.objects.select_for_update().filter(
                inspection__programme=programme
            )
        }
        for figure, level, side, target in positions(programme):
            case = existing.get((figure.inspection_id, figure.metric))
            if case is None:
                case = OutlierCase.objects.create(
                    inspection=figure.inspection,
                    metric=figure.metric,
                    level=level,
                    side=side,
                    numerator=figure.numerator,
                    denominator=figure.denominator,
                    target_rate=target,
                )
                opened.append(case)
                _record(case, "detected", by, request, level=level, side=side)
            elif case.status == OutlierStatus.DETECTED and (case.level, case.side) != (level, side):
                case.level, case.side = level, side
                case.save(update_fields=["level", "side"])
                _record(case, "level changed", by, request, level=level, side=side)
    return opened


def tell_force(case, *, by, told_at=None, request=None) -> OutlierCase:
    """The force was told: the clock starts, and the answer is due N working days on."""
    if case.status != OutlierStatus.DETECTED:
        raise StepRefused("The force has already been told about this outlier.")
    told_at = told_at or timezone.now()
    days = rules_of(case.inspection.programme).response_working_days
    case.told_at, case.told_by = told_at, _person(by)
    case.due_on = judgement.add_working_days(timezone.localdate(told_at), days)
    case.save(update_fields=["told_at", "told_by", "due_on"])
    _record(case, "force told", by, request, due=case.due_on.isoformat())
    return case


def record_response(case, *, by, text, request=None) -> OutlierCase:
    text = (text or "").strip()
    if case.status != OutlierStatus.TOLD:
        raise StepRefused("A response can be recorded only once the force has been told.")
    if not text:
        raise StepRefused("Enter the force's response.")
    case.response_at, case.response_by, case.response_text = timezone.now(), _person(by), text
    case.save(update_fields=["response_at", "response_by", "response_text"])
    _record(case, "response recorded", by, request, overdue=_answered_late(case))
    return case


def record_outcome(case, *, by, outcome, notes, request=None) -> OutlierCase:
    notes = (notes or "").strip()
    if case.status != OutlierStatus.RESPONDED:
        raise StepRefused("An outcome can be recorded only once the force's response is in.")
    if outcome not in OutlierOutcome.values:
        raise StepRefused("Choose an outcome: confirmed, data error corrected or withdrawn.")
    if not notes:
        raise StepRefused("Enter notes on the outcome.")
    case.outcome, case.outcome_notes = outcome, notes
    case.outcome_at, case.outcome_by = timezone.now(), _person(by)
    case.save(update_fields=["outcome", "outcome_notes", "outcome_at", "outcome_by"])
    _record(case, "outcome recorded", by, request, outcome=outcome)
    return case


def confirmed_alarms(inspection) -> list[OutlierCase]:
    """The confirmed alarms a force's published report names."""
    return list(
        OutlierCase.objects.filter(
            inspection=inspection, level="alarm", outcome=OutlierOutcome.CONFIRMED
        )
    )


def document(case) -> dict:
    """One case as ``outliers --format json`` prints it."""
    return {
        "inspection": case.inspection.slug,
        "metric": case.metric,
        "level": case.level,
        "side": case.side,
        "status": case.status,
        "due": case.due_on.isoformat() if case.due_on else None,
        "overdue": case.overdue,
        "outcome": case.outcome or None,
    }


def _answered_late(case) -> bool:
    return bool(case.due_on and timezone.localdate(case.response_at) > case.due_on)


def _person(user):
    return user if getattr(user, "is_authenticated", False) else None


def _record(case, step, by, request, **details):
    if _person(by) is None:
        details["via"] = audit.COMMAND_LINE
    audit.record(
        AuditAction.OUTLIER_STEP,
        actor=_person(by),
        request=request,
        subject=case,
        step=step,
        inspection=case.inspection.slug,
        metric=case.metric,
        **details,
    )

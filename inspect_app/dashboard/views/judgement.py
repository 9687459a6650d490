"""An inspection's judgement: its grade and how certain it is, each figure against the
programme and the range of forces, the change since the force's last inspection with its
interval and verdict, the trend across programmes, its outliers and its findings."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from inspect_app.accounts import access
from inspect_app.compliance import figures
from inspect_app.compliance.models import Metric, Scope
from inspect_app.core import judgement
from inspect_app.dashboard.charts.funnel import position_words
from inspect_app.dashboard.charts.spine import SpineLine, spine_chart
from inspect_app.inspections.models import Inspection, InspectionStatus
from inspect_app.judgement.comparison import compare, previous_inspection
from inspect_app.judgement.grading import current_bands, grade_of
from inspect_app.judgement.models import Finding, FindingKind, FindingStatus, OutlierCase
from inspect_app.judgement.outliers import confirmed_alarms
from inspect_app.judgement.rules import rules_of
from inspect_app.judgement.targets import programme_targets

CONFIDENCE = 0.95


@dataclass
class FigureJudgement:
    """One figure of the inspection, judged against the programme."""

    label: str
    numerator: int
    denominator: int
    rate: float
    ci_low: float
    ci_high: float
    target: float | None = None
    target_name: str = ""
    versus: str = ""
    funnel: str = ""
    lowest: float = 0.0
    highest: float = 1.0


def inspection_judgement(request, slug):
    """The judgement page of one inspection."""
    user = request.user
    inspection = get_object_or_404(
        Inspection.objects.visible_to(user).select_related("programme", "force"), slug=slug
    )
    if not access.may_read_judgement(user, inspection):
        if access.reads_force_summary_only(user):
            return render(
                request,
                "dashboard/judgement.html",
                {"inspection": inspection, "not_published": True},
            )
        raise PermissionDenied("Your role does not allow this.")
    against_all = access.judges_against_every_force(user)
    inspections = Inspection.objects.visible_to(user)
    if not against_all:  # a commissioner: published inspections only
        inspections = inspections.filter(status=InspectionStatus.PUBLISHED)
    own = _own_figures(user, inspection)
    judged = _against_programme(user, inspection, own) if against_all else list(own.values())
    recording = own.get(Metric.RECORDING_RATE)
    bands = current_bands(inspection.programme)
    grade = None
    if recording is not None:
        grade = grade_of(
            recording.numerator, recording.denominator, recording.ci_low, recording.ci_high, bands
        )
    previous = previous_inspection(inspection, inspections)
    changes = compare(previous, inspection, CONFIDENCE) if previous else []
    spine = None
    if against_all and any(item.versus for item in judged):
        spine = spine_chart(
            [_spine_line(item) for item in judged if item.versus],
            force_name=inspection.force.name,
            table_id="table-against-programme",
        )
    may_follow_up = access.may_follow_up(user)
    outlier_cases = (
        list(OutlierCase.objects.visible_to(user).filter(inspection=inspection))
        if may_follow_up
        else []
    )
    findings = (
        Finding.objects.visible_to(user)
        .filter(inspection=inspection)
        .select_related("reinspection__programme")
        .prefetch_related("updates__by")
    )
    return render(
        request,
        "dashboard/judgement.html",
        {
            "inspection": inspection,
            "against_all": against_all,
            "judged": judged,
            "grade": grade,
            "bands": bands,
            "previous": previous,
            "changes": changes,
            "like_for_like": previous is None or changes[0].verdict != judgement.NOT_LIKE_FOR_LIKE,
            "rules": rules_of(inspection.programme),
            "previous_rules": rules_of(previous.programme) if previous else None,
            "trend": _trend(user, inspection, inspections, against_all),
            "spine": spine,
            "may_follow_up": may_follow_up,
            "may_set_bands": access.may_set_grade_bands(user),
            "confirmed_alarms": confirmed_alarms(inspection),
            "outlier_cases": outlier_cases,
            "findings": findings,
            "finding_kinds": FindingKind.choices,
            "finding_statuses": FindingStatus.choices,
            "reinspections": [
                other
                for other in inspections.filter(force=inspection.force)
                .exclude(pk=inspection.pk)
                .select_related("programme")
            ],
            "verdict_words": judgement.VERDICT_WORDS,
        },
    )


def _own_figures(user, inspection) -> dict[str, FigureJudgement]:
    stored = figures.stored_figures(user, inspection=inspection).filter(scope=Scope.INSPECTION)
    own = {}
    for shown in figures.present(list(stored), "wilson", CONFIDENCE):
        if shown.available:
            figure = shown.figure
            own[figure.metric] = FigureJudgement(
                label=figure.get_metric_display(),
                numerator=figure.numerator,
                denominator=figure.denominator,
                rate=shown.rate,
                ci_low=shown.ci_low,
                ci_high=shown.ci_high,
            )
    return {metric: own[metric] for metric in figures.METRICS if metric in own}


def _against_programme(user, inspection, own) -> list[FigureJudgement]:
    targets = programme_targets(inspection.programme)
    spread = {}
    for figure in figures.stored_figures(user, programme=inspection.programme).filter(
        scope=Scope.INSPECTION
    ):
        if figure.denominator:
            spread.setdefault(figure.metric, []).append(figure.numerator / figure.denominator)
    judged = []
    for metric, item in own.items():
        target = targets.get(metric)
        if target is not None:
            item.target, item.target_name = target.rate, target.name
            item.versus = judgement.versus(target.rate, item.ci_low, item.ci_high)
            item.funnel = position_words(
                *judgement.funnel_position(item.numerator, item.denominator, target.rate)
            )
            item.lowest, item.highest = min(spread[metric]), max(spread[metric])
        judged.append(item)
    return judged


def _spine_line(item) -> SpineLine:
    return SpineLine(
        label=item.label,
        rate=item.rate,
        ci_low=item.ci_low,
        ci_high=item.ci_high,
        target=item.target,
        lowest=item.lowest,
        highest=item.highest,
        versus=item.versus,
    )


def _trend(user, inspection, inspections, against_all) -> list[dict]:
    """The recording rate in every programme the force has been in, oldest first."""
    rows = []
    chain = inspections.filter(force=inspection.force).select_related("programme")
    for other in sorted(chain, key=lambda each: (each.programme.year or 9999, each.programme.pk)):
        figure = _own_figures(user, other).get(Metric.RECORDING_RATE)
        if figure is None:
            continue
        target = programme_targets(other.programme).get(Metric.RECORDING_RATE)
        grade = grade_of(
            figure.numerator,
            figure.denominator,
            figure.ci_low,
            figure.ci_high,
            current_bands(other.programme),
        )
        rows.append(
            {
                "inspection": other,
                "figure": figure,
                "versus": judgement.versus(target.rate, figure.ci_low, figure.ci_high)
                if against_all and target
                else "",
                "grade": grade,
                "current": other.pk == inspection.pk,
            }
        )
    return rows

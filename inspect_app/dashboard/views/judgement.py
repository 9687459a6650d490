"""An inspection's judgement: its grade and how certain it is, each figure against the
programme and the range of forces, the change since the force's last inspection with its
interval and verdict, the trend across programmes, its outliers and its findings; and the
same as CSV or JSON.

Staff read live figures, marked "draft — not published"; a commissioner reads their
force's latest published version, small counts suppressed (``judging``).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from inspect_app.accounts import access, audit
from inspect_app.compliance.models import Metric
from inspect_app.compliance.report_rows import csv_value, rounded
from inspect_app.core import judgement
from inspect_app.core.spreadsheet import csv_text
from inspect_app.dashboard.charts.spine import SpineLine, spine_chart
from inspect_app.dashboard.views import judging
from inspect_app.inspections.models import Inspection
from inspect_app.judgement.grading import bands_document
from inspect_app.judgement.models import Finding, FindingKind, FindingStatus, OutlierCase
from inspect_app.judgement.rules import rules_of
from inspect_app.publication import reading
from inspect_app.publication.suppression import suppressed_text

#: The columns of the download, one row per figure of the inspection.
EXPORT_COLUMNS = (
    "inspection",
    "force",
    "programme",
    "figures",
    "version",
    "metric",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "suppressed",
    "programme_rate",
    "versus_programme",
    "funnel",
    "funnel_side",
    "grade",
    "grade_certainty",
    "grades_possible",
    "previous_inspection",
    "previous_rate",
    "change",
    "change_ci_low",
    "change_ci_high",
    "change_verdict",
    "change_note",
)
EXPORT_FORMATS = ("csv", "json")


def _readable_inspection(request, slug):
    """The inspection, if ``request``'s reader may read its judgement (else 403 or 404)."""
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("programme", "force"),
        slug=slug,
    )
    if not access.may_read_judgement(request.user, inspection):
        if access.reads_force_summary_only(request.user):
            return inspection, False
        raise PermissionDenied("Your role does not allow this.")
    return inspection, True


def inspection_judgement(request, slug):
    """The judgement page of one inspection."""
    user = request.user
    inspection, allowed = _readable_inspection(request, slug)
    shown = judging.read(user, inspection) if allowed else None
    if shown is None:
        return render(
            request,
            "dashboard/judgement.html",
            {"inspection": inspection, "not_published": True},
        )
    spine = None
    if shown.against_all and shown.shows_verdicts:
        spine = spine_chart(
            [_spine_line(item) for item in shown.judged if item.versus],
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
    latest_published = reading.versions_of(user, inspection).last() if shown.live else shown.version
    return render(
        request,
        "dashboard/judgement.html",
        {
            "inspection": inspection,
            "shown": shown,
            "latest_published": latest_published,
            "rules": rules_of(inspection.programme),
            "previous_rules": rules_of(shown.previous.programme) if shown.previous else None,
            "spine": spine,
            "may_follow_up": may_follow_up,
            "may_set_bands": access.may_set_grade_bands(user),
            "outlier_cases": outlier_cases,
            "findings": findings,
            "finding_kinds": FindingKind.choices,
            "finding_statuses": FindingStatus.choices,
            "reinspections": [
                other
                for other in Inspection.objects.visible_to(user)
                .filter(force=inspection.force)
                .exclude(pk=inspection.pk)
                .select_related("programme")
            ]
            if may_follow_up
            else [],
            "verdict_words": judgement.VERDICT_WORDS,
            "export_formats": EXPORT_FORMATS,
            "suppressed_text": suppressed_text(),
        },
    )


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


# --- downloads --------------------------------------------------------------------------------


def judgement_csv(request, slug):
    """The judgement page's figures as CSV: the same reader, the same figures as the page."""
    return _download(request, slug, "csv")


def judgement_json(request, slug):
    """The judgement page's figures as JSON: the same reader, the same figures as the page."""
    return _download(request, slug, "json")


def _download(request, slug, export_format):
    inspection, allowed = _readable_inspection(request, slug)
    shown = judging.read(request.user, inspection) if allowed else None
    if shown is None:
        raise PermissionDenied(f"The judgement of {inspection.slug} is not yet published.")
    document = export_document(shown)
    audit.disclosed(
        request,
        subject=inspection,
        page="judgement",
        format=export_format,
        published_version=None if shown.live else shown.version.number,
    )
    filename = f"{inspection.slug}-judgement-" + (
        "live" if shown.live else f"version-{shown.version.number}"
    )
    if export_format == "json":
        content = json.dumps(document, indent=2, ensure_ascii=False)
        content_type = "application/json"
    else:
        content = csv_text(
            EXPORT_COLUMNS,
            [[csv_value(row.get(column)) for column in EXPORT_COLUMNS] for row in document["rows"]],
        )
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response


def export_document(shown) -> dict:
    """The judgement as one document: what it was read from, and a row per figure."""
    inspection = shown.inspection
    document = {
        "inspection": inspection.slug,
        "force": inspection.force.code,
        "programme": inspection.programme.slug,
        "status": reading.DRAFT_MARK if shown.live else "published",
        "version": None if shown.live else shown.version.number,
        "published_at": None if shown.live else shown.version.published_at.isoformat(),
        "method": judging.METHOD,
        "confidence": judging.CONFIDENCE,
        "previous_inspection": shown.previous.slug if shown.previous else None,
        "previous_version": shown.previous_version.number if shown.previous_version else None,
        "like_for_like": shown.like_for_like if shown.previous else None,
        "confirmed_alarms": [{"metric": alarm.label, "side": alarm.side} for alarm in shown.alarms],
    }
    if shown.bands:
        document["grade_bands"] = bands_document(shown.bands)
    document["rows"] = export_rows(shown)
    return document


def export_rows(shown) -> list[dict]:
    """One row per figure: its rate and interval, against the programme, its place in the
    funnel, the grade (on the recording rate) and the change since last time."""
    inspection = shown.inspection
    changes = {change.metric: change for change in shown.changes}
    rows = []
    for item in shown.judged:
        row = {
            "inspection": inspection.slug,
            "force": inspection.force.code,
            "programme": inspection.programme.slug,
            "figures": "live" if shown.live else "published",
            "version": None if shown.live else shown.version.number,
            "metric": item.metric,
            "numerator": item.numerator,
            "denominator": item.denominator,
            "rate": rounded(item.rate),
            "ci_low": rounded(item.ci_low),
            "ci_high": rounded(item.ci_high),
            "suppressed": item.suppressed,
            "programme_rate": rounded(item.target),
            "versus_programme": item.versus or None,
            "funnel": item.funnel_level or None,
            "funnel_side": item.funnel_side,
        }
        grade = shown.grade if item.metric == Metric.RECORDING_RATE else None
        row.update(
            grade=grade.grade if grade else None,
            grade_certainty=round(grade.certainty, 5) if grade else None,
            grades_possible=list(grade.possible) if grade else None,
        )
        change = changes.get(item.metric)
        if change is not None:
            changed = change.document()
            row.update(
                previous_inspection=shown.previous.slug,
                previous_rate=changed["rate_a"],
                change=changed["difference"],
                change_ci_low=changed["ci_low"],
                change_ci_high=changed["ci_high"],
                change_verdict=change.verdict,
                change_note=change.reason or None,
            )
        rows.append(row)
    return rows

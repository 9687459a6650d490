"""An inspection's findings and their status trail; every change audited (FINDING_CHANGE)."""

from django.db import transaction

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import Inspection
from inspect_app.judgement.models import Finding, FindingKind, FindingStatus, FindingUpdate


class FindingRefused(ValueError):
    """A finding or a change to one that cannot be saved, said in words."""


def add(inspection, *, kind, text, by, request=None) -> Finding:
    text = (text or "").strip()
    if kind not in FindingKind.values:
        raise FindingRefused(
            "Choose a kind: cause of concern, recommendation or area for improvement."
        )
    if not text:
        raise FindingRefused("Enter the finding.")
    with transaction.atomic():
        finding = Finding.objects.create(inspection=inspection, kind=kind, text=text)
        FindingUpdate.objects.create(finding=finding, status=FindingStatus.NEW, by=_person(by))
        _record(finding, by, request, change="recorded", kind=kind)
    return finding


def move(finding, *, status, note="", reinspection_slug="", by, request=None) -> Finding:
    """A new status (and, optionally, the re-inspection that checks the finding)."""
    if status not in FindingStatus.values:
        raise FindingRefused("Choose a status.")
    reinspection = None
    if reinspection_slug:
        reinspection = (
            Inspection.objects.filter(slug=reinspection_slug, force=finding.inspection.force_id)
            .exclude(pk=finding.inspection_id)
            .first()
        )
        if reinspection is None:
            raise FindingRefused("The re-inspection must be another inspection of the same force.")
    if status == FindingStatus.CLOSED_AT_REINSPECTION and reinspection is None:
        raise FindingRefused("Choose the re-inspection that closed the finding.")
    with transaction.atomic():
        finding.status, finding.reinspection = status, reinspection
        finding.save(update_fields=["status", "reinspection"])
        FindingUpdate.objects.create(
            finding=finding, status=status, note=(note or "").strip(), by=_person(by)
        )
        _record(
            finding,
            by,
            request,
            change="status",
            status=status,
            reinspection=reinspection.slug if reinspection else None,
        )
    return finding


def _person(user):
    return user if getattr(user, "is_authenticated", False) else None


def _record(finding, by, request, **details):
    if _person(by) is None:
        details["via"] = audit.COMMAND_LINE
    audit.record(
        AuditAction.FINDING_CHANGE,
        actor=_person(by),
        request=request,
        subject=finding,
        inspection=finding.inspection.slug,
        **details,
    )

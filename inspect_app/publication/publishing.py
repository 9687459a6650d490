"""Publishing an inspection: its figures, counted now, frozen as its next version.

``publish`` is the one door, for the page and the command line alike: it refuses an
inspection not signed off, one with no figures, and a correction without a note; it
counts the figures from the reviews as they stand (never from a stored set that may be
waiting for a recompute), stores them with how they were made, marks the inspection
published and records it in the audit log, all in one transaction.
"""

import hashlib
import json
import os
import subprocess
import tomllib
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from forces.models import OffenceGroup
from inspect_app.accounts import access, audit
from inspect_app.accounts.models import AuditAction
from inspect_app.compliance import figures
from inspect_app.compliance.models import Scope
from inspect_app.compliance.report_rows import JUDGED_KEYS, UNRECORDED_KEYS, report_document
from inspect_app.inspections.models import Inspection, InspectionStatus
from inspect_app.judgement import outliers
from inspect_app.publication.models import PUBLISHED_SCOPES, PublishedFigure, PublishedVersion

METHOD = "wilson"
CONFIDENCE = 0.95
NOTE_MAX_LENGTH = 2000
REVIEW_FIELDS = (
    "pk",
    "case_id",
    "kind",
    "version",
    "record_type",
    "should_record",
    "was_recorded",
    "correctly_classified",
    "on_time",
    "cancellation_correct",
    "victim_informed",
    "disposal_appropriate",
    "corrected_offence_group_id",
)
ROOT = Path(__file__).resolve().parents[2]


class PublishingError(Exception):
    """Why an inspection cannot be published now, in one sentence for the person asking."""


class NotAllowed(PublishingError):
    """The person asking may not publish."""


def publish(inspection, user=None, *, note="", request=None, demo=False) -> PublishedVersion:
    """Freeze ``inspection``'s figures as its next version; return that version.

    ``user`` is None from the command line (which answers to whoever runs it); a
    person must be allowed to publish (``access.may_publish``).
    """
    if user is not None and not access.may_publish(user):
        raise NotAllowed("Only a lead inspector or an admin publishes an inspection.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise PublishingError(f"The note is too long: at most {NOTE_MAX_LENGTH} characters.")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().select_related("force", "programme")
        locked = locked.get(pk=inspection.pk)
        latest = locked.published_versions.order_by("-number").first()
        _check_publishable(locked, latest, note)
        rows, reviews_hash, review_count = frozen_rows(locked)
        if not any(row["scope"] == Scope.INSPECTION for row in rows):
            raise PublishingError(
                f"{locked.slug} has no figures to publish: no reviewed case counts towards any."
            )
        version = PublishedVersion.objects.create(
            inspection=locked,
            number=(latest.number + 1) if latest else 1,
            note=note,
            published_by=user if user is not None and user.is_authenticated else None,
            published_at=timezone.now(),
            method=METHOD,
            confidence=CONFIDENCE,
            reliability_threshold=figures.check_presentation(METHOD, CONFIDENCE),
            recording_time_limit_hours=locked.recording_time_limit_hours,
            counting_rules=counting_rules(),
            code_version=code_version(),
            reviews_sha256=reviews_hash,
            review_count=review_count,
            is_demo=demo,
            confirmed_alarms=named_alarms(locked),
        )
        PublishedFigure.objects.bulk_create(_figure(version, locked, row) for row in rows)
        if locked.status != InspectionStatus.PUBLISHED:
            locked.status = InspectionStatus.PUBLISHED
            locked.save(update_fields=["status"])
        audit.record(
            AuditAction.PUBLISHED,
            actor=user,
            request=request,
            subject=locked,
            version=version.number,
            reviews_sha256=reviews_hash,
            **({"via": audit.COMMAND_LINE} if user is None else {}),
        )
    return version


def named_alarms(inspection) -> list[dict]:
    """The inspection's confirmed outlier alarms, as the published report names them."""
    return [
        {"metric": case.metric, "side": case.side, "outcome_notes": case.outcome_notes}
        for case in sorted(outliers.confirmed_alarms(inspection), key=lambda case: case.metric)
    ]


def _check_publishable(inspection, latest, note):
    if latest is None and inspection.status == InspectionStatus.PUBLISHED:
        # Marked published before versions were kept: its first version is frozen now.
        return
    if inspection.status != InspectionStatus.SIGNED_OFF:
        if inspection.status == InspectionStatus.PUBLISHED:
            raise PublishingError(
                f"{inspection.slug} is already published as version {latest.number}: reopen "
                "it and sign it off again to publish a correction."
            )
        raise PublishingError(
            f"{inspection.slug} is not signed off (it is "
            f"{inspection.get_status_display().lower()}): sign it off before publishing."
        )
    if latest is not None and not note:
        raise PublishingError(
            f"{inspection.slug} was published as version {latest.number}: a new version "
            "needs a note saying what was corrected."
        )


def frozen_rows(inspection):
    """(report rows of the inspection and its offence groups, reviews' SHA-256, review count),
    counted from the reviews now."""
    counted = [
        figure
        for figure in figures.compute_programme_figures(inspection.programme_id)
        if figure.inspection_id == inspection.pk and figure.scope in PUBLISHED_SCOPES
    ]
    groups = OffenceGroup.objects.select_related("parent").in_bulk(
        [f.offence_group_id for f in counted if f.offence_group_id]
    )
    for figure in counted:
        figure.inspection, figure.force = inspection, inspection.force
        if figure.offence_group_id:
            figure.offence_group = groups[figure.offence_group_id]
    counted.sort(key=figures.presentation_order)
    available = [each for each in figures.present(counted, METHOD, CONFIDENCE) if each.available]
    # The rows as compliance_report makes them, judged against the programme as it does.
    made = report_document(
        available, programme=inspection.programme, method=METHOD, confidence=CONFIDENCE
    )
    rows = []
    for row, presented in zip(made["rows"], available, strict=True):
        group = presented.figure.offence_group if presented.figure.offence_group_id else None
        row["offence_group_name"] = group.name if group else ""
        row["offence_group_parent"] = groups_parent_code(group)
        unrecorded = presented.estimated_unrecorded or (None, None, None)
        for key, value in zip(UNRECORDED_KEYS, unrecorded, strict=True):
            row[key] = figures.finite_or_none(value)
        rows.append(row)
    reviews = (
        figures.counting_reviews(inspection.programme_id)
        .filter(case__inspection=inspection)
        .order_by("pk")
        .values_list(*REVIEW_FIELDS)
    )
    digest, count = hashlib.sha256(), 0
    for review in reviews.iterator(chunk_size=2000):
        digest.update(json.dumps(review, default=str).encode())
        digest.update(b"\n")
        count += 1
    return rows, digest.hexdigest(), count


def groups_parent_code(group):
    if group is None or group.parent_id is None:
        return ""
    return group.parent.code


def _figure(version, inspection, row):
    return PublishedFigure(
        version=version,
        scope=row["scope"],
        inspection=inspection.slug,
        force=inspection.force,
        force_code=inspection.force.code,
        force_name=inspection.force.name,
        offence_group=row["offence_group"] or "",
        offence_group_name=row["offence_group_name"],
        offence_group_parent=row["offence_group_parent"],
        metric=row["metric"],
        numerator=row["numerator"],
        denominator=row["denominator"],
        rate=row["rate"],
        ci_low=row["ci_low"],
        ci_high=row["ci_high"],
        reliable=row["reliable"],
        estimated_unrecorded=row["estimated_unrecorded"],
        estimated_unrecorded_low=row["estimated_unrecorded_low"],
        estimated_unrecorded_high=row["estimated_unrecorded_high"],
        design=row.get("design"),
        unweighted_rate=row.get("unweighted_rate"),
        judgement={key: row[key] for key in JUDGED_KEYS if key in row} or None,
    )


def counting_rules() -> dict:
    """Which reviews each figure counts, in the words of the query that counts them."""
    return {
        str(rule.metric): {
            "record_types": list(rule.record_types),
            "judged_on": str(rule.judged_on),
            "met_when": rule.met_when,
        }
        for rule in figures.METRIC_RULES
    } | {
        "counted_review": "the adjudicated review where there is one, else the first review; "
        "cases of a withdrawn batch do not count",
    }


@lru_cache(maxsize=1)
def code_version() -> str:
    """The project's version and, where it can be read, the commit it runs from."""
    if os.environ.get("CODE_VERSION"):
        return os.environ["CODE_VERSION"][:100]
    try:
        version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version

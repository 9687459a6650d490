"""The demonstration's extracts: one imported, planned, drawn and partly reviewed, one waiting.

In the practice round, ``hertfordshire-extract-practice`` holds an extract of
about 50,000 generated records, planned by record type and drawn with seed
2014; some of its drawn cases are reviewed, so its figures are the
design-weighted ones. ``cheshire-extract-practice`` has no extract yet: its
file is the example offered on its import page (``example_extract_csv``).
"""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import transaction

from forces.models import Force, OffenceGroup
from inspect_app.accounts.models import User
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    InspectionStatus,
    Programme,
    ReviewKind,
    SampledCase,
)
from inspect_app.sampling import drawing, extracts, planning

PRACTICE_SLUG = "practice-round"
DRAWN_SLUG = "hertfordshire-extract-practice"
WAITING_SLUG = "cheshire-extract-practice"
DRAWN_RECORDS = 50_000
WAITING_RECORDS = 5_000
SEED = 2014
REVIEWED_SHARE = 0.4
LONDON = ZoneInfo("Europe/London")
HEADER = ("reference", "record_type", "reported_at", "offence_group", "route", "summary")
#: Record types in the proportions a force's extract holds them, and how often each kind
#: of record the demo's inspectors find handled right (so strata differ, and weighting shows).
MIX = (
    (RecordType.INCIDENT, 0.70, 0.93),
    (RecordType.OTHER_SYSTEM, 0.15, 0.78),
    (RecordType.NO_CRIME, 0.08, 0.85),
    (RecordType.OOCD, 0.07, 0.90),
)
ROUTES = ("control room", "front desk", "online", "partner agency")


def example_rows(prefix: str, count: int, seed: str):
    """``count`` generated extract rows, the same every time for the same arguments."""
    rng = random.Random(seed)
    groups = list(OffenceGroup.objects.filter(parent__isnull=True).values_list("code", flat=True))
    start = datetime(2016, 1, 1, 0, 0)
    kinds = [kind for kind, _, _ in MIX]
    weights = [share for _, share, _ in MIX]
    for number in range(1, count + 1):
        kind = rng.choices(kinds, weights)[0]
        needs_group = kind in (RecordType.NO_CRIME, RecordType.OOCD)
        moment = start + timedelta(minutes=rng.randrange(180 * 24 * 60))
        if moment.hour == 1:  # one night a year that hour never happens in the UK
            moment += timedelta(hours=2)
        yield (
            f"{prefix}-{number:06d}",
            str(kind),
            moment.strftime("%Y-%m-%d %H:%M"),
            rng.choice(groups) if needs_group or rng.random() < 0.5 else "",
            rng.choice(ROUTES),
            f"Generated record {number} for the practice round.",
        )


def example_extract_csv(inspection, count: int = WAITING_RECORDS) -> str:
    """An extract file for ``inspection`` to try the import with."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    prefix = inspection.force.code[-4:]
    writer.writerows(example_rows(f"X{prefix}", count, f"extract-{inspection.slug}"))
    return buffer.getvalue()


def _inspection(programme, slug, force_code):
    inspection, _ = Inspection.objects.get_or_create(
        slug=slug,
        defaults=dict(
            programme=programme,
            force=Force.objects.get(code=force_code),
            audit_period_start=date(2016, 1, 1),
            audit_period_end=date(2016, 6, 30),
            status=InspectionStatus.REVIEW,
            recording_time_limit_hours=24,
            double_review_fraction=Decimal("0"),
        ),
    )
    team = User.objects.filter(username__in=("inspector", "inspector2", "lead", "lead2"))
    inspection.inspectors.add(*team)
    return inspection


def _review_some(inspection):
    """First reviews of a share of the drawn cases, by the demo's inspector."""
    rates = {str(kind): rate for kind, _, rate in MIX}
    reviewer = User.objects.get(username="inspector")
    rng = random.Random("demo-extract-reviews")
    reviews = []
    for case in SampledCase.objects.filter(inspection=inspection).order_by("reference"):
        if rng.random() > REVIEWED_SHARE:
            continue
        good = rng.random() < rates[case.record_type]
        answers = {}
        if case.record_type in (RecordType.INCIDENT, RecordType.OTHER_SYSTEM):
            answers = dict(should_record=True, was_recorded=good)
            if good:
                answers.update(correctly_classified=rng.random() < 0.95, on_time=True)
        elif case.record_type == RecordType.NO_CRIME:
            answers = dict(cancellation_correct=good, victim_informed=rng.random() < 0.8)
        else:
            answers = dict(disposal_appropriate=good)
        reviews.append(
            CaseReview(
                case=case,
                kind=ReviewKind.FIRST,
                record_type=case.record_type,
                reviewer=reviewer,
                **answers,
            )
        )
    CaseReview.objects.bulk_create(reviews)


def load_sampling_demo():
    """Add the two extract inspections to the practice round, once."""
    programme = Programme.objects.filter(slug=PRACTICE_SLUG).first()
    if programme is None or Inspection.objects.filter(slug=DRAWN_SLUG).exists():
        return
    with transaction.atomic():
        drawn = _inspection(programme, DRAWN_SLUG, "E23000027")
        _inspection(programme, WAITING_SLUG, "E23000006")
        admin = User.objects.filter(username="admin").first()
        handle, path = tempfile.mkstemp(suffix=".csv")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(HEADER)
                writer.writerows(example_rows("HP", DRAWN_RECORDS, "demo-hertfordshire"))
            extracts.import_extract(path, drawn, filename="hertfordshire-extract.csv", by=admin)
        finally:
            os.unlink(path)
        proposal = planning.propose(
            drawn, stratify_by="record_type", margin=0.03, expected_rate=0.9, minimum=30
        )
        planning.save(proposal, by=admin)
        drawing.draw_sample(drawn, SEED, by=admin)
        _review_some(drawn)
    # Reviews written in bulk send no signals: store the round's figures now (through the
    # figures' own command; sampling sits below compliance).
    call_command("recompute_figures", programme=PRACTICE_SLUG, stdout=io.StringIO())

"""The demonstration's judgements: illustrative grade bands on the 2014 programme, a
re-inspection of Dorset in the practice round (so a change since 2014 can be tested), the
2014 outliers detected with two taken some way along their clocks, and Dorset's findings.

Everything here is synthetic and drawn from a fixed seed; the bands are illustrative, not
the inspectorate's.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from forces.models import Force, OffenceGroup
from inspect_app.accounts.models import User
from inspect_app.compliance import figures
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    InspectionStatus,
    Programme,
    ReviewKind,
    SampledCase,
)
from inspect_app.judgement import grading, outliers
from inspect_app.judgement.models import (
    Finding,
    FindingStatus,
    FindingUpdate,
    OutlierCase,
    ProgrammeJudgement,
)

PROGRAMME_SLUG = "crime-recording-2014"
PRACTICE_SLUG = "practice-round"
REINSPECTION_SLUG = "dorset-practice"
DORSET = "E23000039"
LONDON = ZoneInfo("Europe/London")
ILLUSTRATIVE_BANDS = [
    ("outstanding", 0.95),
    ("good", 0.90),
    ("requires improvement", 0.85),
    ("inadequate", 0.0),
]
# Dorset's re-inspection: (should have been recorded, recorded) and no-crimes, synthetic.
REINSPECTION_RECORDING = (120, 104)
REINSPECTION_NO_CRIMES = (40, 35)
RULES = "Home Office Counting Rules 2014"
RESPONSE_WORKING_DAYS = 10


@transaction.atomic
def load_judgement_demo() -> dict:
    """Add the judgements to a loaded demo (safe to run again: what exists is kept)."""
    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    practice = Programme.objects.filter(slug=PRACTICE_SLUG).first()
    if programme is None or practice is None:
        return {"loaded": False}
    for each in (programme, practice):
        # The practice round is counted under the 2014 rules too, so its change is tested.
        ProgrammeJudgement.objects.get_or_create(
            programme=each,
            defaults={"counting_rules": RULES, "response_working_days": RESPONSE_WORKING_DAYS},
        )
    if not grading.current_bands(programme):
        grading.set_bands(programme, ILLUSTRATIVE_BANDS)
    if not Inspection.objects.filter(slug=REINSPECTION_SLUG).exists():
        build_reinspection(practice)
        figures.recompute_programme(practice.pk)
    if not figures.has_stored_figures(programme):
        figures.recompute_programme(programme.pk)
    if not OutlierCase.objects.filter(inspection__programme=programme).exists():
        outliers.detect(programme)
        move_some_along(programme)
    add_findings()
    return {"loaded": True}


def build_reinspection(practice):
    """Dorset re-inspected in the practice round: every case reviewed, signed off."""
    lead = User.objects.get(username="lead")
    inspector = User.objects.get(username="inspector")
    inspection = Inspection.objects.create(
        slug=REINSPECTION_SLUG,
        programme=practice,
        force=Force.objects.get(code=DORSET),
        audit_period_start=date(2015, 11, 1),
        audit_period_end=date(2016, 4, 30),
        status=InspectionStatus.SIGNED_OFF,
        signed_off_by=lead,
        signed_off_at=timezone.now(),
        recording_time_limit_hours=24,
    )
    inspection.inspectors.add(inspector)
    groups = {group.code: group for group in OffenceGroup.objects.all()}
    rng = random.Random("demo-judgement-dorset-2016")
    planned = []
    should, recorded = REINSPECTION_RECORDING
    for number in range(should):
        was_recorded = number < recorded
        decisions = {"should_record": True, "was_recorded": was_recorded}
        if was_recorded:
            decisions["correctly_classified"] = rng.random() < 0.95
            decisions["on_time"] = rng.random() < 0.93
        planned.append(("incident", rng.choice(["VAP", "THF", "CDA", "BUR", "PUB"]), decisions))
    reviewed, correct = REINSPECTION_NO_CRIMES
    for number in range(reviewed):
        decisions = {
            "cancellation_correct": number < correct,
            "victim_informed": rng.random() < 0.85,
        }
        planned.append(("no_crime", rng.choice(["VAP", "SEX", "BUR"]), decisions))
    for number in range(30):
        decisions = {"disposal_appropriate": number < 26}
        planned.append(("oocd", rng.choice(["THF", "DRG", "CDA"]), decisions))
    rng.shuffle(planned)
    start = datetime.combine(date(2015, 11, 1), time(0), tzinfo=LONDON)
    cases = SampledCase.objects.bulk_create(
        SampledCase(
            inspection=inspection,
            reference=f"DOR16-{number:05d}",
            record_type=record_type,
            reported_at=start + timedelta(minutes=rng.randrange(180 * 24 * 60)),
            offence_group=groups[group],
            summary="Synthetic record of the re-inspection.",
            assigned_to=inspector,
        )
        for number, (record_type, group, _) in enumerate(planned, start=1)
    )
    CaseReview.objects.bulk_create(
        CaseReview(
            case=case,
            kind=ReviewKind.FIRST,
            record_type=case.record_type,
            reviewer=inspector,
            notes="",
            **decisions,
        )
        for case, (_, _, decisions) in zip(cases, planned, strict=True)
    )
    return inspection


def move_some_along(programme):
    """The first alarm told twelve working days ago (so overdue); the next also answered."""
    lead = User.objects.get(username="lead")
    cases = list(
        OutlierCase.objects.filter(inspection__programme=programme).order_by(
            "level", "metric", "inspection__slug"
        )
    )
    if cases:
        outliers.tell_force(cases[0], by=lead, told_at=timezone.now() - timedelta(days=18))
    if len(cases) > 1:
        outliers.tell_force(cases[1], by=lead, told_at=timezone.now() - timedelta(days=4))
        outliers.record_response(
            cases[1], by=lead, text="The force has rechecked the sampled records and agrees."
        )


def add_findings():
    """Dorset 2014's findings, one of them checked by the re-inspection; one of Essex's."""
    essex = Inspection.objects.filter(slug="essex-2014").first()
    if essex is not None and not Finding.objects.filter(inspection=essex).exists():
        improvement = Finding.objects.create(
            inspection=essex,
            kind=Finding.Kind.AREA_FOR_IMPROVEMENT,
            text="Tell victims when a recorded crime is cancelled, and note that they were told.",
        )
        FindingUpdate.objects.create(finding=improvement, status=FindingStatus.NEW)
    first = Inspection.objects.filter(slug="dorset-2014").first()
    again = Inspection.objects.filter(slug=REINSPECTION_SLUG).first()
    if first is None or Finding.objects.filter(inspection=first).exists():
        return
    lead = User.objects.get(username="lead")
    concern = Finding.objects.create(
        inspection=first,
        kind=Finding.Kind.CAUSE_OF_CONCERN,
        text="Too many reports of crime made to the force are not recorded as crimes.",
        status=FindingStatus.COMPLETE,
        reinspection=again,
    )
    recommendation = Finding.objects.create(
        inspection=first,
        kind=Finding.Kind.RECOMMENDATION,
        text="Within three months, review how incidents are closed without a crime record.",
        status=FindingStatus.IN_PROGRESS,
    )
    for finding, steps in (
        (concern, [FindingStatus.NEW, FindingStatus.IN_PROGRESS, FindingStatus.COMPLETE]),
        (recommendation, [FindingStatus.NEW, FindingStatus.IN_PROGRESS]),
    ):
        for status in steps:
            FindingUpdate.objects.create(finding=finding, status=status, by=lead)

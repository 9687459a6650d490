"""The demonstration programme: HMIC's 2014 crime-recording dip samples.

The counts that were published for each force (crimes that should have been
recorded, how many were, no-crime decisions reviewed and how many were
correct) are reproduced exactly. Everything the publications do not give is
synthetic and drawn from a fixed seed, so every load is identical: the records
that should not have been recorded, record types, offence groups, dates,
classification and timeliness of recorded crimes, victims told of no-crime
decisions, out-of-court disposals, and the narrative summaries.

With ``double_reviews``, each force's two inspectors share its cases: one
made the first reviews, the other the blind second reviews of the
double-review sample (10% of cases, as the workflow draws it). Where the two
disagree, the lead inspector's adjudicated decision sides with the first
review, so the figures (which count the adjudicated review over the first)
still reproduce the published counts.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from forces.models import Force, OffenceGroup
from forces.reference import load_reference_data
from inspect_app.accounts.models import User
from inspect_app.accounts.roles import Role
from inspect_app.inspections import decisions as decision_tree
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    InspectionStatus,
    Programme,
    ReviewKind,
    SampledCase,
)
from inspect_app.inspections.workflow.sample import in_double_review_sample

PROGRAMME_SLUG = "crime-recording-2014"
PROGRAMME_NAME = "Crime-recording inspection 2014"
AUDIT_PERIOD = (date(2012, 11, 1), date(2013, 10, 31))
FIELDWORK = (date(2014, 2, 1), date(2014, 8, 31))
TIME_LIMIT_HOURS = 72  # the 2014 rules
DOUBLE_REVIEW_SHARE = Decimal("0.100")
# How often the demo's second reviewer reaches a different answer on a decision
# that ends the tree (classification, timeliness, victim told, disposal).
DISAGREEMENT_RATE = 0.2
LONDON = ZoneInfo("Europe/London")
# A small round left open, so the demo's inspectors have cases to review.
PRACTICE_SLUG = "practice-round"
PRACTICE_CASES = 30


@dataclass(frozen=True)
class PublishedSample:
    """One force's 2014 dip sample as published."""

    force_code: str
    should_record: int
    recorded: int
    no_crimes_reviewed: int = 0
    no_crimes_correct: int = 0


PUBLISHED_2014 = (
    PublishedSample("E23000028", 120, 110, 73, 68),  # Essex
    PublishedSample("E23000027", 181, 130, 75, 71),  # Hertfordshire
    PublishedSample("E23000006", 90, 62, 71, 42),  # Cheshire
    PublishedSample("E23000013", 85, 67, 84, 47),  # Cleveland
    PublishedSample("E23000035", 117, 98, 104, 94),  # Devon and Cornwall
    PublishedSample("E23000039", 87, 61),  # Dorset
    PublishedSample("W15000002", 67, 58),  # Gwent
    PublishedSample("W15000001", 78, 73),  # North Wales
    PublishedSample("E23000024", 74, 63, 64, 58),  # Norfolk
    PublishedSample("E23000009", 64, 56),  # North Yorkshire
    PublishedSample("E23000033", 133, 111),  # Sussex
    PublishedSample("E23000029", 139, 118),  # Thames Valley
)

# Shares of the sampled crimes by offence group, and how much more often each
# group goes unrecorded (violence and sexual offences most, as HMIC found).
GROUP_SHARE = {
    "VAP": 34,
    "SEX": 5,
    "RAPE": 2,
    "ROB": 2,
    "BUR": 8,
    "VEH": 5,
    "THF": 20,
    "CDA": 12,
    "DRG": 2,
    "WPN": 1,
    "PUB": 8,
    "MISC": 1,
}
UNRECORDED_TILT = {"VAP": 1.8, "SEX": 1.5, "RAPE": 1.5, "PUB": 1.2, "CDA": 1.0}
NO_CRIME_SHARE = {"VAP": 45, "SEX": 12, "RAPE": 13, "ROB": 6, "BUR": 8, "THF": 10, "CDA": 6}
OOCD_SHARE = {"VAP": 30, "THF": 30, "DRG": 20, "CDA": 10, "PUB": 10}

SUMMARIES = {
    "VAP": "Caller reports being pushed and punched by a known person outside a shop; "
    "minor injury to the face.",
    "SEX": "Report of unwanted sexual touching on a bus; victim able to describe the suspect.",
    "RAPE": "Third-party report of a sexual assault at a house party; victim spoken to by "
    "a specially trained officer.",
    "ROB": "Mobile phone taken by force from a teenager in a park by two males.",
    "BUR": "Rear door forced at a dwelling while occupants away; jewellery taken.",
    "VEH": "Car window smashed and satnav taken overnight on a residential street.",
    "THF": "Bicycle taken from an unlocked garden shed.",
    "CDA": "Neighbour dispute: fence panels kicked in, caller wants it logged.",
    "DRG": "Small quantity of cannabis found on a male during a stop and search.",
    "WPN": "Kitchen knife found on a youth during a disturbance in a town centre.",
    "PUB": "Threatening and abusive shouting at door staff after closing time.",
    "MISC": "Report of a threatening letter received by a local business owner.",
}

DEMO_USERS = (
    # username, role, force code (commissioners only), first name, last name
    ("admin", Role.ADMIN, None, "Ada", "Admin"),
    ("lead", Role.LEAD_INSPECTOR, None, "Lee", "Lead"),
    # A second lead: a lead who made one of a case's blind reviews cannot adjudicate it.
    ("lead2", Role.LEAD_INSPECTOR, None, "Lena", "Lead"),
    ("inspector", Role.INSPECTOR, None, "Isla", "Inspector"),
    ("inspector2", Role.INSPECTOR, None, "Ivan", "Inspector"),
    ("commissioner", Role.COMMISSIONER, "E23000028", "Cara", "Commissioner"),
)


@dataclass
class DemoResult:
    created: bool
    inspections: int
    cases: int
    reviews: int
    passwords: dict


def ensure_demo_users(password=None):
    """Create or update the demo users; return {username: password} as set now."""
    passwords = {}
    for username, role, force_code, first, last in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.force = Force.objects.get(code=force_code) if force_code else None
        user.first_name, user.last_name = first, last
        user.email = f"{username}@inspectorate.example"
        passwords[username] = password or secrets.token_urlsafe(12)
        user.set_password(passwords[username])
        user.save()
    return passwords


@transaction.atomic
def load_demo(password=None, reset=False, double_reviews=True):
    """Load reference data, demo users and the 2014 programme (once, unless ``reset``).

    ``double_reviews`` adds blind second reviews and adjudications (see the
    module's docstring); without it every case has exactly its first review.
    """
    load_reference_data()
    passwords = ensure_demo_users(password)
    if reset:
        for slug in (PROGRAMME_SLUG, PRACTICE_SLUG):
            SampledCase.objects.filter(inspection__programme__slug=slug).delete()
            Inspection.objects.filter(programme__slug=slug).delete()
            Programme.objects.filter(slug=slug).delete()
    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    created = programme is None
    if created:
        programme = build_programme(double_reviews=double_reviews)
    if not Programme.objects.filter(slug=PRACTICE_SLUG).exists():
        build_practice_round()
    cases = SampledCase.objects.filter(inspection__programme=programme)
    return DemoResult(
        created=created,
        inspections=programme.inspections.count(),
        cases=cases.count(),
        reviews=CaseReview.objects.filter(case__in=cases).count(),
        passwords=passwords,
    )


def build_practice_round():
    """One inspection under review, its cases not yet reviewed: some assigned, some not."""
    programme = Programme.objects.create(
        slug=PRACTICE_SLUG,
        name="Practice round (open for review)",
        description="Synthetic records for trying the review workflow; not published figures.",
    )
    inspectors = [User.objects.get(username="inspector"), User.objects.get(username="inspector2")]
    inspection = Inspection.objects.create(
        slug="essex-practice",
        programme=programme,
        force=Force.objects.get(code="E23000028"),
        audit_period_start=date(2015, 11, 1),
        audit_period_end=date(2016, 4, 30),
        status=InspectionStatus.REVIEW,
        recording_time_limit_hours=24,
        double_review_fraction=Decimal("0.200"),
    )
    leads = list(User.objects.filter(username__in=("lead", "lead2")))
    inspection.inspectors.add(*inspectors, *leads)
    groups = {group.code: group for group in OffenceGroup.objects.all()}
    rng = random.Random("demo-practice")
    start = datetime.combine(date(2015, 11, 1), time(0), tzinfo=LONDON)
    cases = []
    for number in range(1, PRACTICE_CASES + 1):
        record_type = rng.choice(
            [RecordType.INCIDENT] * 3
            + [RecordType.OTHER_SYSTEM, RecordType.NO_CRIME, RecordType.OOCD]
        )
        group = rng.choice(
            list(NO_CRIME_SHARE if record_type == RecordType.NO_CRIME else GROUP_SHARE)
        )
        # The first ten go to one inspector, five to the other; the rest wait to be claimed.
        assignee = inspectors[0] if number <= 10 else inspectors[1] if number <= 15 else None
        cases.append(
            SampledCase(
                inspection=inspection,
                reference=f"PR-{number:04d}",
                record_type=record_type,
                reported_at=start + timedelta(minutes=rng.randrange(180 * 24 * 60)),
                offence_group=groups[group],
                summary=SUMMARIES[group],
                assigned_to=assignee,
            )
        )
    SampledCase.objects.bulk_create(cases)
    return programme


def build_programme(double_reviews=False):
    programme = Programme.objects.create(
        slug=PROGRAMME_SLUG,
        name=PROGRAMME_NAME,
        year=2014,
        description="Dip samples of 2014 as reported by the forces and the press; "
        "the remaining detail of the demonstration records is synthetic.",
    )
    groups = {group.code: group for group in OffenceGroup.objects.all()}
    inspectors = [User.objects.get(username="inspector"), User.objects.get(username="inspector2")]
    lead = User.objects.get(username="lead")
    forces = Force.objects.in_bulk([s.force_code for s in PUBLISHED_2014], field_name="code")
    for index, sample in enumerate(PUBLISHED_2014):
        force = forces[sample.force_code]
        inspector, second_reviewer = inspectors[index % 2], inspectors[(index + 1) % 2]
        inspection = Inspection.objects.create(
            slug=f"{force.slug}-2014",
            programme=programme,
            force=force,
            audit_period_start=AUDIT_PERIOD[0],
            audit_period_end=AUDIT_PERIOD[1],
            fieldwork_start=FIELDWORK[0],
            fieldwork_end=FIELDWORK[1],
            status=InspectionStatus.PUBLISHED,
            recording_time_limit_hours=TIME_LIMIT_HOURS,
            double_review_fraction=DOUBLE_REVIEW_SHARE,
        )
        inspection.inspectors.add(inspector)
        build_sample(inspection, sample, groups, inspector)
        if double_reviews:
            inspection.inspectors.add(second_reviewer)
            build_double_reviews(inspection, second_reviewer, lead)
    return programme


def build_sample(inspection, sample, groups, reviewer):
    """Create the cases and first reviews of one force's sample."""
    rng = random.Random(f"demo-2014-{sample.force_code}")
    prefix = inspection.force.code[-3:]
    planned = []  # (record_type, group code, decisions)

    unrecorded = sample.should_record - sample.recorded
    for was_recorded, count in ((True, sample.recorded), (False, unrecorded)):
        tilt = {} if was_recorded else UNRECORDED_TILT
        for group in _draw_groups(rng, GROUP_SHARE, count, tilt):
            decisions = {"should_record": True, "was_recorded": was_recorded}
            if was_recorded:
                decisions["correctly_classified"] = rng.random() < 0.94
                decisions["on_time"] = rng.random() < 0.91
            planned.append((_incident_or_other(rng), group, decisions))
    not_crimes = round(sample.should_record * 0.15)
    for _ in range(not_crimes):
        planned.append((_incident_or_other(rng), None, {"should_record": False}))

    no_crime_groups = _draw_groups(rng, NO_CRIME_SHARE, sample.no_crimes_reviewed)
    for index, group in enumerate(no_crime_groups):
        planned.append(
            (
                RecordType.NO_CRIME,
                group,
                {
                    "cancellation_correct": index < sample.no_crimes_correct,
                    "victim_informed": rng.random() < 0.8,
                },
            )
        )
    for group in _draw_groups(rng, OOCD_SHARE, rng.randint(30, 50)):
        planned.append((RecordType.OOCD, group, {"disposal_appropriate": rng.random() < 0.86}))

    rng.shuffle(planned)
    start = datetime.combine(AUDIT_PERIOD[0], time(0), tzinfo=LONDON)
    period_minutes = (AUDIT_PERIOD[1] - AUDIT_PERIOD[0]).days * 24 * 60
    cases = SampledCase.objects.bulk_create(
        SampledCase(
            inspection=inspection,
            reference=f"{prefix}-{record_type[:2].upper()}-{number:05d}",
            record_type=record_type,
            reported_at=start + timedelta(minutes=rng.randrange(period_minutes)),
            offence_group=groups[group] if group else None,
            summary=SUMMARIES[group]
            if group
            else "Caller reports a concern for a neighbour; "
            "officers attended and found no offence disclosed.",
            assigned_to=reviewer,
        )
        for number, (record_type, group, _) in enumerate(planned, start=1)
    )
    CaseReview.objects.bulk_create(
        CaseReview(
            case=case,
            kind=ReviewKind.FIRST,
            record_type=case.record_type,
            reviewer=reviewer,
            notes="",
            **decisions,
        )
        for case, (_, _, decisions) in zip(cases, planned, strict=True)
    )


def build_double_reviews(inspection, second_reviewer, adjudicator):
    """Blind second reviews of the inspection's double-review sample, and adjudications.

    The second reviewer agrees with the first except, now and then, on one
    decision that ends the tree; the adjudicated review then confirms the
    first review's answers, so no published count moves.
    """
    firsts = CaseReview.objects.filter(
        case__inspection=inspection, kind=ReviewKind.FIRST
    ).select_related("case", "case__inspection")
    sampled = [
        review
        for review in firsts.order_by("case__reference")
        if in_double_review_sample(review.case)
    ]
    seconds, adjudications = [], []
    for first in sampled:
        rng = random.Random(f"demo-2014-double-{first.case.reference}")
        answers = first.answers()
        # Flipping a decision others depend on would need the tree's later
        # answers changed too; the demo keeps to those nothing depends on.
        leaves = [
            decision.field
            for decision in decision_tree.questions_to_answer(first.record_type, answers)
            if decision.field not in ("should_record", "was_recorded")
        ]
        second_answers = dict(answers)
        if leaves and rng.random() < DISAGREEMENT_RATE:
            flipped = rng.choice(leaves)
            second_answers[flipped] = not answers[flipped]
        seconds.append(
            CaseReview(
                case=first.case,
                kind=ReviewKind.SECOND,
                record_type=first.record_type,
                reviewer=second_reviewer,
                **second_answers,
            )
        )
        if second_answers != answers:
            adjudications.append(
                CaseReview(
                    case=first.case,
                    kind=ReviewKind.ADJUDICATED,
                    record_type=first.record_type,
                    reviewer=adjudicator,
                    notes="Adjudicated: the first review's decision stands.",
                    **answers,
                )
            )
    SampledCase.objects.filter(pk__in=[review.case_id for review in sampled]).update(
        second_reviewer=second_reviewer
    )
    CaseReview.objects.bulk_create(seconds + adjudications)


def _incident_or_other(rng):
    return RecordType.INCIDENT if rng.random() < 0.7 else RecordType.OTHER_SYSTEM


def _draw_groups(rng, shares, count, tilt=None):
    codes = list(shares)
    weights = [shares[code] * (tilt or {}).get(code, 1.0) for code in codes]
    return rng.choices(codes, weights=weights, k=count)

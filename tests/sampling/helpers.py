"""An extract in a few lines, for the sampling tests."""

from inspect_app.inspections.models import SampledCase
from inspect_app.sampling import drawing, extracts, planning
from tests.factories import CaseReviewFactory, SampledCaseFactory

HEADER = "reference,record_type,reported_at,offence_group,route,summary\n"


def small_extract(inspection, tmp_path, incidents=80, no_crimes=20):
    """``incidents`` incident records I001… and ``no_crimes`` no-crime records N001… (VAP)."""
    lines = [HEADER]
    lines += [
        f"I{number:03d},incident,2025-03-{1 + number % 28:02d} 10:00,,control room,story {number}\n"
        for number in range(1, incidents + 1)
    ]
    lines += [
        f"N{number:03d},no_crime,2025-04-{1 + number % 28:02d} 09:00,VAP,front desk,\n"
        for number in range(1, no_crimes + 1)
    ]
    path = tmp_path / "extract.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return extracts.import_extract(path, inspection, filename="extract.csv").extract


def draw_and_review(inspection, tmp_path, reviewer, group=None):
    """Essex drawn by route from 400 incidents: 40 online (sampled whole, half recorded),
    360 from the control room (sampled at a low rate, nearly all recorded); a seventh of
    the reviewed incidents should not have been recorded (outside the figure's domain).
    With ``group`` every record is of that offence group."""
    small_extract(inspection, tmp_path, incidents=400, no_crimes=0)
    records = inspection.extract.records.order_by("reference")
    if group is not None:
        records.update(offence_group=group)
    records.filter(pk__in=list(records.values_list("pk", flat=True)[:40])).update(route="online")
    planning.save(
        planning.propose(
            inspection, stratify_by="route", margin=0.1, minimum=20, allocation_method="equal"
        )
    )
    drawing.draw_sample(inspection, 2014)
    cases = SampledCase.objects.filter(inspection=inspection).select_related("drawn__stratum")
    for index, case in enumerate(cases.order_by("reference")):
        online = case.drawn.stratum.label == "online"
        should = index % 7 != 0
        recorded = (index % 2 == 0) if online else (index % 11 != 0)
        CaseReviewFactory(
            case=case,
            reviewer=reviewer,
            should_record=should,
            was_recorded=recorded if should else None,
        )


def plain_cases(inspection, reviewer, *, recorded, of, group=None):
    """``of`` cases of a batch, each reviewed as a crime that should be recorded, the
    first ``recorded`` of them recorded."""
    for number in range(of):
        CaseReviewFactory(
            case=SampledCaseFactory(
                inspection=inspection, reference=f"{inspection.pk}-{number}", offence_group=group
            ),
            reviewer=reviewer,
            should_record=True,
            was_recorded=number < recorded,
        )

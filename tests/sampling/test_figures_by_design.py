"""A drawn inspection's figures are the design-weighted ones; the others stay simple."""

import json

import pytest
from django.core.management import call_command

from inspect_app.compliance import figures
from inspect_app.core import design
from inspect_app.inspections.models import SampledCase
from inspect_app.sampling import drawing, planning
from tests.factories import CaseReviewFactory
from tests.sampling.helpers import small_extract


def review(case, reviewer, *, should_record, was_recorded):
    CaseReviewFactory(
        case=case, reviewer=reviewer, should_record=should_record, was_recorded=was_recorded
    )


@pytest.mark.django_db
def test_a_drawn_inspections_recording_rate_is_weighted_by_its_strata(
    inspection_a, inspection_b, tmp_path, inspector_user, capsys
):
    small_extract(inspection_a, tmp_path, incidents=400, no_crimes=0)
    # Two strata sampled at very different rates: by route.
    records = inspection_a.extract.records.order_by("reference")
    records.filter(pk__in=list(records.values_list("pk", flat=True)[:40])).update(route="online")
    proposal = planning.propose(
        inspection_a, stratify_by="route", margin=0.1, minimum=20, allocation_method="equal"
    )
    planning.save(proposal)
    drawing.draw_sample(inspection_a, 2014)
    cases = SampledCase.objects.filter(inspection=inspection_a).select_related("drawn__stratum")
    # Control room (N = 360): every reviewed case recorded; online (N = 40): half of them.
    counts = {}
    for index, case in enumerate(cases.order_by("reference")):
        label = case.drawn.stratum.label
        seen = counts.setdefault(label, [0, 0])
        seen[0] += 1
        should = index % 7 != 0  # some crimes that should not have been recorded: a domain
        recorded = (label == "control room") or seen[0] % 2 == 0
        if should:
            seen[1] += recorded
        review(
            case, inspector_user, should_record=should, was_recorded=recorded if should else None
        )
    call_command("recompute_figures", "--all")
    capsys.readouterr()
    call_command("compliance_report", "--inspection", inspection_a.slug, "--format", "json")
    rows = json.loads(capsys.readouterr().out)["rows"]
    row = next(r for r in rows if r["scope"] == "inspection" and r["metric"] == "recording_rate")
    assert row["design"] == "stratified"

    # The same estimate from the counts, stratum by stratum.
    strata = []
    for stratum in inspection_a.draw.plan.strata.all():
        drawn = SampledCase.objects.filter(drawn__stratum=stratum)
        judged = drawn.filter(reviews__should_record=True)
        strata.append(
            design.StratumCounts(
                population=stratum.population,
                reviewed=drawn.count(),
                judged=judged.count(),
                met=judged.filter(reviews__was_recorded=True).count(),
            )
        )
    expected = design.ratio_estimate(strata)
    assert row["rate"] == round(expected.rate, 5)
    assert (row["numerator"], row["denominator"]) == (expected.numerator, expected.denominator)
    assert row["unweighted_rate"] == round(expected.numerator / expected.denominator, 5)
    assert row["rate"] != row["unweighted_rate"]
    low, high = design.interval(
        expected.rate, expected.variance, expected.effective_sample_size, "wilson"
    )
    assert (row["ci_low"], row["ci_high"]) == (round(low, 5), round(high, 5))

    call_command("compliance_report", "--inspection", inspection_b.slug, "--format", "json")
    other = json.loads(capsys.readouterr().out)["rows"]
    assert all(r["design"] == "simple" and "unweighted_rate" not in r for r in other)


@pytest.mark.django_db
def test_the_national_weighted_figure_takes_the_design_rate(inspection_a, tmp_path, inspector_user):
    small_extract(inspection_a, tmp_path, incidents=200, no_crimes=0)
    planning.save(planning.propose(inspection_a, stratify_by="record_type", margin=0.2, minimum=5))
    drawing.draw_sample(inspection_a, 1)
    for index, case in enumerate(SampledCase.objects.filter(inspection=inspection_a)):
        review(case, inspector_user, should_record=True, was_recorded=index % 4 != 0)
    stored = figures.compute_programme_figures(inspection_a.programme_id)
    mine = next(f for f in stored if f.scope == "inspection" and f.metric == "recording_rate")
    assert mine.design == "stratified" and mine.weighted_rate is not None
    national = next(
        f for f in stored if f.scope == "programme" and f.weighted and f.metric == "recording_rate"
    )
    # Only this force has cases, so the national figure is its design-based one.
    assert national.weighted_rate == pytest.approx(mine.weighted_rate)
    assert national.standard_error == pytest.approx(mine.standard_error)

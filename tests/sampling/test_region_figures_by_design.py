"""A region with a drawn force is figured as the programme's weighted figure is: each force's
own rate (design-weighted where it was drawn) weighted by its recorded-crime volume.

Checked against an independent calculation: samplics for the drawn force's stratified ratio
estimate, and the volume weighting and Wilson interval worked by hand.
"""

import json
import math
import warnings

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from forces.models import Force
from inspect_app.inspections.models import CaseReview, SampledCase
from tests.factories import InspectionFactory
from tests.sampling.helpers import draw_and_review, plain_cases

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

pytestmark = pytest.mark.django_db
Z95 = 1.959963984540054


def samplics_estimate(inspection):
    """The drawn force's recording rate and its variance, by samplics from the cases."""
    stratum, weight, x, y, fpc = [], [], [], [], {}
    drawn = SampledCase.objects.filter(inspection=inspection).select_related("drawn__stratum")
    reviewed = {}
    for case in drawn:
        reviewed[case.drawn.stratum_id] = reviewed.get(case.drawn.stratum_id, 0) + 1
    for case in drawn:
        review = CaseReview.objects.get(case=case)
        s = case.drawn.stratum
        judged = review.should_record is True and review.was_recorded is not None
        stratum.append(s.label)
        weight.append(s.population / reviewed[s.pk])
        x.append(float(judged))
        y.append(float(judged and review.was_recorded))
        fpc[s.label] = 1 - reviewed[s.pk] / s.population
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = TaylorEstimator(PopParam.ratio)
        estimator.estimate(
            y=np.array(y), x=np.array(x), samp_weight=np.array(weight), stratum=np.array(stratum),
            fpc=dict(sorted(fpc.items())),  # in the order of the strata, as samplics asks
        )  # fmt: skip
    return float(estimator.point_est), float(estimator.variance)


def wilson(rate, n, z=Z95):
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    spread = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return centre - spread, centre + spread


def report(capsys, programme, *extra):
    capsys.readouterr()
    call_command("compliance_report", "--programme", programme.slug, "--format", "json", *extra)
    captured = capsys.readouterr()
    return json.loads(captured.out)["rows"], captured.err


def region_row(rows, code, metric="recording_rate"):
    return next(
        r for r in rows if r["scope"] == "region" and r["region"] == code and r["metric"] == metric
    )


def test_a_region_mixing_a_drawn_and_a_plain_force_weights_each_by_its_volume(
    inspection_a, inspection_b, programme, tmp_path, inspector_user, capsys
):
    essex, herts = inspection_a.force, inspection_b.force
    assert essex.region_id == herts.region_id  # both in the East of England
    draw_and_review(inspection_a, tmp_path, inspector_user)
    plain_cases(inspection_b, inspector_user, recorded=45, of=60)
    # A force of another region, plain: its region stays pooled.
    kent = Force.objects.get(code="E23000032")
    plain_cases(
        InspectionFactory(programme=programme, force=kent, slug="kent-test"),
        inspector_user,
        recorded=50,
        of=55,
    )
    call_command("recompute_figures", "--all")

    # By hand: Essex by samplics, Hertfordshire k / n, weighted by recorded crime.
    p_essex, v_essex = samplics_estimate(inspection_a)
    p_herts, v_herts = 45 / 60, (45 / 60) * (15 / 60) / 60
    total = essex.recorded_crime_volume + herts.recorded_crime_volume
    w_essex, w_herts = essex.recorded_crime_volume / total, herts.recorded_crime_volume / total
    rate = w_essex * p_essex + w_herts * p_herts
    variance = w_essex**2 * v_essex + w_herts**2 * v_herts
    low, high = wilson(rate, rate * (1 - rate) / variance)

    rows, _ = report(capsys, programme)
    row = region_row(rows, essex.region.code)
    assert row["design"] == "stratified"
    assert row["rate"] == pytest.approx(rate, abs=1e-5)
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(low, abs=1e-5),
        pytest.approx(high, abs=1e-5),
    )
    # The raw counts pooled, and their plain rate beside the weighted one.
    essex_row = next(
        r
        for r in rows
        if r["scope"] == "inspection"
        and r["inspection"] == inspection_a.slug
        and r["metric"] == "recording_rate"
    )
    assert row["numerator"] == essex_row["numerator"] + 45
    assert row["denominator"] == essex_row["denominator"] + 60
    assert row["unweighted_rate"] == round(row["numerator"] / row["denominator"], 5)
    assert abs(row["rate"] - row["unweighted_rate"]) > 0.01

    # The normal interval is p ± z·√v.
    normal, _ = report(capsys, programme, "--method", "normal")
    row = region_row(normal, essex.region.code)
    spread = Z95 * math.sqrt(variance)
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(rate - spread, abs=1e-5),
        pytest.approx(min(1.0, rate + spread), abs=1e-5),
    )

    # A region of plain forces only keeps its pooled k / n.
    kent_row = region_row(rows, kent.region.code)
    assert kent_row["design"] == "simple" and "unweighted_rate" not in kent_row
    assert kent_row["rate"] == round(50 / 55, 5)

    # The programme's weighted figure is made by the same code and says so too.
    national = next(
        r
        for r in rows
        if r["scope"] == "programme" and r["weighted"] and r["metric"] == "recording_rate"
    )
    assert national["design"] == "stratified"
    assert national["unweighted_rate"] == round(national["numerator"] / national["denominator"], 5)


def test_a_region_with_a_drawn_force_without_a_volume_has_no_figure_and_says_why(
    inspection_a, inspection_b, programme, tmp_path, inspector_user, capsys
):
    draw_and_review(inspection_a, tmp_path, inspector_user)
    plain_cases(inspection_b, inspector_user, recorded=45, of=60)
    Force.objects.filter(pk=inspection_b.force_id).update(recorded_crime_volume=None)
    call_command("recompute_figures", "--all")

    rows, err = report(capsys, programme)
    region = inspection_a.force.region
    assert not [r for r in rows if r["scope"] == "region" and r["metric"] == "recording_rate"]
    assert (
        f"no figure for recording_rate of region {region.name}: no region figure: "
        f"Hertfordshire (E23000027) has no recorded-crime volume"
    ) in err


def test_the_programme_page_says_which_regions_are_weighted_and_why(
    inspection_a, inspection_b, programme, tmp_path, inspector_user, admin_user, client
):
    draw_and_review(inspection_a, tmp_path, inspector_user)
    plain_cases(inspection_b, inspector_user, recorded=45, of=60)
    call_command("recompute_figures", "--all")
    client.force_login(admin_user)
    page = client.get(reverse("programme-detail", args=[programme.slug])).content.decode()
    assert 'id="regions-design-note"' in page
    assert "East of England: weighted by recorded crime." in page
    assert "except the regions named above, which are weighted" in page

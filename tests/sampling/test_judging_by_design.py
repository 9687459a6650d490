"""A force drawn by a plan is judged by its design-weighted figure, never by its raw counts.

Its raw k / n over-represents the strata sampled most heavily (in ``draw_and_review``,
the online incidents, sampled whole and half recorded, against the control room's,
sampled thinly and nearly all recorded). Wherever a method asks for k of n — the
funnel's limits, a grade's certainty, the change since the last inspection — the force
comes as its weighted rate at its effective sample size; a figure pooled across forces
takes its weighted rate at the weight of its judged cases. Each is checked by hand.
"""

import json
import math

import pytest
from django.core.management import call_command
from django.urls import reverse

from forces.models import Force
from inspect_app.compliance import by_design, figures
from inspect_app.compliance.models import ComplianceFigure, Metric, Scope
from inspect_app.core import judgement
from inspect_app.dashboard.charts.funnel import funnel_chart, funnel_data
from inspect_app.dashboard.forms import Presentation
from inspect_app.dashboard.rows import force_rows, pooled_offence_group_figures
from inspect_app.judgement.targets import programme_targets
from inspect_app.publication import as_published, presenting
from tests.factories import InspectionFactory, ProgrammeFactory, offence_group
from tests.publication.builders import signed_off_and_published
from tests.sampling.helpers import draw_and_review, plain_cases

pytestmark = pytest.mark.django_db
Z95 = 1.959963984540054
BANDS = "good:0.85,requires improvement:0.75,inadequate:0"


def wilson(rate, n, z=Z95):
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    spread = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return centre - spread, centre + spread


def stored(inspection, metric=Metric.RECORDING_RATE, scope=Scope.INSPECTION):
    return ComplianceFigure.objects.get(inspection=inspection, metric=metric, scope=scope)


@pytest.fixture
def drawn_among_plain(inspection_a, inspection_b, programme, tmp_path, inspector_user):
    """Essex drawn (raw rate about 70%, weighted about 88%) among two plain forces
    recording 87% and 88% of 300 cases each."""
    draw_and_review(inspection_a, tmp_path, inspector_user)
    plain_cases(inspection_b, inspector_user, recorded=261, of=300)
    kent = InspectionFactory(
        programme=programme, force=Force.objects.get(code="E23000032"), slug="kent-test"
    )
    plain_cases(kent, inspector_user, recorded=264, of=300)
    call_command("recompute_figures", "--all")
    call_command("grade_bands", "--programme", programme.slug, "--set", BANDS)
    return stored(inspection_a)


def test_a_drawn_figure_is_worth_its_weighted_rate_at_its_effective_sample_size(
    drawn_among_plain, inspection_b
):
    figure = drawn_among_plain
    assert figure.design == figure.Design.STRATIFIED
    met, cases = by_design.worth(figure)
    assert cases == pytest.approx(figure.effective_sample_size)
    assert met / cases == pytest.approx(figure.weighted_rate)
    # n* is p(1 − p)/v, the size of the simple random sample as precise as the estimate.
    rate = figure.weighted_rate
    assert cases == pytest.approx(rate * (1 - rate) / figure.standard_error**2)
    plain = stored(inspection_b)
    assert by_design.worth(plain) == (261, 300)


def test_the_funnel_and_the_grade_judge_a_drawn_force_by_its_weighted_figure(
    drawn_among_plain, programme, inspection_a, capsys
):
    figure = drawn_among_plain
    target = programme_targets(programme)[Metric.RECORDING_RATE].rate
    # Its raw counts would put it below the limits, and grade it inadequate ...
    raw_level, raw_side = judgement.funnel_position(figure.numerator, figure.denominator, target)
    assert raw_level != judgement.WITHIN and raw_side == judgement.LOW
    assert figure.numerator / figure.denominator < 0.75
    # ... where its weighted figure, at the sample size it is worth, lies within them.
    assert figure.weighted_rate > 0.85
    capsys.readouterr()
    call_command("compliance_report", "--programme", programme.slug, "--format", "json")
    rows = json.loads(capsys.readouterr().out)["rows"]
    row = next(
        r
        for r in rows
        if r["scope"] == "inspection"
        and r["inspection"] == inspection_a.slug
        and r["metric"] == "recording_rate"
    )
    met, cases = by_design.worth(figure)
    assert row["funnel"] == judgement.funnel_position(met, cases, target)[0] == judgement.WITHIN
    assert row["grade"] == "good"
    bands = judgement.parse_bands(BANDS)
    assert row["grade_certainty"] == round(judgement.grade_certainty(met, cases, bands), 5)

    capsys.readouterr()
    call_command("outliers", "--programme", programme.slug, "--format", "json")
    outliers = json.loads(capsys.readouterr().out)["outliers"]
    assert not [o for o in outliers if o["inspection"] == inspection_a.slug]


def test_the_funnel_chart_places_a_drawn_force_at_the_sample_size_it_is_worth(
    drawn_among_plain, programme
):
    presentation = Presentation()
    shown = figures.every_stored_figure(programme=programme).filter(
        scope=Scope.INSPECTION, metric=Metric.RECORDING_RATE
    )
    rows = force_rows(shown, presentation)
    target = programme_targets(programme)[Metric.RECORDING_RATE].rate
    funnel = funnel_data(rows, target)
    assert funnel.positions["Essex"][0] == judgement.WITHIN
    assert "Essex" not in funnel.outliers
    chart = funnel_chart(rows, presentation, funnel, target_name="Programme rate")
    assert chart.figure.data  # plotly accepts the spec
    points = [
        (x, y)
        for trace in chart.spec["data"]
        if trace.get("mode") == "markers"
        for x, y in zip(trace["x"], trace["y"], strict=True)
    ]
    essex = drawn_among_plain
    assert (
        pytest.approx(essex.effective_sample_size),
        pytest.approx(essex.weighted_rate),
    ) in points
    assert (300, 261 / 300) in points
    assert "Essex was drawn from its extract by a plan" in chart.summary


def test_the_change_since_last_time_compares_the_drawn_forces_weighted_rate(
    inspection_a, tmp_path, inspector_user, capsys
):
    earlier = InspectionFactory(
        programme=ProgrammeFactory(slug="earlier", year=2013),
        force=inspection_a.force,
        slug="essex-2013",
    )
    plain_cases(earlier, inspector_user, recorded=60, of=100)
    draw_and_review(inspection_a, tmp_path, inspector_user)
    call_command("recompute_figures", "--all")
    figure = stored(inspection_a)
    capsys.readouterr()
    call_command("compare_inspections", earlier.slug, inspection_a.slug, "--format", "json")
    row = next(
        r for r in json.loads(capsys.readouterr().out)["rows"] if r["metric"] == "recording_rate"
    )
    rate_b, n_b = figure.weighted_rate, figure.effective_sample_size
    low_a, high_a = wilson(0.6, 100)
    low_b, high_b = wilson(rate_b, n_b)
    difference = rate_b - 0.6
    assert row["rate_b"] == round(rate_b, 5)
    assert row["difference"] == round(difference, 5)
    low = difference - math.sqrt((rate_b - low_b) ** 2 + (high_a - 0.6) ** 2)
    high = difference + math.sqrt((high_b - rate_b) ** 2 + (0.6 - low_a) ** 2)
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(low, abs=1e-5),
        pytest.approx(high, abs=1e-5),
    )


def test_a_published_drawn_figure_is_compared_at_what_its_interval_says_it_is_worth():
    # A published row keeps its rate and interval, not its variance: n* is found again.
    rate, cases = 0.88, 143.0
    low, high = wilson(rate, cases)
    now = {
        "scope": "inspection", "metric": "recording_rate", "design": "stratified",
        "numerator": 100, "denominator": 140, "rate": rate, "ci_low": low, "ci_high": high,
    }  # fmt: skip
    then = {**now, "design": "simple", "numerator": 60, "denominator": 100, "rate": 0.6}
    then["ci_low"], then["ci_high"] = wilson(0.6, 100)
    met, found = as_published.published_worth(now, "wilson", 0.95)
    assert found == pytest.approx(cases, rel=1e-6)
    assert met / found == pytest.approx(rate)
    assert as_published.published_worth(then, "wilson", 0.95) == (60, 100)
    (change,) = [c for c in presenting.changes([now], [then]) if c.judged]
    assert change.judged.document()["rate_b"] == rate
    assert change.judged.difference.difference == pytest.approx(rate - 0.6)


def test_an_offence_group_pooled_across_forces_takes_a_drawn_forces_weighted_rate(
    inspection_a, inspection_b, tmp_path, inspector_user, lead_user, programme, client
):
    vap = offence_group("VAP")
    draw_and_review(inspection_a, tmp_path, inspector_user, group=vap)
    plain_cases(inspection_b, inspector_user, recorded=45, of=60, group=vap)
    call_command("recompute_figures", "--all")
    essex = stored(inspection_a, scope=Scope.OFFENCE_GROUP)
    assert essex.offence_group_id == vap.pk and essex.design == essex.Design.STRATIFIED
    d_e, p_e, v_e = essex.denominator, essex.weighted_rate, essex.standard_error**2
    # By hand: each force counts for the cases it judged, Essex at its weighted rate.
    total = d_e + 60
    rate = (d_e * p_e + 60 * 0.75) / total
    variance = (d_e / total) ** 2 * v_e + (60 / total) ** 2 * (0.75 * 0.25 / 60)

    def check(pooled):
        assert pooled.design == pooled.Design.STRATIFIED
        assert (pooled.numerator, pooled.denominator) == (essex.numerator + 45, total)
        assert pooled.weighted_rate == pytest.approx(rate)
        assert pooled.standard_error == pytest.approx(math.sqrt(variance))
        (shown,) = figures.present([pooled], "wilson", 0.95)
        assert shown.rate == pytest.approx(rate)
        assert (shown.ci_low, shown.ci_high) == pytest.approx(
            wilson(rate, rate * (1 - rate) / variance)
        )
        # The plain pooled k / n would be well off it.
        assert abs(pooled.numerator / pooled.denominator - rate) > 0.05

    live = [
        figure
        for figure in pooled_offence_group_figures(
            figures.every_stored_figure(programme=programme), Metric.RECORDING_RATE
        )
        if figure.offence_group_id == vap.pk
    ]
    assert len(live) == 1
    check(live[0])
    # The pages say so, in words.
    client.force_login(lead_user)
    body = client.get(reverse("programme-detail", args=[programme.slug])).content.decode()
    assert "a drawn force at its weighted rate" in body and "groups-design-note" in body
    body = client.get(reverse("offence-detail", args=[programme.slug, "vap"])).content.decode()
    assert "Weighted by the sample design where a force was drawn" in body
    assert f"{rate * 100:.1f}%" in body

    signed_off_and_published(inspection_a, lead_user)
    signed_off_and_published(inspection_b, lead_user)
    published = [
        group
        for group in as_published.programme_as_published(programme).groups
        if group.metric == Metric.RECORDING_RATE and group.group_code == "VAP"
    ]
    assert len(published) == 1
    pooled = published[0]
    # As published, Essex's variance is found again from its rounded interval.
    assert pooled.weighted_rate == pytest.approx(rate, abs=1e-4)
    assert pooled.standard_error == pytest.approx(math.sqrt(variance), rel=1e-3)


def test_offence_groups_of_plain_forces_only_stay_pooled_k_of_n(
    inspection_a, inspection_b, inspector_user, lead_user, programme, client
):
    client.force_login(lead_user)
    vap = offence_group("VAP")
    plain_cases(inspection_a, inspector_user, recorded=30, of=40, group=vap)
    plain_cases(inspection_b, inspector_user, recorded=45, of=60, group=vap)
    call_command("recompute_figures", "--all")
    (pooled,) = [
        figure
        for figure in pooled_offence_group_figures(
            figures.every_stored_figure(programme=programme), Metric.RECORDING_RATE
        )
        if figure.offence_group_id == vap.pk
    ]
    assert pooled.design != pooled.Design.STRATIFIED and pooled.weighted_rate is None
    (shown,) = figures.present([pooled], "wilson", 0.95)
    assert shown.rate == 75 / 100
    body = client.get(reverse("offence-detail", args=[programme.slug, "vap"])).content.decode()
    assert "Weighted by the sample design" not in body


def test_the_judgement_page_and_its_download_judge_a_drawn_force_by_its_weighted_figure(
    drawn_among_plain, inspection_a, lead_user, client
):
    client.force_login(lead_user)
    document = client.get(reverse("inspection-judgement-json", args=[inspection_a.slug])).json()
    recording = next(r for r in document["rows"] if r["metric"] == "recording_rate")
    assert recording["funnel"] == judgement.WITHIN
    assert recording["grade"] == "good"
    assert recording["rate"] == pytest.approx(drawn_among_plain.weighted_rate, abs=1e-5)
    body = client.get(reverse("inspection-judgement", args=[inspection_a.slug])).content.decode()
    assert "Within the 95% limits" in body

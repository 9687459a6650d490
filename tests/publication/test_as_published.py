"""The programme page "as published": each force's latest published version, for staff."""

import pytest
from django.urls import reverse

from inspect_app.compliance import figures
from inspect_app.inspections.workflow import signoff
from inspect_app.publication.publishing import publish
from tests.compliance.factories import RECORDED, UNRECORDED, many_reviewed_cases

pytestmark = pytest.mark.django_db


def programme_page(client, programme, **query):
    return client.get(reverse("programme-detail", args=[programme.slug]), query)


def force_row(response, name):
    return next(row for row in response.context["tables"]["forces"].data if row.name == name)


def test_as_published_shows_the_published_counts_while_the_live_ones_move(
    client, signed_off_a, inspection_b, lead_user
):
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    many_reviewed_cases(inspection_b, 40, offence_group="VAP", **RECORDED)
    figures.recompute_programme(signed_off_a.programme_id)
    client.force_login(lead_user)

    live = programme_page(client, signed_off_a.programme)
    assert (force_row(live, "Essex").numerator, force_row(live, "Essex").denominator) == (110, 150)
    assert "live — draft, not published" in live.content.decode()

    shown = programme_page(client, signed_off_a.programme, figures="published")
    text = shown.content.decode()
    essex = force_row(shown, "Essex")
    assert (essex.numerator, essex.denominator) == (110, 120)
    hertfordshire = force_row(shown, "Hertfordshire")
    assert not hertfordshire.available
    assert hertfordshire.reliability == "No figure: not yet published"
    assert "as published on" in text and "1 of 2 forces published" in text
    assert "live — draft, not published" not in text
    # The national figures come from the published counts only.
    assert (shown.context["pooled"].numerator, shown.context["pooled"].denominator) == (110, 120)
    assert shown.context["weighted"].rate == pytest.approx(110 / 120)


def test_the_national_estimate_as_published_is_the_live_one_when_nothing_has_moved(
    client, signed_off_a, inspection_b, lead_user
):
    from tests.publication.conftest import sign_off

    many_reviewed_cases(inspection_b, 40, offence_group="VAP", **RECORDED)
    many_reviewed_cases(inspection_b, 25, offence_group="BUR", **UNRECORDED)
    sign_off(inspection_b, lead_user)
    publish(signed_off_a, lead_user)
    publish(inspection_b, lead_user)
    figures.recompute_programme(signed_off_a.programme_id)
    client.force_login(lead_user)
    live = programme_page(client, signed_off_a.programme)
    shown = programme_page(client, signed_off_a.programme, figures="published")
    for name in ("weighted", "pooled"):
        assert shown.context[name].rate == pytest.approx(live.context[name].rate)
        assert shown.context[name].ci_low == pytest.approx(live.context[name].ci_low)
        assert shown.context[name].ci_high == pytest.approx(live.context[name].ci_high)
    # The weighted estimate differs from the pooled one: the volumes weigh the forces.
    assert shown.context["weighted"].rate != pytest.approx(shown.context["pooled"].rate)
    live_groups = {
        row.name: (row.numerator, row.denominator)
        for row in live.context["tables"]["offence-groups"].data
    }
    shown_groups = {
        row.name: (row.numerator, row.denominator)
        for row in shown.context["tables"]["offence-groups"].data
    }
    assert shown_groups == live_groups


def test_the_switch_keeps_the_metric_and_a_bad_choice_says_so(client, signed_off_a, lead_user):
    publish(signed_off_a, lead_user)
    figures.recompute_programme(signed_off_a.programme_id)
    client.force_login(lead_user)
    shown = programme_page(client, signed_off_a.programme, figures="published", metric="timeliness")
    text = shown.content.decode()
    assert 'href="?metric=timeliness"' in text  # back to live, the metric kept
    assert '<input type="hidden" name="figures" value="published">' in text
    wrong = programme_page(client, signed_off_a.programme, figures="yesterday")
    assert wrong.status_code == 200
    assert (
        "“yesterday” is not a choice of figures: showing the live figures" in wrong.content.decode()
    )
    assert "live — draft, not published" in wrong.content.decode()


def test_a_commissioner_never_sees_the_programme_page_live_or_as_published(
    client, signed_off_a, lead_user, commissioner_a
):
    publish(signed_off_a, lead_user)
    client.force_login(commissioner_a)
    assert programme_page(client, signed_off_a.programme).status_code == 403
    assert programme_page(client, signed_off_a.programme, figures="published").status_code == 403


def test_a_stratified_force_is_design_weighted_in_the_national_estimate_as_published(
    client, inspection_a, inspection_b, tmp_path, inspector_user, lead_user
):
    from inspect_app.inspections.models import SampledCase
    from inspect_app.sampling import drawing, planning
    from tests.factories import CaseReviewFactory
    from tests.publication.conftest import sign_off
    from tests.sampling.helpers import small_extract

    small_extract(inspection_a, tmp_path, incidents=400, no_crimes=0)
    records = inspection_a.extract.records.order_by("reference")
    records.filter(pk__in=list(records.values_list("pk", flat=True)[:40])).update(route="online")
    proposal = planning.propose(
        inspection_a, stratify_by="route", margin=0.1, minimum=20, allocation_method="equal"
    )
    planning.save(proposal)
    drawing.draw_sample(inspection_a, 2014)
    cases = SampledCase.objects.filter(inspection=inspection_a).select_related("drawn__stratum")
    # Control room: every crime recorded; online: half of them.
    for index, case in enumerate(cases.order_by("reference")):
        recorded = case.drawn.stratum.label == "control room" or index % 2 == 0
        CaseReviewFactory(
            case=case, reviewer=inspector_user, should_record=True, was_recorded=recorded
        )
    many_reviewed_cases(inspection_b, 40, offence_group="VAP", **RECORDED)
    many_reviewed_cases(inspection_b, 10, offence_group="VAP", **UNRECORDED)
    for inspection in (inspection_a, inspection_b):
        sign_off(inspection, lead_user)
        publish(inspection, lead_user)
    figures.recompute_programme(inspection_a.programme_id)
    client.force_login(lead_user)
    live = programme_page(client, inspection_a.programme)
    shown = programme_page(client, inspection_a.programme, figures="published")
    essex = force_row(shown, "Essex")
    assert essex.rate == pytest.approx(force_row(live, "Essex").rate, abs=1e-5)
    assert essex.rate != pytest.approx(essex.numerator / essex.denominator, abs=1e-3)
    # The national estimate takes Essex's design-based rate and variance, as the live one.
    weighted, live_weighted = shown.context["weighted"], live.context["weighted"]
    assert weighted.rate == pytest.approx(live_weighted.rate, abs=1e-5)
    assert weighted.ci_low == pytest.approx(live_weighted.ci_low, abs=1e-4)
    assert weighted.ci_high == pytest.approx(live_weighted.ci_high, abs=1e-4)

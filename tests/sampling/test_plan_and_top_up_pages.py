"""On the page: each stratum's expected rate for a Neyman plan, a top-up after the draw,
and strata named in words while the listing keeps their labels."""

import pytest
from django.urls import reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.sampling import drawing, planning
from inspect_app.sampling.models import DrawnCase, SamplePlan, TopUp
from inspect_app.sampling.views import rate_field_name
from tests.sampling.helpers import small_extract

pytestmark = pytest.mark.django_db

SETTINGS = {
    "stratify_by": ["record_type"],
    "margin": "0.1",
    "expected_rate": "0.9",
    "confidence": "0.95",
    "minimum": "5",
    "allocation": "neyman",
    "fpc": "on",
}
NO_CRIME = rate_field_name("no_crime")
INCIDENT = rate_field_name("incident")


def page_url(inspection):
    return reverse("inspection-sample", args=[inspection.slug])


def planned(response, name):
    """The n_h the preview shows for the stratum called ``name``."""
    proposal = response.context["proposal"]
    return next(stratum.sample for stratum in proposal.strata if stratum.label == name)


def test_a_neyman_plan_takes_each_strata_rate_and_keeps_it_from_preview_to_save(
    admin_client, inspection_a, tmp_path
):
    small_extract(inspection_a, tmp_path, incidents=400, no_crimes=400)
    url = page_url(inspection_a)
    first = admin_client.post(url, {**SETTINGS, "action": "preview"})
    html = first.content.decode()
    # After the first preview, a rate field per stratum, named in words.
    assert f'name="{NO_CRIME}"' in html and f'name="{INCIDENT}"' in html
    assert "Expected rate of No-crime decisions" in html
    even = planned(first, "no_crime")

    # A rate nearer 0.5 is more variable: Neyman gives the stratum more of the sample.
    rated = admin_client.post(url, {**SETTINGS, NO_CRIME: "0.5", "action": "preview"})
    assert planned(rated, "no_crime") > even
    assert f'name="{NO_CRIME}" id="id_{NO_CRIME}" value="0.5"' in rated.content.decode()
    assert not SamplePlan.objects.exists()

    admin_client.post(url, {**SETTINGS, NO_CRIME: "0.5", "action": "save"})
    plan = SamplePlan.objects.get()
    rates = dict(plan.strata.values_list("label", "expected_rate"))
    assert rates == {"incident": 0.9, "no_crime": 0.5}
    assert plan.strata.get(label="no_crime").planned == planned(rated, "no_crime")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("half", "The expected rate of No-crime decisions must be a number between 0 and 1"),
        ("1", "The expected rate of No-crime decisions must be a number between 0 and 1"),
        ("85", "must be a fraction between 0 and 1: 0.85 for 85%"),
        ("0", "must be a number between 0 and 1 (not 0 or 1)"),
        ("-0.2", "must be a number between 0 and 1 (not 0 or 1)"),
    ],
)
def test_a_bad_rate_is_a_clear_message_at_its_field_and_saves_nothing(
    admin_client, inspection_a, tmp_path, given, message
):
    small_extract(inspection_a, tmp_path)
    response = admin_client.post(
        page_url(inspection_a), {**SETTINGS, NO_CRIME: given, "action": "save"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'href="#id_{NO_CRIME}"' in html  # the error summary links to the field
    assert f'value="{given}"' in html  # what was typed stays, to correct it
    assert not SamplePlan.objects.exists()


def drawn_inspection(inspection, tmp_path):
    small_extract(inspection, tmp_path)
    planning.save(planning.propose(inspection, stratify_by="record_type", margin=0.15, minimum=10))
    return drawing.draw_sample(inspection, 2014)


def test_a_stratum_is_topped_up_from_the_page_and_audited(admin_client, inspection_a, tmp_path):
    draw = drawn_inspection(inspection_a, tmp_path)
    stratum = draw.plan.strata.get(label="no_crime")
    before = DrawnCase.objects.filter(stratum=stratum).count()
    page = admin_client.get(page_url(inspection_a)).content.decode()
    assert "Top up a stratum" in page
    assert f"No-crime decisions ({stratum.population - before:,} not yet drawn)" in page

    response = admin_client.post(
        page_url(inspection_a),
        {"action": "top-up", "stratum": stratum.pk, "count": "3", "reason": "unauditable"},
        follow=True,
    )
    html = response.content.decode()
    assert "Drew 3 more records of No-crime decisions (top-up 1)." in html
    assert '<td class="numeric">1</td><td>No-crime decisions</td><td class="numeric">3</td>' in html
    assert DrawnCase.objects.filter(stratum=stratum).count() == before + 3
    made = TopUp.objects.get()
    assert made.reason == "unauditable" and made.by.username == "alice-admin"
    event = AuditEvent.objects.get(action=AuditAction.SAMPLE_TOPPED_UP)
    assert event.actor.username == "alice-admin"


@pytest.mark.parametrize(
    ("count", "reason", "message"),
    [
        ("0", "unauditable", "A top-up draws at least one more record"),
        ("five", "unauditable", "Enter how many more records to draw as a whole number"),
        ("", "unauditable", "Enter how many more records to draw, such as 5"),
        ("11", "unauditable", "No-crime decisions has 10 records not yet drawn"),
        ("2", "", "Say why the stratum is topped up"),
    ],
)
def test_a_bad_top_up_is_a_clear_message_and_draws_nothing(
    admin_client, inspection_a, tmp_path, count, reason, message
):
    draw = drawn_inspection(inspection_a, tmp_path)
    stratum = draw.plan.strata.get(label="no_crime")  # 20 records, 10 drawn
    drawn = DrawnCase.objects.count()
    response = admin_client.post(
        page_url(inspection_a),
        {"action": "top-up", "stratum": stratum.pk, "count": count, "reason": reason},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert DrawnCase.objects.count() == drawn and not TopUp.objects.exists()


def test_a_stratum_of_another_plan_is_refused(admin_client, inspection_a, tmp_path):
    drawn_inspection(inspection_a, tmp_path)
    response = admin_client.post(
        page_url(inspection_a),
        {"action": "top-up", "stratum": "999999", "count": "1", "reason": "x"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not TopUp.objects.exists()


def test_pages_name_strata_in_words_while_the_listing_keeps_the_labels(
    admin_client, inspection_a, tmp_path
):
    small_extract(inspection_a, tmp_path)
    planning.save(
        planning.propose(
            inspection_a, stratify_by="record_type,offence_group", margin=0.15, minimum=10
        )
    )
    drawing.draw_sample(inspection_a, 2014)
    page = admin_client.get(page_url(inspection_a)).content.decode()
    assert "<td>No-crime decisions · Violence against the person</td>" in page
    assert "<td>Incidents · No offence group</td>" in page
    assert "by record type and offence group" in page
    assert "no_crime · VAP" not in page
    listing = admin_client.get(reverse("inspection-sample-listing", args=[inspection_a.slug]))
    assert ",no_crime · VAP," in listing.content.decode()

"""Judgement in Chromium, by clicking from the landing page: a lead takes an outlier from
detection to its outcome on its clock; the judgement pages read as they should."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from inspect_app.accounts.models import AuditEvent, User
from inspect_app.compliance.figures import recompute_programme
from inspect_app.inspections.models import Inspection
from inspect_app.inspections.workflow import signoff
from inspect_app.judgement.models import OutlierCase
from tests.compliance.factories import UNRECORDED, many_reviewed_cases
from tests.e2e.conftest import enter_code, give_authenticator

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 375)


@pytest.fixture
def demo(password, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", password)
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def signed_in(page, live_server, password):
    def as_user(username):
        page.goto(live_server.url + "/")
        user = User.objects.get(username=username)
        give_authenticator(user)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        enter_code(page, user)
        return user

    return as_user


def both_widths(page, screenshot, label):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()  # as a reader at that width opens it: charts drawn to fit
        page.wait_for_load_state("networkidle")
        screenshot(f"{label}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_lead_takes_an_outlier_from_alert_to_outcome_by_clicking(
    demo, signed_in, page, screenshot
):
    lead = signed_in("lead")
    page.locator(".service-nav__link", has_text="Outliers").click()
    choose = page.get_by_label("Programme", exact=True)
    choose.select_option(label="Crime-recording inspection 2014")
    page.get_by_role("button", name="Show outliers").click()
    table = page.locator("#outliers")
    expect(table).to_contain_text("overdue")
    both_widths(page, screenshot, "outlier-list")

    row = table.locator("tr", has_text="Hertfordshire").filter(has_text="Recording rate")
    expect(row).to_contain_text("alarm")
    expect(row).to_contain_text("clock not started")
    row.get_by_role("link", name="Hertfordshire").click()
    expect(page.locator("#case-status")).to_have_text("Detected")
    both_widths(page, screenshot, "outlier-detected")

    page.get_by_role("button", name="Record that the force was told").click()
    expect(page.locator("#case-status")).to_have_text("Force told")
    expect(page.locator("#case-due")).to_contain_text("10 working days after the force was told")

    page.get_by_role("button", name="Record the response").click()  # nothing typed
    expect(page.locator("#error-summary")).to_contain_text("Enter the force's response.")
    response = page.get_by_role("textbox", name="The force’s response")
    response.fill("Our own audit of the records agrees.")
    page.get_by_role("button", name="Record the response").click()
    expect(page.locator("#case-status")).to_have_text("Response recorded")

    page.get_by_label("Confirmed").check()
    page.get_by_role("button", name="Record the outcome").click()  # no notes
    expect(page.locator("#error-summary")).to_contain_text("Enter notes on the outcome.")
    page.get_by_label("Confirmed").check()
    page.get_by_role("textbox", name="Notes").fill("Under-recording confirmed with the force.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#case-status")).to_have_text("Outcome recorded")
    expect(page.locator("#case-outcome")).to_contain_text("Confirmed")
    expect(page.locator("main")).to_contain_text("named in the force’s published report")
    page.get_by_role("link", name="The inspection’s judgement").click()
    expect(page.locator("#confirmed-alarms")).to_contain_text("Recording rate")
    page.go_back()
    both_widths(page, screenshot, "outlier-closed")

    case = OutlierCase.objects.get(inspection__slug="hertfordshire-2014", metric="recording_rate")
    assert case.outcome == "confirmed" and case.told_by == lead and case.due_on
    steps = AuditEvent.objects.filter(action="outlier_step", object_id=case.pk, actor=lead)
    assert sorted(event.details["step"] for event in steps) == [
        "force told",
        "outcome recorded",
        "response recorded",
    ]

    page.get_by_role("link", name="The inspection’s judgement").click()
    expect(page.get_by_role("heading", name="Hertfordshire: judgement")).to_be_visible()
    expect(page.locator("#table-against-programme")).to_contain_text("worse")
    points = page.locator("#chart-spine .scatterlayer .trace .points path.point")
    expect(points.last).to_be_visible()
    both_widths(page, screenshot, "judgement-hertfordshire")


def test_the_practice_round_shows_dorsets_change_since_2014(demo, signed_in, page, screenshot):
    signed_in("admin")
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.locator("tr", has_text="Practice round").get_by_role("link", name="Dorset").click()
    page.locator("#judgement-link").click()
    changes = page.locator("#changes")
    recording = changes.locator("tr", has_text="Recording rate")
    expect(recording).to_contain_text("improved")
    expect(recording).to_contain_text("+16.6 points")
    expect(page.locator("#trend")).to_contain_text("Crime-recording inspection 2014")
    both_widths(page, screenshot, "judgement-dorset-practice")

    page.get_by_role("link", name="Crime-recording inspection 2014").first.click()
    expect(page.locator("#grade")).to_contain_text("Inadequate")
    concern = page.locator(".finding", has_text="Cause of concern")
    expect(concern).to_contain_text("not recorded as crimes")
    expect(concern).to_contain_text("Checked by the re-inspection")
    both_widths(page, screenshot, "judgement-dorset-2014")
    page.get_by_role("link", name="Set the grade bands").click()
    page.get_by_label("Bands, highest first").fill("good:0.8,poor:0.9")
    page.get_by_role("button", name="Set the bands").click()
    expect(page.locator(".error-summary")).to_contain_text("strictly decreasing")
    both_widths(page, screenshot, "grade-bands-error")
    page.get_by_label("Bands, highest first").fill("good:0.9,fair:0.6,poor:0")
    page.get_by_role("button", name="Set the bands").click()
    expect(page.locator("#current-bands")).to_contain_text("Fair")
    both_widths(page, screenshot, "grade-bands")


def test_the_programme_page_tags_each_force_and_offers_the_overdispersed_funnel(
    demo, signed_in, page, screenshot
):
    signed_in("lead")
    page.locator(".service-nav__link", has_text="National figures").click()
    page.get_by_role("link", name="Crime-recording inspection 2014").click()
    forces = page.locator("#table-forces")
    expect(forces.locator("tr", has_text="Hertfordshire")).to_contain_text("worse")
    expect(forces.locator("tr", has_text="Hertfordshire")).to_contain_text("Alarm: below")
    expect(forces.locator("tr", has_text="Gwent")).to_contain_text("similar")
    page.get_by_label("Funnel limits").select_option("overdispersed")
    page.get_by_role("button", name="Show figures").click()
    assert "funnel=overdispersed" in page.url
    expect(page.locator("main")).to_contain_text("widened for overdispersion")
    both_widths(page, screenshot, "programme-overdispersed")


def test_a_commissioner_reads_their_forces_published_judgement_from_their_summary(
    demo, signed_in, page, screenshot
):
    # Essex is reopened after publication and a review changed: the live figures move.
    essex = Inspection.objects.get(slug="essex-2014")
    signoff.reopen(essex, User.objects.get(username="lead"))
    many_reviewed_cases(essex, 30, offence_group="VAP", **UNRECORDED)
    recompute_programme(essex.programme_id)
    signed_in("commissioner")
    # The summary is Essex's published 2014 version: the practice round is not published.
    expect(page.locator("main")).to_contain_text("Crime-recording inspection 2014")
    expect(page.locator("main")).not_to_contain_text("Practice round")
    page.locator("#findings-link").click()
    expect(page.get_by_role("heading", name="Essex: judgement")).to_be_visible()
    main = page.locator("main")
    expect(page.locator("#published-note")).to_contain_text("as published in version 1")
    expect(page.locator("#grade")).to_contain_text("Good, 66% certain")
    recording = page.locator("#table-against-programme tr", has_text="Recording rate")
    expect(recording).to_contain_text("91.7%")  # 110 of 120, as published
    expect(recording).to_contain_text("better")
    expect(main).not_to_contain_text("draft — not published")
    finding = page.locator(".finding", has_text="Area for improvement")
    expect(finding).to_contain_text("Tell victims")
    expect(finding).to_contain_text("new")
    expect(main).not_to_contain_text("Record a finding")
    expect(main).not_to_contain_text("Hertfordshire")
    expect(page.locator("#chart-spine")).to_have_count(0)
    with page.expect_download() as download:
        page.locator("#judgement-downloads").get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "essex-2014,E23000028" in text and ",110,120," in text and ",110,150," not in text
    both_widths(page, screenshot, "judgement-commissioner")


def test_the_practice_round_judges_its_drawn_force_by_its_weighted_figure(
    demo, signed_in, page, screenshot
):
    # Hertfordshire's practice-round sample was drawn from its extract by a plan.
    signed_in("lead")
    page.locator(".service-nav__link", has_text="National figures").click()
    page.get_by_role("link", name="Practice round (open for review)").click()
    main = page.locator("main")
    expect(main).to_contain_text("Hertfordshire was drawn from its extract by a plan")
    note = page.locator("#groups-design-note")
    expect(note).to_contain_text("a drawn force at its weighted rate")
    expect(note).to_contain_text("Criminal damage and arson")
    both_widths(page, screenshot, "practice-round-drawn-force")
    page.locator("#table-offence-groups").get_by_role(
        "link", name="Criminal damage and arson"
    ).click()
    expect(page.locator("#group-design-note")).to_contain_text(
        "Weighted by the sample design where a force was drawn"
    )
    both_widths(page, screenshot, "practice-round-drawn-group")

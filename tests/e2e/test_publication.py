"""Publishing by clicking: the lead publishes, the commissioner reads only that version."""

import re

import pytest
from playwright.sync_api import expect

from inspect_app.compliance import figures
from tests.compliance.factories import UNRECORDED, many_reviewed_cases
from tests.publication.conftest import signed_off_sample

pytestmark = pytest.mark.django_db(transaction=True)


def open_inspection(page):
    """From any page: the service navigation's Inspections, then Essex's inspection."""
    page.get_by_role("navigation", name="Service").get_by_role("link", name="Inspections").click()
    page.locator("table").get_by_role("link", name=re.compile("Essex")).first.click()


def at_375(page, screenshot, label):
    page.set_viewport_size({"width": 375, "height": 800})
    path = screenshot(f"{label}-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    return path


def test_a_lead_publishes_and_the_commissioner_reads_only_that_version(
    page,
    live_server,
    sign_in,
    screenshot,
    inspection_a,
    lead_user,
    commissioner_a,
):
    signed_off_a = signed_off_sample(inspection_a, lead_user)
    figures.recompute_programme(signed_off_a.programme_id)
    sign_in(lead_user)
    open_inspection(page)
    expect(page.locator("#live-status")).to_contain_text("draft — not published")
    page.locator("#publish-link").click()
    screenshot("publish-1280")
    at_375(page, screenshot, "publish")
    page.get_by_role("button", name="Yes, publish version 1").click()
    expect(page.get_by_text("Published as version 1.")).to_be_visible()
    expect(page.locator(".figure-cards")).to_contain_text("110 of 120 cases")
    screenshot("version-1280")
    at_375(page, screenshot, "version")

    # Reopened and changed: the live figures move, the published version does not.
    page.get_by_role("link", name="The live figures").click()
    page.get_by_role("link", name="Review workspace: every case").click()
    page.get_by_role("button", name="Reopen the inspection").click()
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    figures.recompute_programme(signed_off_a.programme_id)
    open_inspection(page)
    expect(page.locator(".figure-cards")).to_contain_text("110 of 150")
    page.locator("#published-link").click()
    expect(page.locator(".figure-cards")).to_contain_text("110 of 120 cases")
    page.get_by_role("button", name="Sign out").click()

    sign_in(commissioner_a)  # lands on their force's summary
    cards = page.locator(".figure-cards")
    expect(cards).to_contain_text("110 of 120 cases")
    body = page.locator("main").inner_text()
    assert "110 of 150" not in body and "draft — not published" not in body
    assert "fewer than 10 cases — suppressed" in body
    assert "6 of 7 cases" not in body and "4 of 5 cases" not in body
    # Each chart image loads (not a broken image).
    for image in page.locator("img.published-chart").all():
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    screenshot("commissioner-1280")
    at_375(page, screenshot, "commissioner")
    with page.expect_download() as download:
        page.get_by_role("link", name="The force report (PDF, A4)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_an_analyst_makes_a_token_by_clicking_and_pulls_the_published_json(
    page, live_server, sign_in, screenshot, inspection_a, lead_user, commissioner_a
):
    import json
    import urllib.request

    from inspect_app.publication.publishing import publish

    publish(signed_off_sample(inspection_a, lead_user), lead_user)
    sign_in(commissioner_a)
    page.get_by_role("link", name="Your sign-in").click()
    page.get_by_role("link", name="Your API tokens").click()
    page.get_by_label("What it is for").fill("Panel spreadsheet")
    page.get_by_role("button", name="Make a token").click()
    key = page.locator("#new-token").inner_text().strip()
    screenshot("tokens-1280")
    at_375(page, screenshot, "tokens")
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/inspections/{inspection_a.slug}/figures/",
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        document = json.loads(response.read())
    assert document["status"] == "published" and document["version"] == 1
    whole = next(
        r
        for r in document["rows"]
        if r["scope"] == "inspection" and r["metric"] == "recording_rate"
    )
    assert (whole["numerator"], whole["denominator"], whole["suppressed"]) == (110, 120, False)
    page.get_by_role("button", name="Revoke Panel spreadsheet").click()
    expect(page.get_by_text("revoked: it no longer works")).to_be_visible()
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as refused:
        assert refused.code == 401
    else:
        raise AssertionError("a revoked token still worked")
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("/api/v1/")
    screenshot("api-docs-1280")
    at_375(page, screenshot, "api-docs")


def test_the_report_page_shows_its_progress_and_then_downloads_the_pdf(
    page, live_server, sign_in, screenshot, inspection_a, lead_user, monkeypatch
):
    from django.core.cache import cache

    from inspect_app.celery import app
    from inspect_app.publication import tasks
    from inspect_app.publication.publishing import publish

    version = publish(signed_off_sample(inspection_a, lead_user), lead_user)
    # As with a worker: the request queues the report (here, nowhere) and the page waits.
    monkeypatch.setattr(tasks.make_force_report, "delay", lambda pk: None)
    app.conf.task_always_eager = False  # put back by the tasks_run_in_process fixture
    sign_in(lead_user)
    open_inspection(page)
    page.locator("#published-link").click()
    page.get_by_role("link", name="The force report (PDF, A4)").click()
    expect(page.get_by_role("heading", name="Preparing the force report")).to_be_visible()
    bar = page.locator("#report-progress-bar")
    expect(bar).to_have_attribute("value", "0")

    cache.set(tasks.progress_key(version), (2, 4))  # the worker is half way
    expect(page.locator("#report-progress")).to_contain_text("2 of 4 parts done")
    assert bar.evaluate("b => b.value") == 50
    screenshot("waiting-1280")
    at_375(page, screenshot, "waiting")
    with page.expect_download() as download:
        tasks.make_force_report(version.pk)  # the worker finishes; the page fetches it
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_a_lead_switches_the_programme_page_to_as_published_and_back(
    page, live_server, sign_in, screenshot, inspection_a, inspection_b, lead_user
):
    from inspect_app.inspections.workflow import signoff
    from inspect_app.publication.publishing import publish

    signed_off_a = signed_off_sample(inspection_a, lead_user)
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    figures.recompute_programme(signed_off_a.programme_id)
    sign_in(lead_user)
    page.locator(".service-nav__link", has_text="National figures").click()
    page.get_by_role("link", name=signed_off_a.programme.name).click()
    forces = page.locator("#table-forces")
    expect(page.locator("#live-or-published")).to_contain_text("live — draft, not published")
    expect(forces.get_by_role("row", name=re.compile("Essex"))).to_contain_text("150")

    page.get_by_role("link", name="As published", exact=True).click()
    expect(page).to_have_url(re.compile(r"figures=published"))
    expect(page.locator("#live-or-published")).to_contain_text("as published on")
    essex = forces.get_by_role("row", name=re.compile("Essex"))
    expect(essex).to_contain_text("120")
    expect(essex).not_to_contain_text("150")
    expect(forces.get_by_role("row", name=re.compile("Hertfordshire"))).to_contain_text(
        "not yet published"
    )
    expect(page.locator(".estimate")).to_contain_text("110 of 120 cases")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    screenshot("as-published-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()  # the charts are drawn for the width they load at
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("as-published-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Live", exact=True).click()
    expect(page.locator("#live-or-published")).to_contain_text("live — draft, not published")
    expect(forces.get_by_role("row", name=re.compile("Essex"))).to_contain_text("150")


def test_the_version_page_shows_the_change_since_the_last_inspection_with_its_interval(
    page, live_server, sign_in, screenshot, inspection_a, lead_user, commissioner_a
):
    from inspect_app.publication.publishing import publish
    from tests.publication.test_changes import earlier_inspection

    earlier_inspection(inspection_a.force, lead_user, recorded=60, unrecorded=40)
    publish(signed_off_sample(inspection_a, lead_user), lead_user)
    sign_in(commissioner_a)  # lands on their force's summary: the latest programme's version
    changes = page.locator("#changes")
    recording = changes.get_by_role("row", name=re.compile("Recording rate"))
    expect(recording).to_contain_text("up 31.7 points")
    expect(recording).to_contain_text("+20.6 to +42.2 points")
    expect(recording).to_contain_text("Improved: the whole interval of the change is above zero")
    changes.scroll_into_view_if_needed()
    screenshot("changes-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.locator("#changes")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("changes-375")

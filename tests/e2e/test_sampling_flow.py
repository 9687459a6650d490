"""The whole audit's start in the browser: an admin imports the force's extract (following
its progress bar), plans the sample with a rate per stratum, draws it, tops up a stratum and
downloads the listing; an inspector reviews a drawn case; the inspection's figures then say
they are weighted by the design."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from inspect_app.core import progress as cached
from inspect_app.inspections.models import CaseReview, SampledCase
from inspect_app.sampling import tasks
from inspect_app.sampling.models import Draw, DrawnCase, ExtractImport, SamplePlan, TopUp
from tests.e2e.test_journeys import answer_and_save_next

pytestmark = pytest.mark.django_db(transaction=True)


def both_widths(page, screenshot, label):
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(f"{label}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(f"{label}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_draws_the_sample_and_an_inspector_reviews_a_drawn_case(
    sign_in,
    page,
    live_server,
    admin_user,
    inspector_user,
    inspection_a,
    screenshot,
    monkeypatch,
    tmp_path,
):
    # The worker is held back until the test lets it run, so the progress bar can be seen.
    queued = []
    monkeypatch.setattr(
        tasks.import_extract_file, "delay", lambda pk: queued.append(pk) or SimpleNamespace(id="")
    )

    sign_in(admin_user)
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    page.get_by_role("link", name="Extract and sample: import, plan, draw").click()
    expect(page.get_by_role("heading", name="Extract and sample")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="generated extract for this inspection").click()
    extract = tmp_path / download.value.suggested_filename
    download.value.save_as(extract)
    page.get_by_label("The force's extract (CSV or XLSX)").set_input_files(str(extract))
    page.get_by_role("button", name="Import the extract").click()

    expect(page.get_by_role("heading", name=re.compile("^Importing"))).to_be_visible()
    bar = page.locator("#extract-progress-bar")
    expect(bar).to_have_attribute("value", "0")
    label = page.locator("label[for=extract-progress-bar]")
    expect(label).to_have_text("Waiting to start")
    job = ExtractImport.objects.get()
    assert queued == [job.pk] and job.rows_expected == 5000
    cached.write(tasks.progress_key(job.pk), {"rows_done": 2500})
    expect(bar).to_have_attribute("value", "50")  # the page polls, and moves the bar
    expect(page.locator("#extract-progress-text")).to_contain_text("2,500 records read")
    expect(label).to_have_text("Checking and storing every record")  # and says it has begun
    both_widths(page, screenshot, "importing")
    tasks.run(job.pk)
    expect(page.locator("#extract-imported")).to_contain_text("5,000 records imported")
    both_widths(page, screenshot, "imported")
    page.get_by_role("link", name="Plan the sample").click()
    expect(page.locator("#extract-summary")).to_contain_text("5,000 records")

    page.get_by_label("Target margin").fill("0.08")
    page.get_by_label("Allocation").select_option("neyman")
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator("#proposal")).to_contain_text("not saved yet")
    rate = page.get_by_label("Expected rate of No-crime decisions")
    rate.fill("half")
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "The expected rate of No-crime decisions must be a number between 0 and 1"
    )
    page.get_by_label("Expected rate of No-crime decisions").fill("0.55")
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator("#proposal")).to_contain_text("not saved yet")
    expect(page.get_by_label("Expected rate of No-crime decisions")).to_have_value("0.55")
    both_widths(page, screenshot, "plan")
    page.get_by_role("button", name="Save this plan").click()
    expect(page.locator("#current-plan")).to_contain_text("Plan 1")
    plan = SamplePlan.objects.get()
    assert plan.allocation == "neyman"
    assert plan.strata.get(label="no_crime").expected_rate == 0.55

    page.get_by_label(re.compile("^Seed")).fill("2014")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.locator("#draw-summary")).to_contain_text("seed 2014")
    expect(page.locator("#strata-progress")).to_contain_text("No-crime decisions")
    assert Draw.objects.get().seed == 2014

    stratum = plan.strata.get(label="no_crime")
    remaining = stratum.population - DrawnCase.objects.filter(stratum=stratum).count()
    page.get_by_label("Stratum to top up").select_option(
        label=f"No-crime decisions ({remaining:,} not yet drawn)"
    )
    page.get_by_label("How many more records").fill(str(remaining + 1))
    page.get_by_label("Why (kept with the top-up)").fill("two records were unauditable")
    page.get_by_role("button", name="Top up").click()
    expect(page.locator(".error-summary")).to_contain_text("is more than it holds")
    page.get_by_label("How many more records").fill("2")
    page.get_by_role("button", name="Top up").click()
    expect(page.locator("#top-ups")).to_contain_text("two records were unauditable")
    assert TopUp.objects.get().count == 2
    both_widths(page, screenshot, "drawn")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the listing")).click()
    listing = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert listing[0] == "reference,stratum,population,sample,weight"
    assert len(listing) == 1 + plan.total_sample + 2

    # The lead gives the inspector one drawn incident; the inspector reviews it.
    case = SampledCase.objects.filter(inspection=inspection_a, record_type="incident").first()
    case.assigned_to = inspector_user
    case.save()
    page.context.clear_cookies()
    sign_in(inspector_user)
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    page.get_by_role("link", name="Review cases (1 assigned to you)").click()
    page.get_by_role("link", name=case.reference).click()
    answer_and_save_next(page, "yyyy")
    assert CaseReview.objects.filter(case=case).exists()

    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    expect(page.locator("#design-note")).to_contain_text("weighted by the sample design")
    both_widths(page, screenshot, "figures")


def test_a_bad_extract_shows_every_error_with_its_row_after_the_import(
    sign_in, page, live_server, admin_user, inspection_a, tmp_path, screenshot
):
    bad = tmp_path / "bad-extract.csv"
    bad.write_text(
        "reference,record_type,reported_at,offence_group,route,summary\n"
        "B1,arrest,2025-03-01,,,\nB2,incident,yesterday,,,\nB1,incident,2025-03-01,,,\n",
        encoding="utf-8",
    )
    sign_in(admin_user)
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    page.get_by_role("link", name="Extract and sample: import, plan, draw").click()
    page.get_by_label("The force's extract (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Import the extract").click()
    expect(page.get_by_role("heading", name="bad-extract.csv was not imported")).to_be_visible()
    errors = page.locator("#extract-errors")
    expect(errors).to_contain_text("record_type")
    expect(errors).to_contain_text("reported_at")
    both_widths(page, screenshot, "errors")
    page.get_by_role("link", name="Extract and sample of Essex").click()
    expect(page.locator("#import-failed")).to_contain_text("bad-extract.csv, was not imported")
    page.locator("#import-failed").get_by_role("link").click()
    expect(page.locator("#extract-errors")).to_contain_text("reported_at")

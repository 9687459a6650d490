"""The whole audit's start in the browser: an admin imports the force's extract, plans the
sample, draws it and downloads the listing; an inspector reviews a drawn case; the
inspection's figures then say they are weighted by the design."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inspect_app.inspections.models import CaseReview, SampledCase
from inspect_app.sampling.models import Draw, SamplePlan
from tests.e2e.test_journeys import answer_and_save_next
from tests.sampling.helpers import HEADER

pytestmark = pytest.mark.django_db(transaction=True)


def extract_file(tmp_path):
    path = tmp_path / "essex-extract.csv"
    rows = "".join(
        f"E{number:04d},{'no_crime' if number % 6 == 0 else 'incident'},2025-03-01 10:00,"
        f"{'VAP' if number % 6 == 0 else ''},{'online' if number % 2 else 'control room'},"
        f"record {number}\n"
        for number in range(600)
    )
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def both_widths(page, screenshot, label):
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(f"{label}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(f"{label}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_draws_the_sample_and_an_inspector_reviews_a_drawn_case(
    sign_in, page, live_server, admin_user, inspector_user, inspection_a, tmp_path, screenshot
):
    sign_in(admin_user)
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    page.get_by_role("link", name="Extract and sample: import, plan, draw").click()
    expect(page.get_by_role("heading", name="Extract and sample")).to_be_visible()

    page.get_by_label("The force's extract (CSV or XLSX)").set_input_files(
        str(extract_file(tmp_path))
    )
    page.get_by_role("button", name="Import the extract").click()
    expect(page.locator("#extract-summary")).to_contain_text("600 records")

    page.get_by_label("Target margin").fill("0.08")
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator("#proposal")).to_contain_text("not saved yet")
    both_widths(page, screenshot, "plan")
    page.get_by_role("button", name="Save this plan").click()
    expect(page.locator("#current-plan")).to_contain_text("Plan 1")
    plan = SamplePlan.objects.get()

    page.get_by_label(re.compile("^Seed")).fill("2014")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.locator("#draw-summary")).to_contain_text("seed 2014")
    expect(page.locator("#strata-progress")).to_be_visible()
    both_widths(page, screenshot, "drawn")
    assert Draw.objects.get().seed == 2014
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the listing")).click()
    listing = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert listing[0] == "reference,stratum,population,sample,weight"
    assert len(listing) == 1 + plan.total_sample

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

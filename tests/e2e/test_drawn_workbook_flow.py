"""A completed workbook of drawn cases in the browser: an admin uploads it, the programme's
region figure says it is weighted, and the admin withdraws the workbook, which takes its
reviews back and leaves the drawn cases."""

import re

import pytest
from playwright.sync_api import expect

from inspect_app.inspections.models import BatchStatus, CaseReview, SampleBatch, SampledCase
from inspect_app.sampling import drawing, planning
from tests.e2e.test_sampling_flow import both_widths
from tests.sampling.helpers import small_extract

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "reference,record_type,reported_at,summary,should_record,was_recorded,reviewer\n"


def test_an_admin_withdraws_a_workbook_of_drawn_cases_and_the_sample_stays(
    sign_in,
    page,
    live_server,
    admin_user,
    inspection_a,
    inspector_user,
    tmp_path,
    screenshot,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    small_extract(inspection_a, tmp_path, incidents=80, no_crimes=0)
    planning.save(
        planning.propose(inspection_a, stratify_by="record_type", margin=0.15, minimum=10)
    )
    drawing.draw_sample(inspection_a, 2014)
    drawn = list(
        SampledCase.objects.filter(inspection=inspection_a)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    path = tmp_path / "completed.csv"
    path.write_text(
        HEADER
        + "".join(
            f"{reference},incident,2025-03-04 10:00,,yes,{'yes' if n % 3 else 'no'},"
            f"{inspector_user.username}\n"
            for n, reference in enumerate(drawn[:6])
        ),
        encoding="utf-8",
    )

    sign_in(admin_user)
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    page.get_by_role("link", name="Batches: upload or withdraw").click()
    page.get_by_label("Batch file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="6 rows imported")).to_be_visible(timeout=15_000)
    expect(page.locator("#drawn-note")).to_contain_text("reviews of the inspection's drawn cases")
    both_widths(page, screenshot, "imported")
    assert CaseReview.objects.count() == 6
    batch_url = page.url

    # The region's figure is weighted by recorded crime, and the page says why.
    page.goto(f"{live_server.url}/programmes/{inspection_a.programme.slug}/")
    note = page.locator("#regions-design-note")
    expect(note).to_contain_text("East of England: weighted by recorded crime")
    for width, height in ((1280, 900), (375, 800)):
        # Loaded at each width, so the charts are drawn for it.
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        expect(page.locator("#regions-design-note")).to_be_visible()
        screenshot(f"region-figures-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(batch_url)
    page.get_by_role("link", name="Withdraw this batch").click()
    expect(page.locator("#what-goes")).to_contain_text(
        "The 6 reviews it recorded on drawn cases will be removed"
    )
    expect(page.locator("#what-goes")).to_contain_text("The drawn cases stay in the sample")
    both_widths(page, screenshot, "confirm")
    page.get_by_role("button", name="Withdraw the batch").click()
    expect(
        page.get_by_role("heading", name=re.compile("completed.csv was withdrawn"))
    ).to_be_visible()
    expect(page.get_by_text("the 6 reviews it recorded were removed")).to_be_visible()
    both_widths(page, screenshot, "withdrawn")

    assert SampleBatch.objects.get().status == BatchStatus.WITHDRAWN
    assert not CaseReview.objects.exists()
    assert SampledCase.objects.filter(inspection=inspection_a).count() == len(drawn)

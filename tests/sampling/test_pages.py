"""The extract-and-sample page: import, plan, draw and download, as an admin does it."""

import pytest
from django.urls import reverse

from inspect_app.inspections.models import SampledCase
from inspect_app.sampling.models import Draw, PopulationExtract, SamplePlan
from tests.sampling.helpers import HEADER


def extract_file(tmp_path, rows):
    path = tmp_path / "extract.csv"
    body = "".join(
        f"R{number:04d},{'no_crime' if number % 5 == 0 else 'incident'},2025-03-01 10:00,"
        f"{'VAP' if number % 5 == 0 else ''},,\n"
        for number in range(rows)
    )
    path.write_text(HEADER + body)
    return path


@pytest.mark.django_db
def test_an_admin_imports_plans_draws_and_downloads_the_listing(
    client, admin_user, inspection_a, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    work = client.get(reverse("inspection-detail", args=[inspection_a.slug]))
    page_url = reverse("inspection-sample", args=[inspection_a.slug])
    assert page_url in work.content.decode()

    with (
        extract_file(tmp_path, 300).open("rb") as upload,
        django_capture_on_commit_callbacks(execute=True),
    ):
        queued = client.post(page_url, {"action": "import", "file": upload})
    assert queued["Location"] == reverse("inspection-extract-import", args=[inspection_a.slug])
    imported = client.get(queued["Location"])
    assert "300 records imported" in imported.content.decode()
    assert PopulationExtract.objects.get(inspection=inspection_a).record_count == 300

    settings = {
        "stratify_by": ["record_type"],
        "margin": "0.05",
        "expected_rate": "0.9",
        "confidence": "0.95",
        "minimum": "30",
        "allocation": "proportional",
        "fpc": "on",
    }
    preview = client.post(page_url, {**settings, "action": "preview"})
    text = preview.content.decode()
    assert "not saved yet" in text and "No-crime decisions" in text
    assert not SamplePlan.objects.exists()
    client.post(page_url, {**settings, "action": "save"})
    plan = SamplePlan.objects.get(inspection=inspection_a)

    refused = client.post(page_url, {"action": "draw", "seed": "twelve"})
    assert refused.status_code == 400
    assert "The seed must be a whole number" in refused.content.decode()
    drawn = client.post(page_url, {"action": "draw", "seed": "2014"}, follow=True)
    assert "seed 2014" in drawn.content.decode()
    draw = Draw.objects.get(inspection=inspection_a)
    assert SampledCase.objects.filter(inspection=inspection_a).count() == plan.total_sample
    assert "Progress by stratum" in drawn.content.decode()

    listing = client.get(reverse("inspection-sample-listing", args=[inspection_a.slug]))
    lines = listing.content.decode().splitlines()
    assert lines[0] == "reference,stratum,population,sample,weight"
    assert len(lines) == 1 + draw.drawn.count()


@pytest.mark.django_db
def test_a_bad_extract_shows_every_error_and_stores_nothing(
    client, admin_user, inspection_a, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "A1,arrest,2025-03-01,,,\nA1,incident,2025-03-01,,,\n")
    with path.open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            reverse("inspection-sample", args=[inspection_a.slug]),
            {"action": "import", "file": upload},
        )
    text = client.get(queued["Location"]).content.decode()
    assert "bad.csv was not imported" in text
    assert '<td class="numeric">2</td><td><code>record_type</code></td>' in text
    assert not PopulationExtract.objects.exists()


@pytest.mark.django_db
def test_sign_off_says_which_strata_are_short(client, lead_user, inspection_a, tmp_path):
    from inspect_app.sampling import drawing, planning
    from tests.sampling.helpers import small_extract

    small_extract(inspection_a, tmp_path)
    planning.save(
        planning.propose(inspection_a, stratify_by="record_type", margin=0.15, minimum=10)
    )
    drawing.draw_sample(inspection_a, 2014)
    client.force_login(lead_user)
    page = client.get(reverse("review-sign-off", args=[inspection_a.slug])).content.decode()
    assert "short in 2 strata" in page
    assert "No-crime decisions: 0 of 10 drawn cases reviewed" in page


@pytest.mark.django_db
def test_the_workspace_shows_progress_by_stratum(client, lead_user, inspection_a, tmp_path):
    from inspect_app.sampling import drawing, planning
    from tests.sampling.helpers import small_extract

    small_extract(inspection_a, tmp_path)
    planning.save(
        planning.propose(inspection_a, stratify_by="record_type", margin=0.15, minimum=10)
    )
    drawing.draw_sample(inspection_a, 2014)
    client.force_login(lead_user)
    page = client.get(reverse("inspection-workspace", args=[inspection_a.slug])).content.decode()
    assert "Progress by stratum" in page
    row = '<td>No-crime decisions</td><td class="numeric">10</td><td class="numeric">10</td>'
    assert row in page

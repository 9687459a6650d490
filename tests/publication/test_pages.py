"""Who sees what: commissioners read published versions only, suppressed; staff see both."""

import csv
import io

import pytest
from django.urls import reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.inspections.workflow import signoff
from inspect_app.publication.models import PublishedVersion
from inspect_app.publication.publishing import publish
from tests.compliance.factories import UNRECORDED, many_reviewed_cases
from tests.publication.conftest import sign_off

pytestmark = pytest.mark.django_db


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def test_a_commissioner_sees_not_yet_published_and_nothing_live(
    client, signed_off_a, commissioner_a
):
    response = page(client, commissioner_a, reverse("force-detail", args=[signed_off_a.force.slug]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Not yet published" in text
    assert "91.7%" not in text and "110 of 120" not in text
    response = page(client, commissioner_a, reverse("inspection-detail", args=[signed_off_a.slug]))
    assert "not yet published" in response.content.decode()
    assert "91.7%" not in response.content.decode()


def test_a_commissioner_reads_the_published_version_with_small_counts_suppressed(
    client, signed_off_a, commissioner_a, lead_user
):
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    response = page(client, commissioner_a, reverse("force-detail", args=[signed_off_a.force.slug]))
    text = response.content.decode()
    assert "110 of 120 cases" in text  # as published, not the live 110 of 150
    assert "110 of 150" not in text
    assert "fewer than 10 cases — suppressed" in text
    # Robbery (7) and Burglary (5) both under 10; nothing shows their counts.
    assert "6 of 7 cases" not in text and "4 of 5 cases" not in text
    assert "draft — not published" not in text


def test_staff_see_live_figures_marked_as_a_draft_with_a_link_to_the_version(
    client, signed_off_a, lead_user
):
    publish(signed_off_a, lead_user)
    response = page(client, lead_user, reverse("inspection-detail", args=[signed_off_a.slug]))
    text = response.content.decode()
    assert "draft — not published" in text
    assert reverse("publication-version", args=[signed_off_a.slug, 1]) in text


def test_a_lead_publishes_through_the_confirmation_page(client, signed_off_a, lead_user):
    url = reverse("publication-publish", args=[signed_off_a.slug])
    assert "Yes, publish version 1" in page(client, lead_user, url).content.decode()
    response = client.post(url, {"note": ""})
    assert response.status_code == 302
    assert PublishedVersion.objects.get().published_by == lead_user
    assert AuditEvent.objects.filter(action=AuditAction.PUBLISHED).count() == 1


def test_the_page_refuses_a_second_version_without_a_note_and_shows_the_correction(
    client, signed_off_a, lead_user
):
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    sign_off(signed_off_a, lead_user)
    client.force_login(lead_user)
    url = reverse("publication-publish", args=[signed_off_a.slug])
    refused = client.post(url, {"note": "  "})
    assert refused.status_code == 400
    assert "needs a note" in refused.content.decode()
    assert PublishedVersion.objects.count() == 1
    client.post(url, {"note": "Two burglaries reclassified"})
    text = client.get(reverse("publication-latest", args=[signed_off_a.slug])).content.decode()
    assert "Corrected on" in text and "Two burglaries reclassified" in text
    old = client.get(reverse("publication-version", args=[signed_off_a.slug, 1]))
    assert old.status_code == 200 and "This is version 1" in old.content.decode()


def test_the_page_refuses_an_inspection_not_signed_off(client, inspection_a, lead_user):
    many_reviewed_cases(inspection_a, 20, offence_group="VAP", **UNRECORDED)
    client.force_login(lead_user)
    response = client.post(reverse("publication-publish", args=[inspection_a.slug]))
    assert response.status_code == 400 and "not signed off" in response.content.decode()
    assert not PublishedVersion.objects.exists()


def test_a_version_that_does_not_exist_is_not_found(client, signed_off_a, lead_user):
    publish(signed_off_a, lead_user)
    client.force_login(lead_user)
    for url in (
        reverse("publication-version", args=[signed_off_a.slug, 2]),
        reverse("publication-csv", args=[signed_off_a.slug, 9]),
        reverse("publication-chart", args=[signed_off_a.slug, 1, "nonsense"]),
    ):
        assert client.get(url).status_code == 404


def test_the_csv_is_suppressed_for_everyone(client, signed_off_a, lead_user):
    publish(signed_off_a, lead_user)
    response = page(client, lead_user, reverse("publication-csv", args=[signed_off_a.slug, 1]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    burglary = next(r for r in rows if r["offence_group"] == "BUR")
    assert burglary["suppressed"] == "true" and burglary["denominator"] == ""
    whole = next(r for r in rows if r["scope"] == "inspection" and r["metric"] == "recording_rate")
    assert (whole["numerator"], whole["denominator"], whole["suppressed"]) == (
        "110",
        "120",
        "false",
    )


def test_a_commissioner_cannot_read_another_forces_versions(
    client, signed_off_a, inspection_b, commissioner_a, lead_user
):
    many_reviewed_cases(inspection_b, 20, offence_group="VAP", **UNRECORDED)
    sign_off(inspection_b, lead_user)
    publish(inspection_b, lead_user)
    client.force_login(commissioner_a)
    assert client.get(reverse("publication-latest", args=[inspection_b.slug])).status_code == 404
    assert client.get(reverse("publication-csv", args=[inspection_b.slug, 1])).status_code == 404
    listing = client.get(reverse("publication-open-data")).content.decode()
    assert inspection_b.slug not in listing


def test_the_chart_is_a_png_image(client, signed_off_a, lead_user):
    publish(signed_off_a, lead_user)
    response = page(
        client,
        lead_user,
        reverse("publication-chart", args=[signed_off_a.slug, 1, "recording_rate"]),
    )
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_staff_open_a_programme_as_published_from_its_live_page(
    client, signed_off_a, inspection_b, lead_user
):
    publish(signed_off_a, lead_user)
    client.force_login(lead_user)
    live = client.get(reverse("programme-detail", args=[signed_off_a.programme.slug]))
    text = live.content.decode()
    assert "live — draft, not published" in text
    assert 'href="?figures=published"' in text
    as_published = client.get(live.request["PATH_INFO"], {"figures": "published"})
    link = reverse("publication-open-data") + f"?programme={signed_off_a.programme.slug}"
    assert link in as_published.content.decode()  # and every version from there
    published = client.get(link).content.decode()
    assert "91.7% (85.3% to 95.4%)" in published
    assert inspection_b.slug not in published  # never published: not listed

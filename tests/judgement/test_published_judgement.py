"""What a commissioner's judgement page and its downloads read: the force's latest published
version, small counts suppressed, never the live figures; staff read live, marked draft."""

import csv
import io
import json

import pytest
from django.urls import reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.compliance.figures import recompute_programme
from inspect_app.inspections.workflow import signoff
from inspect_app.judgement.grading import set_bands
from inspect_app.judgement.models import Finding
from inspect_app.publication.publishing import publish
from tests.compliance.factories import UNRECORDED, many_reviewed_cases
from tests.factories import InspectionFactory, ProgrammeFactory
from tests.publication.builders import frozen_version
from tests.publication.conftest import signed_off_sample

pytestmark = pytest.mark.django_db

BANDS = [("outstanding", 0.95), ("good", 0.9), ("requires improvement", 0.85), ("poor", 0.0)]


def page(client, inspection):
    response = client.get(reverse("inspection-judgement", args=[inspection.slug]))
    assert response.status_code == 200
    return response.content.decode()


def download(client, inspection, export_format):
    name = f"inspection-judgement-{export_format}"
    return client.get(reverse(name, args=[inspection.slug]))


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def recording(rows):
    return next(row for row in rows if row["metric"] == "recording_rate")


@pytest.fixture
def published_then_changed(inspection_a, lead_user, programme):
    """Essex published at 110 of 120 recorded, then reopened and 30 unrecorded cases added:
    live it is 110 of 150."""
    set_bands(programme, BANDS)
    signed_off_sample(inspection_a, lead_user)
    recompute_programme(programme.pk)  # the programme's rate each figure is judged against
    publish(inspection_a, lead_user)
    signoff.reopen(inspection_a, lead_user)
    many_reviewed_cases(inspection_a, 30, offence_group="VAP", **UNRECORDED)
    recompute_programme(programme.pk)
    return inspection_a


def test_before_any_version_a_commissioner_reads_not_yet_published(
    client, inspection_a, commissioner_a
):
    Finding.objects.create(inspection=inspection_a, kind="recommendation", text="Record more.")
    client.force_login(commissioner_a)
    body = page(client, inspection_a)
    assert "once its figures are published" in body and "Record more." not in body
    # Marked published without a version is not a published version.
    inspection_a.status = "published"
    inspection_a.save()
    assert "once its figures are published" in page(client, inspection_a)
    assert download(client, inspection_a, "csv").status_code == 403
    assert download(client, inspection_a, "json").status_code == 403


def test_a_commissioner_reads_the_published_figure_not_the_new_live_one(
    client, published_then_changed, commissioner_a, lead_user
):
    inspection = published_then_changed
    Finding.objects.create(inspection=inspection, kind="recommendation", text="Record more.")
    client.force_login(commissioner_a)
    body = page(client, inspection)
    assert "once its figures are published" not in body
    assert "91.7%" in body and "73.3%" not in body  # 110/120 as published, not 110/150 live
    assert "as published in" in body and "draft — not published" not in body
    assert "Good, " in body  # the grade published with version 1
    assert "Record more." in body and "Record a finding" not in body
    assert "Programme estimate" not in body and "chart-spine" not in body

    client.force_login(lead_user)
    body = page(client, inspection)
    assert "73.3%" in body and "draft — not published" in body


def test_the_downloads_carry_the_published_judgement_for_a_commissioner(
    client, published_then_changed, commissioner_a, lead_user
):
    inspection = published_then_changed
    client.force_login(commissioner_a)
    response = download(client, inspection, "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-judgement-version-1.csv"')
    row = recording(csv_rows(response))
    assert (row["numerator"], row["denominator"], row["rate"]) == ("110", "120", "0.91667")
    assert (row["figures"], row["version"], row["suppressed"]) == ("published", "1", "false")
    assert row["versus_programme"] in ("better", "similar", "worse")
    assert row["grade"] == "good" and float(row["grade_certainty"]) > 0
    assert row["programme_rate"] == ""  # the live programme rate is never a commissioner's

    document = json.loads(download(client, inspection, "json").content)
    assert document["status"] == "published" and document["version"] == 1
    assert recording(document["rows"])["denominator"] == 120

    client.force_login(lead_user)
    live = recording(csv_rows(download(client, inspection, "csv")))
    assert (live["denominator"], live["figures"], live["version"]) == ("150", "live", "")
    events = AuditEvent.objects.filter(action=AuditAction.DISCLOSURE, details__page="judgement")
    assert sorted(event.details["format"] for event in events) == ["csv", "csv", "json"]
    assert {event.actor for event in events} == {commissioner_a, lead_user}


def test_small_counts_are_suppressed_on_the_page_and_in_the_downloads(
    client, inspection_a, commissioner_a
):
    frozen_version(inspection_a, numerator=4, denominator=6)
    client.force_login(commissioner_a)
    body = page(client, inspection_a)
    assert "fewer than 10 cases — suppressed" in body
    assert "66.7%" not in body
    row = recording(csv_rows(download(client, inspection_a, "csv")))
    assert row["suppressed"] == "true"
    assert (row["numerator"], row["denominator"], row["rate"], row["ci_low"]) == ("", "", "", "")
    row = recording(json.loads(download(client, inspection_a, "json").content)["rows"])
    assert row["numerator"] is None and row["rate"] is None and row["suppressed"] is True


def test_the_change_since_last_time_is_from_the_two_published_versions(
    client, inspection_a, commissioner_a, force_a
):
    later = InspectionFactory(
        programme=ProgrammeFactory(slug="re-inspection", year=2016), force=force_a
    )
    frozen_version(inspection_a, numerator=60, denominator=100)
    frozen_version(later, numerator=90, denominator=100)
    client.force_login(commissioner_a)
    body = page(client, later)
    assert "Change since the last inspection" in body and "improved" in body
    assert "(as published in version 1)" in body
    row = recording(csv_rows(download(client, later, "csv")))
    assert (row["previous_inspection"], row["previous_rate"]) == (inspection_a.slug, "0.6")
    assert row["change_verdict"] == "improved"
    assert 0 < float(row["change_ci_low"]) < 0.3 < float(row["change_ci_high"])
    # The trend is of published versions: both programmes, each as published.
    trend = body.split('id="trend"')[1].split("</table>")[0]
    assert "60.0%" in trend and "90.0%" in trend


def test_a_suppressed_figure_is_not_compared_with_last_time(
    client, inspection_a, commissioner_a, force_a
):
    later = InspectionFactory(
        programme=ProgrammeFactory(slug="re-inspection", year=2016), force=force_a
    )
    frozen_version(inspection_a, numerator=60, denominator=100)
    frozen_version(later, numerator=5, denominator=6)
    client.force_login(commissioner_a)
    row = recording(csv_rows(download(client, later, "csv")))
    assert row["change"] == "" and row["change_verdict"] == ""
    assert "suppressed" in row["change_note"]
    assert row["previous_rate"] == "0.6"
    assert "83.3%" not in page(client, later)


def test_a_commissioner_cannot_download_another_forces_judgement(
    client, inspection_b, commissioner_a
):
    frozen_version(inspection_b)
    client.force_login(commissioner_a)
    assert download(client, inspection_b, "csv").status_code == 404
    assert download(client, inspection_b, "json").status_code == 404

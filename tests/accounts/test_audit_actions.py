"""Each kind of processing the law asks a log of (DPA 2018, s.62) leaves its entry: who,
when, and what it was done to, as the model's name and primary key."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.inspections.models import SampleBatch
from tests.dashboard.builders import published_2014
from tests.management import run_command
from tests.review.conftest import ALL_YES_INCIDENT, case_page, post_review
from tests.uploads.conftest import HEADER

pytestmark = pytest.mark.django_db


def entries(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- consultation ---------------------------------------------------------------------------


def test_a_case_page_view_leaves_one_consultation_naming_the_case(inspector_user, assigned_case):
    response = signed_in(inspector_user).get(case_page(assigned_case))
    assert response.status_code == 200
    [entry] = entries(AuditAction.CONSULTATION)
    assert (entry.actor_username, entry.object_type, entry.object_id) == (
        inspector_user.username,
        "sampledcase",
        assigned_case.pk,
    )
    assert entry.target.endswith(assigned_case.reference)
    assert entry.ip_address == "127.0.0.1" and entry.details == {"page": "case"}


def test_a_kept_case_page_is_a_consultation_too_by_its_actual_reader(
    lead_user, admin_user, assigned_case
):
    lead = signed_in(lead_user)
    lead.get(case_page(assigned_case))
    served = lead.get(case_page(assigned_case))  # the second comes from the kept copy
    assert b"Essex narrative: sensitive" in served.content
    signed_in(admin_user).get(case_page(assigned_case))
    readers = [entry.actor_username for entry in entries(AuditAction.CONSULTATION)]
    assert readers == [lead_user.username, lead_user.username, admin_user.username]


def test_a_refused_reader_leaves_no_consultation(unassigned_inspector, assigned_case):
    assert signed_in(unassigned_inspector).get(case_page(assigned_case)).status_code == 403
    assert entries(AuditAction.CONSULTATION) == []


# --- alteration -----------------------------------------------------------------------------


def test_a_review_save_leaves_an_alteration_of_the_case(inspector_user, assigned_case):
    response = post_review(signed_in(inspector_user), assigned_case, **ALL_YES_INCIDENT)
    assert response.status_code == 302
    [entry] = entries(AuditAction.ALTERATION)
    review = assigned_case.reviews.get()
    assert (entry.actor_username, entry.object_type, entry.object_id) == (
        inspector_user.username,
        "sampledcase",
        assigned_case.pk,
    )
    assert entry.details == {
        "review": "first",
        "review_id": review.pk,
        "version": 1,
        "correction": False,
    }


def test_a_lead_correcting_a_review_is_an_alteration_marked_as_a_correction(
    inspector_user, lead_user, assigned_case
):
    post_review(signed_in(inspector_user), assigned_case, **ALL_YES_INCIDENT)
    fields = {**ALL_YES_INCIDENT, "notes": "Put right by the lead."}
    response = post_review(signed_in(lead_user), assigned_case, version=1, queue="all", **fields)
    assert response.status_code == 302
    first, correction = entries(AuditAction.ALTERATION)
    assert correction.actor_username == lead_user.username
    assert correction.details["correction"] is True and correction.details["version"] == 2


def test_a_refused_save_leaves_no_alteration(second_inspector, assigned_case):
    post_review(signed_in(second_inspector), assigned_case, **ALL_YES_INCIDENT)
    assert entries(AuditAction.ALTERATION) == []


# --- disclosure -----------------------------------------------------------------------------


def test_an_export_of_live_figures_is_a_disclosure_each_time_cached_or_not(
    lead_user, admin_user, programme, inspection_a, inspection_b
):
    published_2014(programme, inspection_a, inspection_b)
    url = reverse("programme-detail", args=[programme.slug]) + "?_export=csv"
    first = signed_in(lead_user).get(url)
    again = signed_in(admin_user).get(url)  # the same scope: served from the cache
    assert first.content == again.content and "attachment" in again["Content-Disposition"]
    disclosed = entries(AuditAction.DISCLOSURE)
    readers = [entry.actor_username for entry in disclosed]
    assert readers == [lead_user.username, admin_user.username]
    assert disclosed[0].details == {"page": "programme", "format": "csv", "address": url}


def test_looking_at_a_figures_page_is_not_a_disclosure(lead_user, programme):
    signed_in(lead_user).get(reverse("programme-detail", args=[programme.slug]))
    assert entries(AuditAction.DISCLOSURE) == []


def test_the_compliance_report_is_a_disclosure_from_the_command_line(
    programme, inspection_a, inspection_b
):
    published_2014(programme, inspection_a, inspection_b)
    status, out, err = run_command(
        "compliance_report", "--inspection", inspection_a.slug, "--format", "csv"
    )
    assert status == 0
    [entry] = entries(AuditAction.DISCLOSURE)
    assert (entry.actor_username, entry.object_type, entry.object_id) == (
        "",
        "inspection",
        inspection_a.pk,
    )
    assert entry.details == {
        "report": "compliance_report",
        "format": "csv",
        "via": "command line",
    }


# --- collection -----------------------------------------------------------------------------

CONTENT = HEADER + "\nA1,incident,2014-03-01,,\n"


def test_an_upload_is_a_collection_of_the_batch(
    admin_user, inspection_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(admin_user).post(
            reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
            {"file": SimpleUploadedFile("web.csv", CONTENT.encode())},
        )
    assert response.status_code == 302
    batch = SampleBatch.objects.get()
    [entry] = entries(AuditAction.COLLECTION)
    assert (entry.actor_username, entry.object_type, entry.object_id) == (
        admin_user.username,
        "samplebatch",
        batch.pk,
    )


def test_the_errors_download_of_a_batch_is_a_disclosure(
    admin_user, inspection_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(admin_user).post(
            reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
            {"file": SimpleUploadedFile("bad.csv", b"nonsense\n")},
        )
    batch = SampleBatch.objects.get()
    response = signed_in(admin_user).get(reverse("batch-errors-csv", kwargs={"pk": batch.pk}))
    assert response.status_code == 200
    [entry] = entries(AuditAction.DISCLOSURE)
    assert (entry.object_type, entry.object_id) == ("samplebatch", batch.pk)
    assert entry.details["download"] == "errors.csv" and entry.details["errors"] >= 1

"""Erasing an inspection's casework: the text goes (even from a database dump), the
decisions and figures stay, the audit log says how much went, and only an admin may."""

import os
import subprocess
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.compliance.models import ComplianceFigure
from inspect_app.inspections import erasure
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    InspectionStatus,
    SampleBatch,
    SampledCase,
    batch_file_storage,
)
from tests.factories import CaseReviewFactory, SampledCaseFactory

#: Text that must be gone after erasure, one marker per place it is kept.
NARRATIVE = "Narrative-marker-7f3a: the victim said"
NOTE = "Note-marker-91c2: the reviewer wrote this"
EARLIER_NOTE = "Earlier-note-marker-55d0: first draft"
ERROR_TEXT = "Error-marker-c4e8 is not a record type"
FILE_TEXT = b"File-marker-0b6d: the whole uploaded file"
MARKERS = (NARRATIVE, NOTE, EARLIER_NOTE, ERROR_TEXT)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def casework(inspection_a, inspector_user, admin_user, media_root):
    """An inspection with every kind of text erasure removes, then closed."""
    case = SampledCaseFactory(inspection=inspection_a, reference="ESX-9", summary=NARRATIVE)
    review = CaseReviewFactory(
        case=case,
        reviewer=inspector_user,
        should_record=True,
        was_recorded=True,
        notes=EARLIER_NOTE,
    )
    review.notes = NOTE  # a second saved version: the history keeps the first
    review.save()
    stored = batch_file_storage().save("pending/batch.csv", ContentFile(FILE_TEXT))
    batch = SampleBatch.objects.create(
        inspection=inspection_a,
        original_filename="batch.csv",
        content_sha256="e" * 64,
        uploaded_by=admin_user,
        status=SampleBatch.Status.FAILED,
        errors=[{"row": 2, "column": "record_type", "message": ERROR_TEXT}],
        error_count=1,
        stored_file=stored,
    )
    Inspection.objects.filter(pk=inspection_a.pk).update(status=InspectionStatus.PUBLISHED)
    inspection_a.refresh_from_db()
    return {"inspection": inspection_a, "case": case, "review": review, "batch": batch}


def _figures(inspection):
    return sorted(
        ComplianceFigure.objects.filter(inspection=inspection).values_list(
            "scope", "metric", "offence_group_id", "numerator", "denominator"
        )
    )


@pytest.mark.django_db
def test_erasure_removes_every_text_and_keeps_the_decisions_and_figures(
    casework, admin_user, django_capture_on_commit_callbacks
):
    inspection = casework["inspection"]
    call_command("recompute_figures", inspection=inspection.slug, stdout=_Quiet())
    figures_before = _figures(inspection)
    assert figures_before
    path = batch_file_storage().path(casework["batch"].stored_file)

    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        counts = erasure.erase_casework(inspection, by=admin_user)

    assert counts == erasure.ErasureCounts(
        narratives=1, notes=1, review_versions=2, batch_error_lists=1, files=1
    )
    case = SampledCase.objects.get(pk=casework["case"].pk)
    review = CaseReview.objects.get(pk=casework["review"].pk)
    assert case.summary == "" and review.notes == ""
    assert (review.should_record, review.was_recorded) == (True, True)  # the decisions stay
    assert case.record_type == casework["case"].record_type
    assert not CaseReview.history.filter(case_id=case.pk).exists()
    batch = SampleBatch.objects.get(pk=casework["batch"].pk)
    assert batch.errors == [] and batch.stored_file == "" and batch.error_count == 1
    assert not os.path.exists(path)  # the file goes once the erasure is committed
    assert Inspection.objects.get(pk=inspection.pk).casework_erased_at is not None
    # The figures stay, and recomputing them from what is left gives the same.
    assert _figures(inspection) == figures_before
    call_command("recompute_figures", inspection=inspection.slug, stdout=_Quiet())
    assert _figures(inspection) == figures_before


class _Quiet:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


@pytest.mark.django_db
def test_the_audit_entry_says_who_and_how_much_never_what(casework, admin_user):
    erasure.erase_casework(casework["inspection"], by=admin_user)
    entry = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert entry.actor == admin_user
    assert entry.object_type == "inspection" and entry.object_id == casework["inspection"].pk
    assert entry.details == {
        "narratives": 1,
        "notes": 1,
        "review_versions": 2,
        "batch_error_lists": 1,
        "files": 1,
    }
    text = repr(AuditEvent.objects.values_list("target", "details"))
    assert not any(marker in text for marker in MARKERS)


@pytest.mark.django_db
def test_erasing_twice_finds_nothing_the_second_time(casework, admin_user):
    erasure.erase_casework(casework["inspection"], by=admin_user)
    again = erasure.erase_casework(casework["inspection"], by=admin_user)
    assert again.total == 0
    assert AuditEvent.objects.filter(action=AuditAction.ERASURE).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [InspectionStatus.REVIEW, InspectionStatus.FIELDWORK])
def test_it_refuses_while_the_cases_are_being_reviewed(casework, admin_user, status):
    Inspection.objects.filter(pk=casework["inspection"].pk).update(status=status)
    casework["inspection"].refresh_from_db()
    with pytest.raises(erasure.ErasureRefused, match="signed off"):
        erasure.erase_casework(casework["inspection"], by=admin_user)
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == NARRATIVE
    assert not AuditEvent.objects.filter(action=AuditAction.ERASURE).exists()


@pytest.mark.django_db
def test_it_refuses_while_a_batch_is_being_processed(casework, admin_user):
    SampleBatch.objects.filter(pk=casework["batch"].pk).update(status=SampleBatch.Status.PROCESSING)
    with pytest.raises(erasure.ErasureRefused, match="still being processed"):
        erasure.erase_casework(casework["inspection"], by=admin_user)


@pytest.mark.django_db
def test_it_leaves_other_inspections_alone(casework, case_b, admin_user):
    erasure.erase_casework(casework["inspection"], by=admin_user)
    assert SampledCase.objects.get(pk=case_b.pk).summary == "Hertfordshire narrative: sensitive"


# --- a dump of the database holds none of it ---------------------------------------------


def database_dump() -> str:
    """The whole database as text, as a backup would hold it."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    config = connection.settings_dict
    command = ["pg_dump", "--no-owner", "--dbname", config["NAME"], "--username", config["USER"]]
    if config.get("HOST"):
        command += ["--host", config["HOST"]]
    if config.get("PORT"):
        command += ["--port", str(config["PORT"])]
    env = {"PGPASSWORD": config.get("PASSWORD") or ""}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**_path(), **env}, check=True
    )
    return result.stdout


def _path():
    return {"PATH": os.environ.get("PATH", "")}


@pytest.mark.django_db(transaction=True)
def test_after_erasure_a_database_dump_holds_none_of_the_erased_text(casework, admin_user):
    before = database_dump()
    assert all(marker in before for marker in MARKERS)  # the dump does see the text
    erasure.erase_casework(casework["inspection"], by=admin_user)
    after = database_dump()
    assert [marker for marker in MARKERS if marker in after] == []


# --- the command line ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_erases_nothing_without_confirm(casework, capsys):
    with pytest.raises(CommandError, match="nothing erased: 1 narratives.*--confirm"):
        call_command("erase_casework", casework["inspection"].slug)
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == NARRATIVE


@pytest.mark.django_db
def test_the_command_erases_with_confirm_and_records_the_command_line(casework, capsys):
    call_command("erase_casework", casework["inspection"].slug, "--confirm")
    assert "erased from essex-test: 1 narratives, 1 review notes" in capsys.readouterr().out
    entry = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert entry.actor is None and entry.details["via"] == "command line"
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == ""


@pytest.mark.django_db
def test_the_command_names_an_unknown_inspection(db):
    with pytest.raises(CommandError, match="no inspection called 'nowhere'"):
        call_command("erase_casework", "nowhere", "--confirm")


# --- the page -----------------------------------------------------------------------------


def erase_url(inspection):
    return reverse("inspection-erase", kwargs={"slug": inspection.slug})


@pytest.mark.django_db
def test_an_admin_sees_what_would_go_and_the_retention_date(client, casework, admin_user):
    programme = casework["inspection"].programme
    programme.retention_until = date.today() - timedelta(days=1)
    programme.save()
    client.force_login(admin_user)
    page = client.get(erase_url(casework["inspection"])).content.decode()
    assert "has passed: the casework should be erased" in page
    assert "<dt>Record narratives</dt><dd>1</dd>" in page
    assert NARRATIVE not in page


@pytest.mark.django_db
def test_the_page_erases_only_once_the_short_name_is_typed(client, casework, admin_user):
    client.force_login(admin_user)
    url = erase_url(casework["inspection"])
    wrong = client.post(url, {"confirmation": "essex"})
    assert wrong.status_code == 400
    assert "That is not this inspection&#x27;s short name" in wrong.content.decode()
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == NARRATIVE
    done = client.post(url, {"confirmation": casework["inspection"].slug})
    assert done.status_code == 302
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == ""
    entry = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert entry.actor == admin_user and entry.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_the_page_says_why_it_cannot_erase_an_open_inspection(client, casework, admin_user):
    Inspection.objects.filter(pk=casework["inspection"].pk).update(status=InspectionStatus.REVIEW)
    client.force_login(admin_user)
    response = client.post(erase_url(casework["inspection"]), {"confirmation": "essex-test"})
    assert response.status_code == 400
    assert "still being reviewed" in response.content.decode()
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == NARRATIVE


@pytest.mark.django_db
def test_nobody_but_an_admin_may_erase(client, casework, lead_user, inspector_user, commissioner_a):
    for user in (lead_user, inspector_user, commissioner_a):
        client.force_login(user)
        url = erase_url(casework["inspection"])
        assert client.get(url).status_code == 403
        assert client.post(url, {"confirmation": "essex-test"}).status_code == 403
    assert SampledCase.objects.get(pk=casework["case"].pk).summary == NARRATIVE


@pytest.mark.django_db
def test_the_inspection_page_links_an_admin_to_erasure_once_closed(client, casework, admin_user):
    client.force_login(admin_user)
    page = client.get(casework["inspection"].get_absolute_url()).content.decode()
    assert erase_url(casework["inspection"]) in page
    Inspection.objects.filter(pk=casework["inspection"].pk).update(status=InspectionStatus.REVIEW)
    page = client.get(casework["inspection"].get_absolute_url()).content.decode()
    assert erase_url(casework["inspection"]) not in page


@pytest.mark.django_db
def test_an_erased_case_page_says_the_narrative_was_erased(client, casework, admin_user):
    erasure.erase_casework(casework["inspection"], by=admin_user)
    client.force_login(admin_user)
    url = reverse(
        "review-case", kwargs={"slug": casework["inspection"].slug, "pk": casework["case"].pk}
    )
    page = client.get(url).content.decode()
    assert f"Erased on {timezone.localdate():%-d %B %Y}" in page

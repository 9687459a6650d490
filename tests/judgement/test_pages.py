"""The follow-up pages and services: bad input says why and writes nothing; commissioners
see their own force's published findings only."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from inspect_app.accounts.models import AuditEvent
from inspect_app.judgement import findings, outliers
from inspect_app.judgement.models import Finding, GradeBandSet, OutlierCase, ProgrammeJudgement
from tests.publication.builders import frozen_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def alarm(inspection_a):
    return OutlierCase.objects.create(
        inspection=inspection_a,
        metric="recording_rate",
        level="alarm",
        side="low",
        numerator=60,
        denominator=100,
        target_rate=0.8,
    )


def test_the_clock_counts_working_days_across_a_bank_holiday(alarm, lead_user, programme):
    ProgrammeJudgement.objects.create(programme=programme, response_working_days=3)
    # Told on Friday 22 December 2023: Christmas and Boxing Day are bank holidays.
    told = datetime(2023, 12, 22, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    outliers.tell_force(alarm, by=lead_user, told_at=told)
    assert alarm.due_on == date(2023, 12, 29)
    assert alarm.is_overdue(today=date(2024, 1, 2))
    assert not alarm.is_overdue(today=date(2023, 12, 29))


def test_steps_out_of_order_are_refused_and_write_nothing(alarm, lead_user):
    with pytest.raises(outliers.StepRefused, match="once the force has been told"):
        outliers.record_response(alarm, by=lead_user, text="Checked.")
    with pytest.raises(outliers.StepRefused, match="response is in"):
        outliers.record_outcome(alarm, by=lead_user, outcome="confirmed", notes="x")
    alarm.refresh_from_db()
    assert alarm.status == "detected"
    assert not AuditEvent.objects.filter(action="outlier_step").exists()


def test_a_step_on_the_page_with_nothing_typed_says_what_is_missing(client, alarm, lead_user):
    client.force_login(lead_user)
    url = reverse("outlier-detail", args=[alarm.pk])
    client.post(url, {"step": "tell"})
    response = client.post(url, {"step": "response", "response": "  "})
    assert response.status_code == 400
    assert "Enter the force" in response.content.decode()
    alarm.refresh_from_db()
    assert alarm.status == "force told" and alarm.response_text == ""


def test_bad_grade_bands_on_the_page_say_why_and_store_nothing(client, admin_user, programme):
    client.force_login(admin_user)
    response = client.post(
        reverse("grade-bands", args=[programme.slug]), {"bands": "good:0.8,great:0.9,poor:0"}
    )
    assert response.status_code == 400
    assert "strictly decreasing" in response.content.decode()
    assert not GradeBandSet.objects.exists()
    response = client.post(reverse("grade-bands", args=[programme.slug]), {"bands": "ok:0.5,no:0"})
    assert response.status_code == 302 and GradeBandSet.objects.get().version == 1


def test_a_finding_moves_along_its_trail_and_is_audited(inspection_a, lead_user, programme):
    from tests.factories import InspectionFactory, ProgrammeFactory

    later = InspectionFactory(
        programme=ProgrammeFactory(slug="later"), force=inspection_a.force, slug="essex-later"
    )
    finding = findings.add(inspection_a, kind="recommendation", text="Record more.", by=lead_user)
    with pytest.raises(findings.FindingRefused, match="re-inspection that closed"):
        findings.move(finding, status="closed at re-inspection", by=lead_user)
    findings.move(finding, status="being progressed", by=lead_user)
    findings.move(
        finding, status="closed at re-inspection", reinspection_slug=later.slug, by=lead_user
    )
    finding.refresh_from_db()
    assert finding.reinspection == later
    assert [u.status for u in finding.updates.all()] == [
        "new",
        "being progressed",
        "closed at re-inspection",
    ]
    assert AuditEvent.objects.filter(action="finding_change").count() == 3


def test_a_commissioner_sees_findings_only_once_published(client, inspection_a, commissioner_a):
    Finding.objects.create(inspection=inspection_a, kind="recommendation", text="Record more.")
    client.force_login(commissioner_a)
    url = reverse("inspection-judgement", args=[inspection_a.slug])
    body = client.get(url).content.decode()
    assert "Record more." not in body and "once its figures are published" in body
    frozen_version(inspection_a)
    body = client.get(url).content.decode()
    assert "Record more." in body
    assert "Record a finding" not in body and "chart-spine" not in body

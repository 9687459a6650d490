"""The force report: a PDF on A4 that opens, holds its charts and suppresses as published."""

import base64
import re
import zlib

import pytest
from django.urls import reverse

from inspect_app.publication import report
from inspect_app.publication.publishing import publish

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the PDF's pages, from its (compressed) content streams."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\s*endstream", pdf, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):  # reportlab writes ASCII85 around the deflated stream
            data = base64.a85decode(data[:-2].replace(b"\n", b""))
        try:
            content = zlib.decompress(data)
        except zlib.error:
            continue
        shown += re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content)
    return b" ".join(shown).decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def test_the_report_opens_on_a4_with_its_charts(signed_off_a, lead_user):
    version = publish(signed_off_a, lead_user, note="")
    pdf = report.force_report_pdf(version)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type /Page\b", pdf)
    assert len(pages) >= 4
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
    images = re.findall(rb"/Subtype /Image", pdf)
    assert len(images) >= 2  # the six figures and at least one by offence group
    text = pdf_text(pdf)
    assert "Essex" in text and "The six figures" in text
    assert "91.7%" in text and "110 of 120 cases" in text
    assert "Not statistically reliable" in text


def test_the_report_suppresses_small_counts(signed_off_a, lead_user):
    pdf = report.force_report_pdf(publish(signed_off_a, lead_user))
    text = pdf_text(pdf)
    assert "suppressed" in text
    assert "6 of 7 cases" not in text and "4 of 5 cases" not in text


def test_a_commissioner_downloads_the_report_of_their_force(
    client, signed_off_a, lead_user, commissioner_a
):
    publish(signed_off_a, lead_user)
    client.force_login(commissioner_a)
    page = client.get(reverse("force-detail", args=[signed_off_a.force.slug])).content.decode()
    link = reverse("publication-pdf", args=[signed_off_a.slug, 1])
    assert link in page
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_with_a_worker_the_page_waits_for_the_report_then_serves_it(
    client, signed_off_a, lead_user, monkeypatch
):
    from inspect_app.celery import app
    from inspect_app.publication import tasks

    version = publish(signed_off_a, lead_user)
    queued = []
    monkeypatch.setattr(tasks.make_force_report, "delay", lambda pk: queued.append(pk))
    client.force_login(lead_user)
    url = reverse("publication-pdf", args=[signed_off_a.slug, 1])
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # a worker's setup
    try:
        waiting = client.get(url)
        assert "Preparing the force report" in waiting.content.decode()
        assert queued == [version.pk]
        client.get(url)
        assert queued == [version.pk]  # under way: not queued twice
        tasks.make_force_report(version.pk)  # the worker's run
        done = client.get(url)
    finally:
        app.conf.task_always_eager = eager
    assert done["Content-Type"] == "application/pdf" and done.content.startswith(b"%PDF-")


def test_the_report_names_a_confirmed_alarm_as_it_stood_when_published(signed_off_a, lead_user):
    from inspect_app.judgement.models import OutlierCase

    alarm = OutlierCase.objects.create(
        inspection=signed_off_a,
        metric="recording_rate",
        level="alarm",
        side="low",
        numerator=110,
        denominator=120,
        target_rate=0.97,
        outcome="confirmed",
        outcome_notes="Incidents closed without a crime record.",
    )
    OutlierCase.objects.create(
        inspection=signed_off_a,
        metric="timeliness",
        level="alarm",
        side="low",
        numerator=1,
        denominator=10,
        target_rate=0.9,
        outcome="withdrawn",
    )
    version = publish(signed_off_a, lead_user)
    text = pdf_text(report.force_report_pdf(version))
    assert "Confirmed outliers" in text
    assert "Recording rate: below the other forces" in text
    assert "Incidents closed without a crime record." in text
    assert "Timeliness: below" not in text  # withdrawn: not named

    # Frozen with the version: an outcome changed later does not rewrite what was published.
    alarm.outcome = "withdrawn"
    alarm.save()
    version.refresh_from_db()
    assert "Recording rate: below" in pdf_text(report.force_report_pdf(version))


def test_a_report_without_confirmed_alarms_names_none(signed_off_a, lead_user):
    text = pdf_text(report.force_report_pdf(publish(signed_off_a, lead_user)))
    assert "Confirmed outliers" not in text


def test_the_waiting_page_polls_the_report_state_and_refreshes_only_without_scripts(
    client, signed_off_a, lead_user, monkeypatch
):
    from inspect_app.celery import app
    from inspect_app.publication import tasks

    version = publish(signed_off_a, lead_user)
    monkeypatch.setattr(tasks.make_force_report, "delay", lambda pk: None)
    client.force_login(lead_user)
    state_url = reverse("publication-pdf-state", args=[signed_off_a.slug, 1])
    pdf_url = reverse("publication-pdf", args=[signed_off_a.slug, 1])
    assert client.get(state_url).json() == {
        "ready": False,
        "queued": False,
        "done": 0,
        "total": 1,
        "percent": 0,
        "pdf_url": pdf_url,
    }
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        page = client.get(pdf_url).content.decode()
    finally:
        app.conf.task_always_eager = eager
    assert f'data-report-state-url="{state_url}"' in page
    assert '<progress id="report-progress-bar" max="100" value="0">' in page
    assert "js/report-progress" in page
    # The refresh is for people without scripts only: inside <noscript>, nowhere else.
    assert page.count('http-equiv="refresh"') == 1
    assert '<noscript><meta http-equiv="refresh"' in page

    from django.core.cache import cache

    cache.set(tasks.progress_key(version), (3, 4))
    state = client.get(state_url).json()
    assert (state["ready"], state["queued"], state["percent"]) == (False, True, 75)
    assert client.get(state_url).json()["done"] == 3  # reading the state starts nothing
    tasks.make_force_report(version.pk)
    assert client.get(state_url).json()["ready"] is True


def test_the_report_state_of_another_forces_version_is_refused(
    client, signed_off_a, lead_user, commissioner_a, inspection_b
):
    from tests.publication.builders import frozen_version

    frozen_version(inspection_b)
    client.force_login(commissioner_a)
    assert (
        client.get(reverse("publication-pdf-state", args=[inspection_b.slug, 1])).status_code == 404
    )
    assert (
        client.get(reverse("publication-pdf-state", args=[signed_off_a.slug, 9])).status_code == 404
    )

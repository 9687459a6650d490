"""Publishing freezes an inspection's figures as numbered versions that never change."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.inspections.models import InspectionStatus
from inspect_app.inspections.workflow import signoff
from inspect_app.publication.models import PublishedFigure, PublishedVersion
from inspect_app.publication.publishing import PublishingError, publish
from tests.compliance.factories import UNRECORDED, many_reviewed_cases
from tests.publication.conftest import sign_off

pytestmark = pytest.mark.django_db


def report(*arguments):
    out = io.StringIO()
    call_command("compliance_report", *arguments, stdout=out)
    return out.getvalue()


def inspection_row(rows, metric="recording_rate"):
    return next(r for r in rows if r["scope"] == "inspection" and r["metric"] == metric)


def test_it_freezes_the_figures_as_version_one(signed_off_a, lead_user):
    version = publish(signed_off_a, lead_user)
    assert version.number == 1
    assert version.method == "wilson" and version.confidence == 0.95
    assert len(version.reviews_sha256) == 64 and version.review_count == 120
    assert version.code_version
    assert "recording_rate" in version.counting_rules
    row = PublishedFigure.objects.get(version=version, scope="inspection", metric="recording_rate")
    assert (row.numerator, row.denominator) == (110, 120)
    assert round(row.ci_low, 5) == 0.85338
    groups = set(
        PublishedFigure.objects.filter(version=version, scope="offence_group").values_list(
            "offence_group", flat=True
        )
    )
    assert groups == {"VAP", "ROB", "BUR"}
    signed_off_a.refresh_from_db()
    assert signed_off_a.status == InspectionStatus.PUBLISHED
    event = AuditEvent.objects.get(action=AuditAction.PUBLISHED)
    assert event.actor == lead_user and event.details["version"] == 1


def test_reopening_and_changing_reviews_moves_live_figures_not_the_published(
    signed_off_a, lead_user
):
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    live = json.loads(report("--inspection", signed_off_a.slug, "--format", "json"))
    assert inspection_row(live["rows"])["denominator"] == 150
    published = json.loads(
        report("--inspection", signed_off_a.slug, "--published", "--format", "json")
    )
    assert published["version"] == 1
    assert inspection_row(published["rows"])["denominator"] == 120
    assert inspection_row(published["rows"])["suppressed"] is False


def test_a_correction_needs_a_note_and_keeps_the_old_version(signed_off_a, lead_user):
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    sign_off(signed_off_a, lead_user)
    with pytest.raises(PublishingError, match="needs a note"):
        publish(signed_off_a, lead_user)
    assert PublishedVersion.objects.count() == 1
    second = publish(signed_off_a, lead_user, note="30 violence cases added")
    assert second.number == 2
    first = json.loads(
        report(
            "--inspection",
            signed_off_a.slug,
            "--published",
            "--published-version",
            "1",
            "--format",
            "json",
        )
    )
    latest = json.loads(
        report("--inspection", signed_off_a.slug, "--published", "--format", "json")
    )
    assert inspection_row(first["rows"])["denominator"] == 120
    assert inspection_row(latest["rows"])["denominator"] == 150
    assert latest["note"] == "30 violence cases added" and latest["published_at"]


def test_it_refuses_an_inspection_not_signed_off(inspection_a, lead_user):
    many_reviewed_cases(inspection_a, 20, offence_group="VAP", **UNRECORDED)
    with pytest.raises(PublishingError, match="not signed off"):
        publish(inspection_a, lead_user)
    assert not PublishedVersion.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PUBLISHED).exists()


def test_it_refuses_an_inspection_without_figures(inspection_a, lead_user):
    sign_off(inspection_a, lead_user)
    with pytest.raises(PublishingError, match="no figures"):
        publish(inspection_a, lead_user)
    assert not PublishedVersion.objects.exists()


def test_it_refuses_someone_who_may_not_publish(signed_off_a, inspector_user, commissioner_a):
    for user in (inspector_user, commissioner_a):
        with pytest.raises(PublishingError, match="Only a lead inspector or an admin"):
            publish(signed_off_a, user)
    assert not PublishedVersion.objects.exists()


def test_it_refuses_publishing_again_without_reopening(signed_off_a, lead_user):
    publish(signed_off_a, lead_user)
    with pytest.raises(PublishingError, match="already published as version 1"):
        publish(signed_off_a, lead_user, note="again")


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_changing_or_deleting_a_version(signed_off_a, lead_user):
    version = publish(signed_off_a, lead_user)
    figure = PublishedFigure.objects.filter(version=version).first()
    for change in (
        lambda: PublishedVersion.objects.filter(pk=version.pk).update(note="rewritten"),
        lambda: PublishedFigure.objects.filter(pk=figure.pk).update(numerator=0),
        lambda: PublishedFigure.objects.filter(pk=figure.pk).delete(),
        lambda: (
            PublishedFigure.objects.filter(version=version).delete()
            or PublishedVersion.objects.filter(pk=version.pk).delete()
        ),
    ):
        with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
            change()
    figure.refresh_from_db()
    version.refresh_from_db()
    assert version.note == "" and figure.numerator > 0


def test_the_command_publishes_and_refuses_in_one_line(signed_off_a, inspection_b):
    out = io.StringIO()
    call_command("publish_inspection", signed_off_a.slug, stdout=out)
    assert out.getvalue().strip() == f"published {signed_off_a.slug} version 1"
    assert AuditEvent.objects.get(action=AuditAction.PUBLISHED).details["via"] == "command line"
    with pytest.raises(CommandError, match="not signed off"):
        call_command("publish_inspection", inspection_b.slug)
    with pytest.raises(CommandError, match="no inspection with slug"):
        call_command("publish_inspection", "nowhere")


def test_the_report_refuses_a_version_that_does_not_exist(signed_off_a, inspection_b, lead_user):
    with pytest.raises(CommandError, match="never been published"):
        report("--inspection", signed_off_a.slug, "--published", "--format", "json")
    publish(signed_off_a, lead_user)
    with pytest.raises(CommandError, match="no published version 7"):
        report("--inspection", signed_off_a.slug, "--published-version", "7", "--format", "json")
    with pytest.raises(CommandError, match="needs --inspection"):
        report("--programme", "test-programme", "--published", "--format", "json")

"""A published version written directly, for tests about who reaches it, not how it is made."""

from django.utils import timezone

from inspect_app.publication.models import PublishedFigure, PublishedVersion


def frozen_version(inspection, number=1, denominator=20, numerator=15):
    version = PublishedVersion.objects.create(
        inspection=inspection,
        number=number,
        note="" if number == 1 else "corrected",
        published_at=timezone.now(),
        method="wilson",
        confidence=0.95,
        reliability_threshold=0.05,
        recording_time_limit_hours=72,
        counting_rules={},
        code_version="test",
        reviews_sha256="0" * 64,
        review_count=denominator,
    )
    PublishedFigure.objects.create(
        version=version,
        scope="inspection",
        inspection=inspection.slug,
        force=inspection.force,
        force_code=inspection.force.code,
        force_name=inspection.force.name,
        metric="recording_rate",
        numerator=numerator,
        denominator=denominator,
        rate=numerator / denominator,
        ci_low=0.5,
        ci_high=0.9,
        reliable=False,
    )
    return version


def signed_off_and_published(inspection, by):
    """Sign ``inspection`` off as ``by`` and publish its figures as they stand."""
    from inspect_app.publication.publishing import publish
    from tests.publication.conftest import sign_off

    sign_off(inspection, by)
    return publish(inspection, by)

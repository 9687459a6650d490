"""Making a force report in the worker, with its progress where the page can read it.

The task takes the version's id, builds the PDF and keeps it in the cache under the
version's key for good (a version never changes, so neither does its report). Its
progress (pages of work done of the total) is kept beside it; the report page reads
both. Without Redis the task runs in the request (CELERY_TASK_ALWAYS_EAGER), so the
embedded default makes the report at once.
"""

import contextlib

from django.core.cache import cache

from inspect_app.celery import app
from inspect_app.publication.models import PublishedVersion
from inspect_app.publication.reading import version_key
from inspect_app.publication.report import force_report_pdf

#: A day: the PDF itself is made again if the cache lets it go.
PROGRESS_SECONDS = 24 * 60 * 60


def pdf_key(version):
    return version_key(version, "pdf")


def progress_key(version):
    return pdf_key(version) + ":progress"


def report_state(version):
    """(pdf bytes or None, (done, total) or None)."""
    try:
        return cache.get(pdf_key(version)), cache.get(progress_key(version))
    except Exception:  # no cache: nothing made or under way that anyone can see
        return None, None


def mark_queued(version):
    """Say the report is under way before the worker starts, so a second request waits."""
    cache.set(progress_key(version), (0, 1), PROGRESS_SECONDS)


@app.task(acks_late=True)
def make_force_report(version_id):
    """Build and keep one version's PDF; safe to run twice (the second makes the same)."""
    version = (
        PublishedVersion.objects.select_related("inspection__force", "inspection__programme")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        return None

    def progress(done, total):
        with contextlib.suppress(Exception):
            cache.set(progress_key(version), (done, total), PROGRESS_SECONDS)

    pdf = force_report_pdf(version, progress)
    with contextlib.suppress(Exception):
        cache.set(pdf_key(version), pdf, None)
    return len(pdf)

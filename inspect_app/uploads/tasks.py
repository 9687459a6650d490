"""The worker's side of a batch upload: a thin task around :func:`processing.process_batch`,
and how the upload page queues it."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as KombuOperationalError

import inspect_app.celery  # noqa: F401  the project's app, not Celery's default, sends this task
from inspect_app.uploads import processing

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def import_batch(batch_id):
    """Check and import one pending batch (safe to deliver twice: see process_batch)."""
    outcome = processing.process_batch(batch_id)
    return {"imported": outcome.imported, "error_count": outcome.error_count}


def start_processing(batch):
    """Queue the batch's import once the transaction that made it commits.

    If the task queue cannot be reached, the batch fails at once with a
    message saying so (see :func:`processing.fail_unqueued`).
    """

    def queue():
        try:
            result = import_batch.delay(batch.pk)
        except KombuOperationalError:
            logger.warning("batch %s not queued: the broker is unreachable", batch.pk)
            processing.fail_unqueued(batch)
            return
        processing.remember_task(batch.pk, result.id)

    transaction.on_commit(queue)

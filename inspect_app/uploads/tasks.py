"""The worker's side of a batch upload: a thin task around :func:`services.process_batch`."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from inspect_app.uploads import services


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def import_batch(batch_id):
    """Validate and import one pending batch (safe to deliver twice: see process_batch)."""
    outcome = services.process_batch(batch_id)
    return {"imported": outcome.imported, "error_count": outcome.error_count}

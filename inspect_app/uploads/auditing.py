"""The audit entries a batch leaves, named the same way: its collection (an upload, or an
import from the command line) and its erasure (a withdrawal removes its cases).

Written by the services that make the change, in its transaction, so the
upload page and ``manage.py import_batch`` leave the same entry.
"""

from inspect_app.accounts import audit


def batch_target(batch) -> str:
    return f"batch {batch.pk} of {batch.inspection.slug}"


def record(action, batch, *, by, request, **details):
    """Record ``action`` on ``batch`` by ``by``; without a person, it came from the command line."""
    target = batch_target(batch)
    return audit.record_change(
        action, by=by, request=request, target=target, subject=batch, **details
    )

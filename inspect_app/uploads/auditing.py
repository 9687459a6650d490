"""The audit entries a batch leaves: an upload and a withdrawal, named the same way.

Written by the services that make the change, in its transaction, so the
upload page and ``manage.py import_batch`` leave the same entry.
"""

from inspect_app.accounts import audit
from inspect_app.inspections.setup import COMMAND_LINE


def batch_target(batch) -> str:
    return f"batch {batch.pk} of {batch.inspection.slug}"


def record(action, batch, *, by, request, **details):
    """Record ``action`` on ``batch`` by ``by``; without a person, it came from the command line."""
    if by is None:
        details["via"] = COMMAND_LINE
    return audit.record(action, actor=by, request=request, target=batch_target(batch), **details)

"""Background recomputes of a programme's stored figures, and how they are asked for.

A burst of review saves (an inspector working through cases, a batch import
of a completed workbook) must cause one recompute, not hundreds. Two things
coalesce them:

* within one transaction, a programme's recompute is queued once, when the
  transaction commits (and not at all if it rolls back);
* across transactions, a short-lived "pending" flag in the cache means a
  recompute is already queued; the task clears the flag as it starts, so a
  change committed while it counts queues the next one and is never missed.
"""

import contextlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from inspect_app.celery import app
from inspect_app.compliance import figures

logger = logging.getLogger(__name__)

#: What an unreachable cache or broker raises.
UNREACHABLE = (RedisError, KombuOperationalError)

DEFAULT_DELAY_SECONDS = 2
# The flag outlives the countdown so a queued task keeps later requests quiet,
# but expires on its own if a queued task is ever lost.
PENDING_FLAG_MARGIN_SECONDS = 60


def pending_flag_key(programme_id) -> str:
    return f"compliance:figures-recompute-pending:{programme_id}"


# The project's app by name, not celery's shared default: Django no longer
# imports the app at start-up, so whichever process queues this is sure to
# send it through the project's broker.
@app.task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def recompute_programme_figures(programme_id):
    """Recompute and store every figure of one programme."""
    cache.delete(pending_flag_key(programme_id))
    stored = figures.recompute_programme(programme_id)
    if stored is None:
        logger.info("programme %s no longer exists: no figures to recompute", programme_id)
    return stored


def recompute_delay_seconds() -> float:
    # In-process (eager) tasks ignore a countdown anyway; say so plainly.
    if recompute_programme_figures.app.conf.task_always_eager:
        return 0
    return float(getattr(settings, "FIGURES_RECOMPUTE_DELAY_SECONDS", DEFAULT_DELAY_SECONDS))


class _QueueRecompute:
    """The on-commit callback for one programme; recognisable so it is registered once."""

    def __init__(self, programme_id):
        self.programme_id = programme_id

    def __call__(self):
        delay = recompute_delay_seconds()
        flag = pending_flag_key(self.programme_id)
        try:
            if not cache.add(flag, True, timeout=delay + PENDING_FLAG_MARGIN_SECONDS):
                return  # one is already queued and has not started yet
            recompute_programme_figures.apply_async((self.programme_id,), countdown=delay)
        except UNREACHABLE as error:
            # The change itself is committed and stays; only its figures wait.
            # They are recomputed by the next change once Redis is back, or at
            # once by `manage.py recompute_figures`. Clear the flag (if it was
            # set) so that next change is not taken for a duplicate.
            logger.warning(
                "figures of programme %s not queued for recompute (%s): Redis or the broker "
                "is unreachable; run recompute_figures once it is back",
                self.programme_id,
                error,
            )
            with contextlib.suppress(*UNREACHABLE):
                cache.delete(flag)


def _already_queued_in_this_transaction(programme_id) -> bool:
    # Django keeps the on-commit callbacks of the open transaction here and
    # drops those of a rolled-back savepoint, so this is exactly "will run".
    return any(
        isinstance(callback, _QueueRecompute) and callback.programme_id == programme_id
        for _, callback, *_ in connection.run_on_commit
    )


def request_recompute(programme_id) -> None:
    """Ask for the programme's figures to be recomputed once the current transaction commits.

    Cheap to call many times: calls within one transaction, and calls while a
    recompute is already queued, add nothing.
    """
    if programme_id is None:
        return
    if connection.in_atomic_block and _already_queued_in_this_transaction(programme_id):
        return
    transaction.on_commit(_QueueRecompute(programme_id))

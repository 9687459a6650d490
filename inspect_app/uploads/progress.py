"""How far a batch has got, kept in the cache for the progress page to poll.

Progress is a nicety: an unreachable cache is logged and otherwise ignored,
so it never stops an upload or an import.
"""

import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: How often the checking pass reports, in rows.
PROGRESS_EVERY_ROWS = 1000
PROGRESS_TIMEOUT_SECONDS = 24 * 60 * 60


def progress_key(batch_id) -> str:
    return f"uploads:batch-progress:{batch_id}"


def read_progress(batch_id) -> dict:
    return _quietly(cache.get, progress_key(batch_id)) or {}


def forget_progress(batch_id) -> None:
    _quietly(cache.delete, progress_key(batch_id))


def _quietly(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except RedisError:
        logger.warning("batch progress not available: the cache is unreachable")
        return None


class Progress:
    """Tells the page how far a batch has got: checking is the first half, writing the second.

    Without a batch (a dry run) it reports nothing.
    """

    def __init__(self, batch_id=None):
        self.batch_id = batch_id

    def report(self, phase, fraction, rows_done, rows_total=None):
        if self.batch_id is None:
            return
        share = 0.5 * fraction if phase == "checking" else 0.5 + 0.5 * fraction
        _quietly(
            cache.set,
            progress_key(self.batch_id),
            {
                "phase": phase,
                "percent": max(0, min(100, int(share * 100))),
                "rows_done": rows_done,
                "rows_total": rows_total,
            },
            timeout=PROGRESS_TIMEOUT_SECONDS,
        )

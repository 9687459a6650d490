"""How far a long piece of background work has got, kept in the cache for a page to poll.

Progress is a nicety: an unreachable cache is logged and otherwise ignored,
so it never stops the work it reports on.
"""

import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PROGRESS_TIMEOUT_SECONDS = 24 * 60 * 60


def read(key) -> dict:
    """What was last reported under ``key``; empty when nothing was (or the cache is down)."""
    return _quietly(cache.get, key) or {}


def write(key, value: dict) -> None:
    _quietly(cache.set, key, value, timeout=PROGRESS_TIMEOUT_SECONDS)


def forget(key) -> None:
    _quietly(cache.delete, key)


def _quietly(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except RedisError:
        logger.warning("progress not available: the cache is unreachable")
        return None

"""Which published versions a reader may see, kept in the shared cache between publications.

Every published page asks which versions of an inspection (or of a force) its reader may
read. The answer is a query scoped by ``visible_to``, and it changes only when something
is published, a demonstration version removed, or an inspection changed (its slug, its
force). So with a cache every worker shares (Redis) the answer is kept, under a key
naming what decides it: the reader's figures scope (``access.figures_scope``: every
force, or one force), what was asked, and a generation that each of those changes
renews, making every older answer unreachable at once. A reader deactivated or moved
to another force has another scope, and so another key.

A cache of each process's own (the embedded default) could not hear of a change made in
another process, so there every lookup asks the database. A renewal made while Redis
is unreachable is lost, so an answer is kept for ``KEPT_SECONDS`` at most.
"""

import contextlib
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from inspect_app.accounts import access
from inspect_app.inspections.models import Inspection
from inspect_app.publication.models import PublishedVersion

GENERATION_KEY = "published-lookups:generation"
#: A kept answer is asked again after this long even without a change: a renewal lost
#: while Redis was unreachable cannot leave an answer standing for longer.
KEPT_SECONDS = 5 * 60


def shared_cache() -> bool:
    """Whether every process reads one cache (Redis), so a change is seen by all."""
    return bool(getattr(settings, "REDIS_URL", None))


def kept(what, user, build):
    """``build()`` (a list of versions ``user`` may see), kept until the next change."""
    if not shared_cache():
        return build()
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, secrets.token_hex(8), None)
            generation = cache.get(GENERATION_KEY)
        identity = repr((generation, access.figures_scope(user), what))
        key = "published-lookups:" + hashlib.sha256(identity.encode()).hexdigest()
        found = cache.get(key)
    except Exception:  # an unreachable cache never takes the figures down
        return build()
    if found is None:
        found = build()
        with contextlib.suppress(Exception):
            cache.set(key, found, KEPT_SECONDS)
    return found


def renew():
    """Make every kept answer unreachable: something they depend on has changed."""
    with contextlib.suppress(Exception):
        cache.set(GENERATION_KEY, secrets.token_hex(8), None)


@receiver(post_save, sender=PublishedVersion)
@receiver(post_delete, sender=PublishedVersion)
@receiver(post_save, sender=Inspection)
@receiver(post_delete, sender=Inspection)
def _renew_on_change(sender, **kwargs):
    renew()

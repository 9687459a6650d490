"""Which published versions a reader may see, kept between publications.

Every published page asks which versions of an inspection (or of a force) its reader may
read. The answer is a query scoped by ``visible_to``, and it changes only when something
is published, a demonstration version removed, an inspection changed (its slug, its
force) or a force renamed. So the answer is kept, under a key naming what decides it: the
reader's figures scope (``access.figures_scope``: every force, or one force), what was
asked, and a generation that each of those changes renews, making every older answer
unreachable at once. A reader deactivated or moved to another force has another scope,
and so another key.

The generation lives where every process can read it: in the shared cache (Redis) when
there is one, otherwise in the database (``LookupGeneration``: its last row, one added
in the transaction of each change). Each process keeps the answers it has built
in its own memory under the generation, so a request asks only for the generation; with
Redis, answers are also kept there for the other processes. A renewal made while Redis
is unreachable is lost, and a change that bypasses the signals below (a queryset
``update``) renews nothing, so an answer is kept for ``KEPT_SECONDS`` at most.
"""

import contextlib
import hashlib
import pickle
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from forces.models import Force
from inspect_app.accounts import access
from inspect_app.inspections.models import Inspection
from inspect_app.publication.models import LookupGeneration, PublishedVersion

GENERATION_KEY = "published-lookups:generation"
#: A kept answer is asked again after this long even without a renewal: one lost while
#: Redis was unreachable, or a change no signal saw, cannot leave an answer for longer.
KEPT_SECONDS = 5 * 60
#: How many answers each process keeps in memory, the most recently used.
KEPT_IN_PROCESS = 512
#: Every this many generations, those older than as many again are deleted.
PRUNE_EVERY = 1000

_in_process: OrderedDict = OrderedDict()
_in_process_lock = threading.Lock()


def shared_cache() -> bool:
    """Whether every process reads one cache (Redis), so a change is seen by all."""
    return bool(getattr(settings, "REDIS_URL", None))


def kept(what, user, build):
    """``build()`` (a list of versions ``user`` may see), kept until the next change."""
    try:
        generation = _generation()
    except Exception:  # an unreachable cache never takes the figures down
        return build()
    identity = repr((generation, access.figures_scope(user), what))
    key = "published-lookups:" + hashlib.sha256(identity.encode()).hexdigest()
    found = _from_memory(key)
    if found is not None:
        return found
    found = None
    if shared_cache():
        with contextlib.suppress(Exception):
            found = cache.get(key)
    if found is None:
        found = build()
        if shared_cache():
            with contextlib.suppress(Exception):
                cache.set(key, found, KEPT_SECONDS)
    _to_memory(key, found)
    return found


def _generation():
    if shared_cache():
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, secrets.token_hex(8), None)
            generation = cache.get(GENERATION_KEY)
        return generation
    # A query Django need not compile: this is asked on every published page.
    table = connection.ops.quote_name(LookupGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, token FROM {table} ORDER BY id DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:  # a database emptied by hand (a test's flush): nothing kept is valid
        return ("none", secrets.token_hex(8))
    return tuple(row)


def _from_memory(key):
    # Kept pickled: each request gets versions of its own, as from Redis, so nothing one
    # page sets on them is seen by another reader.
    with _in_process_lock:
        entry = _in_process.get(key)
        if entry is None:
            return None
        stored_at, pickled = entry
        if time.monotonic() - stored_at >= KEPT_SECONDS:
            del _in_process[key]
            return None
        _in_process.move_to_end(key)
    return pickle.loads(pickled)  # noqa: S301 (pickled by this process, from the database)


def _to_memory(key, found):
    pickled = pickle.dumps(found, pickle.HIGHEST_PROTOCOL)
    with _in_process_lock:
        _in_process[key] = (time.monotonic(), pickled)
        while len(_in_process) > KEPT_IN_PROCESS:
            _in_process.popitem(last=False)


def forget():
    """Drop every answer this process keeps in memory (a test starting afresh)."""
    with _in_process_lock:
        _in_process.clear()


def renew():
    """Make every kept answer unreachable: something they depend on has changed."""
    token = secrets.token_hex(16)
    if shared_cache():
        with contextlib.suppress(Exception):
            cache.set(GENERATION_KEY, token, None)
        return
    made = LookupGeneration.objects.create(token=token)
    # Old generations name nothing that can be read again; now and then they go.
    if made.pk % PRUNE_EVERY == 0:
        LookupGeneration.objects.filter(pk__lt=made.pk - PRUNE_EVERY).delete()


@receiver(post_save, sender=PublishedVersion)
@receiver(post_delete, sender=PublishedVersion)
@receiver(post_save, sender=Force)  # a force's versions are asked for by its slug
@receiver(post_save, sender=Inspection)
@receiver(post_delete, sender=Inspection)
def _renew_on_change(sender, **kwargs):
    renew()
    if shared_cache():
        # Redis is not in the transaction: a reader between this renewal and the commit
        # would keep the old answer under the new generation. Renewed again once the
        # change is committed, that answer is never read.
        transaction.on_commit(renew)

"""Counts over an inspection's casework for the review pages, computed once per change.

The workspace, the case page and the agreement page show counts over every
case of an inspection: progress, the size of each work queue, the
double-review sample, what stands between it and sign-off, how far the blind
reviews agree. With 100,000 cases each is a scan of them all, and these
pages are opened far more often than cases change. So they are counted once
and kept in the cache under the inspection's ``work_version``, which moves
on in the same transaction as any change to its cases or reviews: a count
read under the current version never predates a change the reader could see.

What moves it: saving or deleting a case or a review through the ORM (the
review form, the admin, imports of single records, the tests' factories)
through the receivers of ``work_version``; and, where a write bypasses those signals
(the conditional updates that claim a case, bulk assignment, batch imports),
the writer's own call to ``casework_changed``. Entries also expire after
CACHE_SECONDS, so memory is given back for versions nobody reads any more.

Every reader who may do an inspection's casework sees all of its cases (see
``accounts.access``), so the inspection's counts are shared between them;
the counts of one person's queues are kept per person. If the cache is
unreachable, everything is counted afresh: a page never fails because its
cache did.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.db.models import Count, FilteredRelation, Q

from inspect_app.accounts import access
from inspect_app.inspections import agreement as agreement_module
from inspect_app.inspections import decisions, worklist
from inspect_app.inspections.models import (
    ReviewKind,
    SampledCase,
)
from inspect_app.inspections.workflow import queues, sample

logger = logging.getLogger(__name__)

CACHE_SECONDS = 15 * 60
PREFIX = "inspection-tally"


# --- the cache ------------------------------------------------------------------------------


def _key(inspection, *parts):
    # The share is part of the key: changing it changes the sample, and so the counts.
    identity = repr(
        (inspection.pk, str(inspection.work_version), str(inspection.double_review_fraction))
        + parts
    )
    return f"{PREFIX}:" + hashlib.sha256(identity.encode()).hexdigest()


def _get_many(keys):
    try:
        return cache.get_many(keys)
    except Exception:  # an unreachable cache must not take the page down with it
        logger.warning("review page cache unavailable; counting afresh", exc_info=True)
        return {}


def _set(key, value):
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        logger.warning("review page cache unavailable; not keeping the counts", exc_info=True)


def _cached(key, compute, found=None):
    found = _get_many([key]) if found is None else found
    if key in found:
        return found[key]
    value = compute()
    _set(key, value)
    return value


def fragment_key(inspection, name, *parts):
    """The key of a rendered part of a review page (``{% kept %}``): the inspection's
    version, its status (which decides what may be done), and ``parts``, everything
    else the part shows."""
    return _key(inspection, "fragment", name, inspection.status, *parts)


class Fragment:
    """A rendered part of a review page, looked up under its key: ``html`` is None until
    somebody renders it (and ``keep``s it) since the inspection last changed."""

    def __init__(self, key, html=None):
        self.key, self.html = key, html

    @classmethod
    def lookup(cls, key):
        return cls(key, _get_many([key]).get(key))

    def keep(self, html):
        self.html = str(html)
        _set(self.key, self.html)


# --- the inspection's counts ----------------------------------------------------------------


def count_casework(inspection) -> dict:
    """Every count the review pages show for the whole inspection, in one query.

    Returns ``rows`` (record type, offence group name, cases, complete first
    reviews) for progress, and totals: ``total``, ``reviewed``,
    ``unassigned``, ``sample``, ``awaiting_second``, ``second_not_made``,
    ``adjudication``. Each is the count of the workflow's own queue of the same
    name (``queues.queue_cases``, ``second_reviews_not_made``,
    ``double_review_sample``), written as joins so one pass counts them all;
    tests hold the two to the same numbers.
    """
    cases = SampledCase.objects.filter(inspection=inspection).annotate(
        first=FilteredRelation("reviews", condition=Q(reviews__kind=ReviewKind.FIRST)),
        second=FilteredRelation("reviews", condition=Q(reviews__kind=ReviewKind.SECOND)),
        adjudicated=FilteredRelation("reviews", condition=Q(reviews__kind=ReviewKind.ADJUDICATED)),
    )
    no_first, no_second = Q(first__isnull=True), Q(second__isnull=True)
    complete = Q(first__isnull=False) & decisions.complete_q("first__")
    # The sample through its index, not by hashing every case in the scan.
    in_sample = Q(pk__in=sample.double_review_sample(inspection).values("pk"))
    disagreeing = (
        Q(first__isnull=False)
        & Q(second__isnull=False)
        & queues.pair_differs("first__", "second__")
    )
    rows = list(
        cases.values("record_type", "offence_group__name")
        .annotate(
            total=Count("pk"),
            reviewed=Count("pk", filter=complete),
            unassigned=Count("pk", filter=Q(assigned_to__isnull=True) & no_first),
            sample=Count("pk", filter=in_sample),
            awaiting_second=Count("pk", filter=in_sample & complete & no_second),
            second_not_made=Count("pk", filter=in_sample & no_second),
            adjudication=Count("pk", filter=disagreeing & Q(adjudicated__isnull=True)),
        )
        .order_by()
    )
    names = ("total", "reviewed", "unassigned", "sample", "awaiting_second", "second_not_made")
    totals = {name: sum(row[name] for row in rows) for name in (*names, "adjudication")}
    return {
        "rows": [
            (row["record_type"], row["offence_group__name"], row["total"], row["reviewed"])
            for row in rows
        ],
        **totals,
    }


def count_own_queues(inspection, user, cases) -> dict:
    """The sizes of the queues that depend on who asks: "mine" and, for an inspector,
    "second" (the second reviews they could take)."""
    counts = {"mine": queues.queue_cases("mine", inspection, user, cases).count()}
    if not access.oversees_casework(user):
        counts["second"] = queues.queue_cases("second", inspection, user, cases).count()
    return counts


def casework(inspection) -> dict:
    """``count_casework``, from the cache when the inspection has not changed since."""
    return _cached(_key(inspection, "casework"), lambda: count_casework(inspection))


def queue_counts(inspection, user, cases) -> dict[str, int]:
    """{queue name: number of cases} for every queue of ``queues.QUEUES``, as ``user``
    sees them (``cases`` are the inspection's cases scoped to them). One round trip to the
    cache when nothing changed."""
    whole, own = _queue_keys(inspection, user)
    found = _get_many([whole, own])
    counts = _cached(whole, lambda: count_casework(inspection), found)
    mine = _cached(own, lambda: count_own_queues(inspection, user, cases), found)
    return _sizes(user, counts, mine)


def queue_count(inspection, user, cases, name) -> int:
    """The size of one queue: from the counts kept since the inspection last changed, or else
    counted alone (a case page need not count every queue of the inspection for it)."""
    whole, own = _queue_keys(inspection, user)
    found = _get_many([whole, own])
    if whole in found and own in found:
        return _sizes(user, found[whole], found[own])[name]
    return queues.queue_cases(name, inspection, user, cases).count()


def _queue_keys(inspection, user):
    return _key(inspection, "casework"), _key(
        inspection, "queues", user.pk, access.oversees_casework(user)
    )


def _sizes(user, counts, mine):
    oversight = access.oversees_casework(user)
    return {
        "mine": mine["mine"],
        "unassigned": counts["unassigned"],
        "second": counts["awaiting_second"] if oversight else mine["second"],
        "adjudication": counts["adjudication"] if oversight else 0,
        "all": counts["total"],
    }


def sign_off_blockers(inspection):
    """``worklist.sign_off_blockers``, from the cache when nothing changed since. (Who can
    clear each one names the lead inspectors as they were when it was counted.)"""
    return _cached(_key(inspection, "blockers"), lambda: worklist.sign_off_blockers(inspection))


def agreement(inspection):
    """``agreement.inspection_agreement``, from the cache when nothing changed since."""
    return _cached(
        _key(inspection, "agreement"), lambda: agreement_module.inspection_agreement(inspection)
    )

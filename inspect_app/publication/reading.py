"""Which figures a person may read: live ones with a draft mark, or published versions.

Staff read live figures (marked "draft — not published") and may open any version;
a commissioner reads only their own force's published versions, small counts
suppressed, and before the first publication nothing at all. Published rows never
change, so each version's rows are cached for good under a key naming the version
and the suppression threshold.
"""

import contextlib
import hashlib
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.http import Http404

from inspect_app.accounts import access
from inspect_app.compliance.figures import METRICS
from inspect_app.compliance.models import Scope
from inspect_app.compliance.report_rows import COLUMNS, UNRECORDED_KEYS, NotPublished
from inspect_app.inspections.models import Inspection
from inspect_app.publication import lookups
from inspect_app.publication.models import PublishedFigure, PublishedVersion
from inspect_app.publication.suppression import minimum_count, suppress

DRAFT_MARK = "draft — not published"
NOT_YET_PUBLISHED = "not yet published"
ROW_FIELDS = (
    "scope",
    "inspection",
    "force_code",
    "offence_group",
    "offence_group_name",
    "offence_group_parent",
    "metric",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "reliable",
    *UNRECORDED_KEYS,
    "design",
    "unweighted_rate",
    "judgement",
)
PUBLISHED_COLUMNS = (*COLUMNS, "suppressed")


def version_key(version, *parts):
    """A cache key for what depends only on this version (and ``parts``): kept for good.
    It names the version's content too, as a database rebuilt from scratch may give a
    different version the same id."""
    identity = repr(
        (version.pk, version.reviews_sha256, version.published_at.isoformat(), minimum_count())
        + parts
    )
    return "published:" + hashlib.sha256(identity.encode()).hexdigest()


#: How many things made from versions (page bodies, CSVs, charts, API documents) each
#: process keeps in its own memory, the most recently used.
KEPT_IN_PROCESS = 256
_in_process: OrderedDict = OrderedDict()
_in_process_lock = threading.Lock()


def kept_for_good(key, build):
    """What ``build()`` makes of a version, under a ``version_key``: from this process's
    memory, else the shared cache, else made now and kept in both.

    A version never changes and its key names its content, so a copy in one process's
    memory can never be out of date (unlike a lookup of which versions there are, see
    ``lookups``); it saves fetching a whole page body from Redis on every request.
    """
    with _in_process_lock:
        if key in _in_process:
            _in_process.move_to_end(key)
            return _in_process[key]
    try:
        made = cache.get(key)
    except Exception:  # an unreachable cache never takes the page down
        made = None
    if made is None:
        made = build()
        with contextlib.suppress(Exception):  # for good: the version never changes
            cache.set(key, made, None)
    with _in_process_lock:
        _in_process[key] = made
        while len(_in_process) > KEPT_IN_PROCESS:
            _in_process.popitem(last=False)
    return made


def versions_visible_to(user):
    """The published versions ``user`` may read: every one for staff, their force's for a
    commissioner, none for anyone else."""
    # The publisher is read for their name: never their password's hash, which would
    # otherwise travel with every version kept in the cache (``lookups``).
    return (
        PublishedVersion.objects.visible_to(user)
        .select_related("inspection__force", "inspection__programme", "published_by")
        .defer("published_by__password")
    )


def with_latest_version(queryset):
    """Inspections each carrying ``latest_published_number`` and ``latest_published_at``
    (None before the first publication), read in the page's own lookup. For staff pages:
    staff may read every version."""
    latest = PublishedVersion.objects.filter(inspection=OuterRef("pk")).order_by("-number")
    return queryset.annotate(
        latest_published_number=Subquery(latest.values("number")[:1]),
        latest_published_at=Subquery(latest.values("published_at")[:1]),
    )


def versions_of(user, inspection):
    return versions_visible_to(user).filter(inspection=inspection).order_by("number")


def version_or_404(user, inspection_slug, number=None):
    """The version ``number`` (the latest when None) of an inspection ``user`` may read.

    One query: a version is visible exactly when its inspection is (both are scoped by
    the inspection's force, ``access.scope``), so asking for the version asks both.
    """
    version = published_version(user, inspection_slug, number)
    if version is None:
        raise Http404("No such published version.")
    return version


def published_version(user, inspection_slug, number=None):
    """The version ``number`` (the latest when None) of the inspection ``user`` may read,
    or None."""
    versions = versions_by_slug(user, inspection_slug)
    if number is None:
        return versions[-1] if versions else None
    return next((each for each in versions if each.number == number), None)


def versions_by_slug(user, inspection_slug):
    """Every version of the inspection that ``user`` may read, oldest first."""
    return lookups.kept(
        ("inspection", inspection_slug),
        user,
        lambda: list(
            versions_visible_to(user).filter(inspection__slug=inspection_slug).order_by("number")
        ),
    )


def versions_of_force(user, force_slug):
    """Every version of the force ``force_slug``'s inspections that ``user`` may read: the
    latest programme first, then each inspection's oldest version first."""
    return lookups.kept(
        ("force", force_slug),
        user,
        lambda: list(
            versions_visible_to(user)
            .filter(inspection__force__slug=force_slug)
            .order_by("-inspection__programme__year", "-inspection__programme__name", "number")
        ),
    )


def latest_versions(user, inspections):
    """{inspection id: its latest version ``user`` may read} for these inspections."""
    latest = {}
    for version in versions_visible_to(user).filter(inspection__in=inspections).order_by("number"):
        latest[version.inspection_id] = version
    return latest


def previous_published(version):
    """The latest published version of the same force's inspection before this one, for
    anyone who may read this one (a published report compares published figures only)."""
    year = version.inspection.programme.year
    if year is None:
        return None
    return (
        PublishedVersion.objects.filter(
            inspection__force_id=version.inspection.force_id,
            inspection__programme__year__lt=year,
        )
        .select_related("inspection__programme")
        .order_by("-inspection__programme__year", "-number")
        .first()
    )


def published_rows(version) -> list[dict]:
    """The version's rows as published: ``compliance_report`` fields, small counts suppressed.

    Cached for good: a version never changes (the database refuses it).
    """
    # The key names the version's content too: a database rebuilt from scratch may
    # number a different version with the same id.
    key = (
        f"published-rows:v2:{version.pk}:{version.reviews_sha256}:"
        f"{version.published_at.timestamp()}:{minimum_count()}"
    )
    try:
        rows = cache.get(key)
    except Exception:  # an unreachable cache never takes the figures down
        rows = None
    if rows is None:
        rows = _rows_of(version)
        with contextlib.suppress(Exception):
            cache.set(key, rows, None)
    return [dict(row) for row in rows]


def _rows_of(version):
    stored = (
        PublishedFigure.objects.filter(version=version)
        .order_by("scope", "offence_group", "metric")
        .values(*ROW_FIELDS)
    )
    metric_order = {metric: i for i, metric in enumerate(METRICS)}
    stored = sorted(
        stored,
        key=lambda r: (
            0 if r["scope"] == Scope.INSPECTION else 1,
            r["offence_group"],
            metric_order.get(r["metric"], 99),
        ),
    )
    rows, parents = [], {}
    for figure in stored:
        if figure["offence_group"]:
            parents[figure["offence_group"]] = figure["offence_group_parent"] or None
        row = {
            "scope": figure["scope"],
            "inspection": figure["inspection"],
            "force": figure["force_code"],
            "offence_group": figure["offence_group"] or None,
            "metric": figure["metric"],
        }
        for field in ("numerator", "denominator", "rate", "ci_low", "ci_high", "reliable"):
            row[field] = figure[field]
        if figure["design"]:  # versions published before designs were kept have none
            row["design"] = figure["design"]
        if figure["unweighted_rate"] is not None:
            row["unweighted_rate"] = figure["unweighted_rate"]
        if figure["estimated_unrecorded"] is not None:
            for field in UNRECORDED_KEYS:
                row[field] = None if figure[field] is None else round(figure[field])
        row.update(figure["judgement"] or {})
        row["offence_group_name"] = figure["offence_group_name"]
        rows.append(row)
    return suppress(rows, parents)


def document(version, rows=None) -> dict:
    """One published version as ``compliance_report --published`` prints it."""
    rows = published_rows(version) if rows is None else rows
    return {
        "inspection": version.inspection.slug,
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        "note": version.note,
        "method": version.method,
        "confidence": version.confidence,
        "reliability_threshold": version.reliability_threshold,
        "code_version": version.code_version,
        "reviews_sha256": version.reviews_sha256,
        "rows": [public_row(row) for row in rows],
    }


def public_row(row):
    """A row without the names kept for pages (the same fields as compliance_report's)."""
    return {key: value for key, value in row.items() if key != "offence_group_name"}


def read_for_command_line(inspection_slug, version_number=None):
    """``compliance_report --published``: the command answers to whoever runs it."""
    inspection = Inspection.objects.filter(slug=inspection_slug).first()
    if inspection is None:
        raise NotPublished(f"no inspection with slug {inspection_slug!r}")
    versions = PublishedVersion.objects.filter(inspection=inspection).order_by("number")
    if not versions.exists():
        raise NotPublished(f"{inspection_slug} has never been published")
    version = (
        versions.filter(number=version_number).first()
        if version_number is not None
        else versions.last()
    )
    if version is None:
        numbers = ", ".join(str(n) for n in versions.values_list("number", flat=True))
        raise NotPublished(
            f"{inspection_slug} has no published version {version_number} (it has {numbers})"
        )
    return document(version)


def may_read_live(user):
    return access.reads_live_figures(user)

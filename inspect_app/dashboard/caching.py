"""Caching the bodies of the figure pages.

A figure page is a pure function of the stored figures, the reader's scope
(which figures they may see: ``access.figures_scope``) and the query string
(metric, interval method, confidence, filters, sorting, page). Stored figures
only change when a recompute writes a new set, so a page body rendered once
serves every reader with the same scope until then: the cache key carries a
version of the stored figures, and a recompute makes every older body
unreachable.

The header (the reader's name, the sign-out form and its CSRF token) is
rendered for each request around the cached body, so nothing personal is
shared between readers.

The cache is Redis in production. If Redis is unreachable the page is built
as if nothing were cached: a figures page never fails because its cache did.
"""

import hashlib
import logging

from django.core.cache import cache
from django.db.models import Max, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from inspect_app.accounts import access, audit
from inspect_app.compliance.models import ComplianceFigure

logger = logging.getLogger(__name__)

BODY_TIMEOUT_SECONDS = 60 * 60
SHELL_TEMPLATE = "dashboard/figures_page.html"


def figures_version():
    """Changes whenever any programme's stored figures are rewritten.

    A recompute replaces a programme's rows with new ones, whose ids are higher
    than any before, so the highest id is a version read from the primary
    key's index alone.
    """
    return ComplianceFigure.objects.aggregate(latest=Max("pk"))["latest"] or 0


def with_figures_version(queryset):
    """The same rows, each carrying ``figures_version``: the page's own lookup fetches the
    version too, saving a query on every page."""
    latest = ComplianceFigure.objects.order_by("-pk").values("pk")[:1]
    return queryset.annotate(figures_version=Coalesce(Subquery(latest), 0))


def reader_scope(user, *, casework=False):
    """Who shares a page body: readers who see the same figures (``access.figures_scope``:
    all the inspectorate's staff, or one force's commissioners), and of those, casework
    readers of the inspection apart from those who may not see its cases."""
    scope = list(access.figures_scope(user))
    if casework:
        scope.append("casework")
    return scope


def body_key(request, page, scope, parts, version):
    query = sorted((name, tuple(values)) for name, values in request.GET.lists())
    identity = repr((page, tuple(scope), tuple(parts), query, version))
    return "dashboard-body:" + hashlib.sha256(identity.encode()).hexdigest()


def _get(key):
    try:
        return cache.get(key)
    except Exception:  # an unreachable cache must not take the page down with it
        logger.warning("figure page cache unavailable; building the page", exc_info=True)
        return None


def _set(key, value):
    try:
        cache.set(key, value, BODY_TIMEOUT_SECONDS)
    except Exception:
        logger.warning("figure page cache unavailable; not storing the page", exc_info=True)


#: Where a page body takes what is personal to its reader (their own work, their links).
PERSONAL_SLOT = "<!-- personal -->"


def figures_page(request, *, page, scope, parts, build, version=None, personal=None):
    """Serve a figures page, building its body only when no reader of this scope has.

    ``build()`` returns either a download (a response) or ``(title, body
    template, context)``; downloads are kept too, as their bytes and headers.
    ``personal()``, if given, returns ``(template, context)`` rendered for this
    reader on every request and put at the body's ``PERSONAL_SLOT``: what
    differs between readers of one scope never enters the shared cache.
    """
    if version is None:
        version = figures_version()
    key = body_key(request, page, scope, parts, version)
    shown = _get(key)
    if shown is None:
        built = build()
        shown = _download(built) if isinstance(built, HttpResponse) else _rendered(request, built)
        if shown is None:  # a streamed or otherwise unrepeatable response
            return built
        _set(key, shown)
    if "download" in shown:
        # Here, not where the table is exported: a download served from the cache is a
        # disclosure to this reader as much as the first one built.
        audit.disclosed(request, page=page, format=request.GET.get("_export", "")[:10])
        response = HttpResponse(shown["download"], status=shown["status"])
        for header, value in shown["headers"]:
            response[header] = value
        return response
    if personal is not None:
        template, context = personal()
        shown = {
            **shown,
            "body": mark_safe(
                shown["body"].replace(
                    PERSONAL_SLOT, render_to_string(template, context, request=request), 1
                )
            ),
        }
    return render(request, SHELL_TEMPLATE, shown)


def _download(response):
    if response.streaming:
        return None
    return {
        "download": response.content,
        "status": response.status_code,
        "headers": list(response.headers.items()),
    }


def _rendered(request, built):
    title, template, context = built
    if context.get("problems"):  # the GOV.UK error pattern: the title says so first
        title = f"Error: {title}"
    return {"title": title, "body": render_to_string(template, context, request=request)}

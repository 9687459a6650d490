"""The pages of published versions: reading one, publishing one, downloading them.

Every page asks ``reading`` which versions its reader may see (``visible_to``): a
commissioner only their own force's, staff any. What a version shows never changes,
so its page body is kept in the cache for good under a key naming the version, how
many versions the inspection has (the page lists them all) and the suppression rule.
"""

import contextlib
import io
import logging

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from forces.models import Force
from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.celery import app as celery_app
from inspect_app.compliance.figures import METRICS
from inspect_app.compliance.report_rows import write_csv
from inspect_app.inspections.models import Inspection
from inspect_app.publication import charts, presenting, reading, tasks, whole_pages
from inspect_app.publication.publishing import PublishingError, publish
from inspect_app.publication.reading import version_key
from inspect_app.publication.report import force_report_pdf
from inspect_app.publication.suppression import minimum_count, suppressed_text

logger = logging.getLogger(__name__)

CHART_NAMES = ("six", *METRICS)
#: Without scripts the waiting page reloads itself this often (with them it polls).
REPORT_REFRESH_SECONDS = 2


def _visible_inspection(request, slug):
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )


def _cached(key, build):
    return reading.kept_for_good(key, build)


# --- reading ----------------------------------------------------------------------------------


def _versions_by_slug(request, slug):
    """(inspection, its versions this reader may see) in one query when it has any."""
    versions = reading.versions_by_slug(request.user, slug)
    if versions:
        return versions[0].inspection, versions
    return _visible_inspection(request, slug), []


def latest(request, slug):
    """An inspection's latest published version (or "not yet published")."""
    inspection, versions = _versions_by_slug(request, slug)
    if not versions:
        return _not_yet_published(request, inspection)
    return _version_page(request, inspection, versions[-1], versions)


def version(request, slug, number):
    """Any one version of an inspection, by its number."""
    inspection, versions = _versions_by_slug(request, slug)
    chosen = next((each for each in versions if each.number == number), None)
    if chosen is None:
        raise Http404("This inspection has no published version with that number.")
    return _version_page(request, inspection, chosen, versions)


def _not_yet_published(request, inspection):
    return render(
        request,
        "publication/not_yet_published.html",
        {"inspection": inspection, "reads_live": access.reads_live_figures(request.user)},
    )


def _version_page(request, inspection, shown, versions):
    body_key = version_key(shown, "page", len(versions), versions[-1].pk)
    body = _cached(
        body_key,
        lambda: render_to_string(
            "publication/_version_body.html",
            version_context(inspection, shown, versions, request.user),
        ),
    )
    context = {
        "inspection": inspection,
        "version": shown,
        "may_publish": access.may_publish(request.user),
        "reads_live": access.reads_live_figures(request.user),
        "reads_findings": access.may_read_findings(request.user, inspection, known_published=True),
    }
    publisher = shown.published_by
    # Everything the frame around the body shows: the page is kept under it (whole_pages).
    identity = (
        body_key,
        (inspection.pk, inspection.slug, inspection.status),
        (str(inspection.programme), str(inspection.force)),
        (shown.pk, shown.number),
        (publisher.pk, publisher.get_full_name(), publisher.username) if publisher else None,
        (context["may_publish"], context["reads_live"], context["reads_findings"]),
    )
    return whole_pages.page(request, "publication/version.html", context, body, identity)


def version_context(inspection, shown, versions, user):
    """What the page and the PDF show of one version."""
    rows = reading.published_rows(shown)
    previous = reading.previous_published(shown)
    previous_rows = reading.published_rows(previous) if previous else []
    return {
        "inspection": inspection,
        "version": shown,
        "versions": versions,
        "corrections": [each for each in versions if each.number > 1],
        "is_latest": shown.pk == versions[-1].pk,
        "cards": presenting.cards(rows),
        "groups": presenting.by_offence_group(rows),
        "previous": previous,
        "changes": presenting.changes_since(shown, rows, previous, previous_rows),
        "suppressed_count": presenting.suppressed_count(rows),
        "suppressed_text": suppressed_text(),
        "minimum_count": minimum_count(),
        "chart_names": [("six", "The six figures")]
        + [(metric, label) for label, metric, _ in presenting.by_offence_group(rows)],
    }


def force_summary(request, slug):
    """A commissioner's summary of the force ``slug``: the published version of the
    programme asked for (``?programme=``), else of the latest published; never live
    figures."""
    # Every version of the force in one query (kept: ``lookups``); its inspections, latest
    # programme first. A version is visible exactly when its force is, so the force comes
    # with them; it is looked up on its own only when there is none to show.
    by_inspection = {}
    for each in reading.versions_of_force(request.user, slug):
        by_inspection.setdefault(each.inspection_id, []).append(each)
    inspections = [versions[0].inspection for versions in by_inspection.values()]
    if not inspections:
        force = get_object_or_404(Force.objects.visible_to(request.user), slug=slug)
        return render(request, "publication/force_not_yet_published.html", {"force": force})
    force = inspections[0].force
    wanted = request.GET.get("programme")
    chosen = next((i for i in inspections if i.programme.slug == wanted), inspections[0])
    if wanted and chosen.programme.slug != wanted:
        messages.warning(
            request,
            f"“{wanted[:40]}” is not a programme with published figures for {force}: "
            "showing the latest instead.",
        )
    versions = by_inspection[chosen.pk]
    return _version_page(request, chosen, versions[-1], versions)


# --- publishing -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@allowed_if(access.may_publish)
def publish_page(request, slug):
    """A lead or admin publishes a signed-off inspection, after a confirmation."""
    inspection = _visible_inspection(request, slug)
    versions = list(reading.versions_of(request.user, inspection))
    problem, note = "", ""
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            made = publish(inspection, request.user, note=note, request=request)
        except PublishingError as error:
            problem = str(error)
        else:
            messages.success(request, f"Published as version {made.number}.")
            return redirect("publication-version", slug=inspection.slug, number=made.number)
    return render(
        request,
        "publication/publish.html",
        {
            "inspection": inspection,
            "versions": versions,
            "next_number": (versions[-1].number + 1) if versions else 1,
            "problem": problem,
            "note": note,
        },
        status=400 if problem else 200,
    )


# --- downloads --------------------------------------------------------------------------------


def version_csv(request, slug, number):
    """One version's rows as CSV, the same fields as compliance_report's, suppressed."""
    shown = reading.version_or_404(request.user, slug, number)
    content = _cached(version_key(shown, "csv"), lambda: _csv_of(shown))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{shown.inspection.slug}-version-{shown.number}.csv"'
    )
    return response


def _csv_of(shown):
    buffer = io.StringIO()
    rows = [reading.public_row(row) for row in reading.published_rows(shown)]
    write_csv(rows, buffer, columns=reading.PUBLISHED_COLUMNS)
    return buffer.getvalue()


def chart(request, slug, number, name):
    """One static chart of a version (PNG): the same image the PDF holds."""
    if name not in CHART_NAMES:
        raise Http404("No such chart.")
    shown = reading.version_or_404(request.user, slug, number)
    image = _cached(version_key(shown, "chart", name), lambda: chart_png(shown, name))
    return HttpResponse(image, content_type="image/png")


def chart_png(shown, name):
    rows = reading.published_rows(shown)
    if name == "six":
        return charts.six_figures_png(rows)
    return charts.offence_group_png(rows, name)


def report_pdf(request, slug, number):
    """The force report of a version as a PDF: made in the worker, the page waiting on it."""
    shown = reading.version_or_404(request.user, slug, number)
    pdf, progress = tasks.report_state(shown)
    if pdf is None and (celery_app.conf.task_always_eager or request.GET.get("inline")):
        pdf = _made_here(shown)
    if pdf is None and progress is None:
        try:
            tasks.mark_queued(shown)
            tasks.make_force_report.delay(shown.pk)
        except Exception:  # no broker: make it here rather than never
            logger.warning("report worker unreachable; making the PDF in the request")
            pdf = _made_here(shown)
    if pdf is None:
        done, total = progress or (0, 1)
        return render(
            request,
            "publication/report_waiting.html",
            {
                "version": shown,
                "inspection": shown.inspection,
                "done": done,
                "total": total,
                "percent": _percent(done, total),
                "refresh_seconds": REPORT_REFRESH_SECONDS,
            },
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{shown.inspection.slug}-version-{shown.number}.pdf"'
    )
    return response


def report_state(request, slug, number):
    """How far the force report of a version has got, as JSON, for the waiting page's
    script: ``ready`` once the PDF is made, with where to fetch it. Reading it never
    starts a report (the PDF's own address does that)."""
    shown = reading.version_or_404(request.user, slug, number)
    pdf, progress = tasks.report_state(shown)
    done, total = (1, 1) if pdf is not None else (progress or (0, 1))
    return JsonResponse(
        {
            "ready": pdf is not None,
            "queued": pdf is not None or progress is not None,
            "done": done,
            "total": total,
            "percent": _percent(done, total),
            "pdf_url": reverse("publication-pdf", args=[shown.inspection.slug, shown.number]),
        }
    )


def _percent(done, total):
    return max(0, min(100, round(100 * done / total))) if total else 0


def _made_here(shown):
    pdf = force_report_pdf(shown)
    with contextlib.suppress(Exception):
        cache.set(tasks.pdf_key(shown), pdf, None)
    return pdf


def open_data(request):
    """Every published version this reader may see, each as a CSV download, with its
    recording rate as published; ``?programme=SLUG`` shows one programme "as published"."""
    versions = reading.versions_visible_to(request.user).order_by(
        "inspection__programme__name", "inspection__force__name", "number"
    )
    programme = request.GET.get("programme", "")
    if programme:
        versions = versions.filter(inspection__programme__slug=programme)
    shown = []
    for each in versions:
        cards = {
            card.row["metric"]: card for card in presenting.cards(reading.published_rows(each))
        }
        shown.append((each, cards.get("recording_rate")))
    return render(
        request,
        "publication/open_data.html",
        {"versions": shown, "programme": programme[:80]},
    )

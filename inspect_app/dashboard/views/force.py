"""One force's pages: its summary across programmes, and one inspection's figures beside
its review progress. Both show the same cards, offence-group chart and tables."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from forces.models import Force
from inspect_app.accounts import access
from inspect_app.compliance import figures
from inspect_app.compliance.models import Design, Scope
from inspect_app.dashboard.caching import figures_page, reader_scope, with_figures_version
from inspect_app.dashboard.charts.trend import trend_chart
from inspect_app.dashboard.rows import present_all, row_from
from inspect_app.dashboard.tables import FigureTable
from inspect_app.dashboard.views.figure_page import (
    FigurePage,
    by_scope,
    metric_cards,
    offence_group_chart,
)
from inspect_app.inspections import tallies
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import Inspection, SampledCase
from inspect_app.inspections.workflow import queues
from inspect_app.publication import reading as published
from inspect_app.publication import views as publication_views
from inspect_app.sampling import progress as sampling_progress

# --- one force -----------------------------------------------------------------------------


def force_detail(request, slug):
    """A force's summary: its six figures, the same by offence group, and the trend."""
    if access.reads_published_figures(request.user):  # never live figures: published only
        return publication_views.force_summary(request, slug)
    force = get_object_or_404(
        with_figures_version(Force.objects.visible_to(request.user)),
        slug=slug,
    )
    return figures_page(
        request,
        page="force",
        scope=reader_scope(request.user),
        parts=[force.pk, force.recorded_crime_volume],
        version=force.figures_version,
        build=lambda: _build_force(request, force),
    )


def _build_force(request, force):
    page = FigurePage(request)
    metric = page.presentation.metric
    inspections = list(
        Inspection.objects.visible_to(request.user)
        .filter(force=force)
        .select_related("programme")
        .order_by("-programme__year", "-programme__name")
    )
    chosen = _chosen_inspection(page, inspections)
    stored = figures.stored_figures(request.user).filter(force=force)
    every_programme = present_all(
        stored.filter(scope=Scope.INSPECTION)
        .select_related("programme")
        .order_by("programme__year", "programme__name"),
        page.presentation,
    )
    cards = (
        metric_cards(p for p in every_programme if p.figure.inspection_id == chosen.pk)
        if chosen
        else []
    )
    trend = [
        row_from(p, name=p.figure.programme.name, url=p.figure.inspection.get_absolute_url())
        for p in every_programme
        if p.figure.metric == metric
    ]
    groups = []
    if chosen:
        groups = [
            row_from(p, name=p.figure.offence_group.name)
            for p in present_all(
                stored.filter(scope=Scope.OFFENCE_GROUP, inspection=chosen, metric=metric).order_by(
                    "offence_group__name"
                ),
                page.presentation,
            )
        ]
    return _render_force_like(
        page,
        str(force),
        "dashboard/force_detail.html",
        filename=f"{force.slug}-{metric}",
        cards=cards,
        groups=groups,
        trend=trend,
        force=force,
        inspections=inspections,
        chosen=chosen,
        # The method form keeps the programme being looked at.
        keep={"programme": chosen.programme.slug} if chosen else {},
    )


def _chosen_inspection(page, inspections):
    """The inspection named by ``?programme=``, else the latest; a bad name is reported."""
    wanted = page.request.GET.get("programme")
    if wanted:
        for inspection in inspections:
            if inspection.programme.slug == wanted:
                return inspection
        page.problems.append(
            f"Programme: “{wanted[:40]}” is not a programme this force was inspected in. "
            "Showing the latest instead."
        )
    return inspections[0] if inspections else None


def _render_force_like(page, title, template, *, filename, cards, groups, trend=None, **extra):
    """The force and inspection pages share cards, the offence-group chart and its table."""
    group_chart = offence_group_chart(groups, page.presentation)
    trend_figure = None
    if trend and any(row.available for row in trend):
        trend_figure = trend_chart(
            trend,
            page.presentation,
            title=f"{page.presentation.metric_label} across programmes",
            table_id="table-trend",
        )
    page.table("figures", FigureTable, cards, name_label="Figure", exclude=("region",))
    page.table(
        "offence-groups", FigureTable, groups, name_label="Offence group", exclude=("region",)
    )
    if trend is not None:
        page.table("trend", FigureTable, trend, name_label="Programme", exclude=("region",))
    download = page.export(filename)
    if download is not None:
        return download
    return (
        title,
        template,
        page.context(
            cards=cards,
            group_chart=group_chart,
            trend_chart=trend_figure,
            tables=page.tables,
            **extra,
        ),
    )


# --- one inspection ------------------------------------------------------------------------


def inspection_detail(request, slug):
    """One inspection's figures beside its review progress (progress only for casework readers)."""
    inspection = get_object_or_404(
        # Only what the cache key needs: the body, when it must be built, reads
        # the force and programme itself.
        published.with_latest_version(
            with_figures_version(Inspection.objects.visible_to(request.user))
        ),
        slug=slug,
    )
    if access.reads_published_figures(request.user):  # never live figures: published only
        return publication_views.latest(request, slug)
    casework = access.may_do_casework(request.user, inspection)
    return figures_page(
        request,
        page="inspection",
        # The review progress moves with every review, and every review
        # causes a recompute, which gives the cached body a new version.
        scope=reader_scope(request.user, casework=casework),
        parts=[inspection.pk, inspection.status, inspection.recording_time_limit_hours],
        version=inspection.figures_version,
        build=lambda: _build_inspection(request, inspection),
        personal=lambda: ("dashboard/_inspection_work.html", _inspection_work(request, inspection)),
    )


def _inspection_work(request, inspection):
    """The links from an inspection to its work, by what this person may do there."""
    user = request.user
    casework = access.may_do_casework(user, inspection)
    assigned = None
    if casework and access.may_review(user):
        cases = SampledCase.objects.visible_to(user).filter(inspection=inspection)
        assigned = queues.queue_cases("mine", inspection, user, cases).count()
    return {
        "inspection": inspection,
        "casework": casework,
        "assigned": assigned,
        "may_upload": access.may_upload(user),
        "oversees": access.oversees_casework(user),
        "is_lead": access.may_lead(user),
        "may_manage_team": access.may_manage_team(user),
        "may_erase": access.may_erase_casework(user),
        "may_publish": access.may_publish(user),
    }


def _build_inspection(request, inspection):
    page = FigurePage(request)
    metric = page.presentation.metric
    stored = figures.stored_figures(request.user, inspection=inspection)
    presented = present_all(
        stored.filter(
            Q(scope=Scope.INSPECTION) | Q(scope=Scope.OFFENCE_GROUP, metric=metric)
        ).order_by("offence_group__name"),
        page.presentation,
    )
    cards = metric_cards(by_scope(presented, Scope.INSPECTION))
    groups = [
        row_from(p, name=p.figure.offence_group.name)
        for p in by_scope(presented, Scope.OFFENCE_GROUP)
    ]
    progress = _review_progress(request.user, inspection)
    weighted_by_design = any(p.figure.design == Design.STRATIFIED for p in presented)
    # Only a drawn inspection has strata; its figures say so, without another query.
    strata = sampling_progress.by_stratum(inspection) if progress and weighted_by_design else []
    return _render_force_like(
        page,
        f"{inspection.force} – {inspection.programme}",
        "dashboard/inspection_detail.html",
        filename=f"{inspection.slug}-{metric}",
        cards=cards,
        groups=groups,
        inspection=inspection,
        progress=progress,
        can_see_cases=bool(progress),
        strata=strata,
        weighted_by_design=weighted_by_design,
    )


def _review_progress(user, inspection):
    """(record type label, reviewed, total) for a reader of the inspection's cases; empty
    for anyone else, or while it has no cases.

    "Reviewed" is the workspace's: a complete first review. Both pages read the
    same counts (``tallies.casework``), so one inspection shows one progress.
    """
    if not access.may_do_casework(user, inspection):
        return []
    counts = tallies.casework(inspection)
    if not counts["total"]:
        return []
    by_type = {}
    for record_type, _group, total, reviewed in counts["rows"]:
        seen = by_type.setdefault(record_type, [0, 0])
        seen[0] += reviewed
        seen[1] += total
    rows = [(label, *by_type.get(value, (0, 0))) for value, label in RecordType.choices]
    rows.append(("All records", counts["reviewed"], counts["total"]))
    return rows

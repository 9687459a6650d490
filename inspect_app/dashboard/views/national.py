"""The national pages: a programme's picture across forces, regions and offence groups,
and one offence group across forces.

They compare forces with each other, so a commissioner, who may see only their own
force, is refused them (403) rather than shown a page with every other force missing.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse

from forces.models import OffenceGroup
from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.compliance import figures
from inspect_app.compliance.models import ComplianceFigure, Design, Scope
from inspect_app.core import judgement
from inspect_app.dashboard.caching import figures_page, reader_scope, with_figures_version
from inspect_app.dashboard.charts.bars import (
    comparison_bar_chart,
    force_bar_chart,
)
from inspect_app.dashboard.charts.funnel import funnel_chart, funnel_data, position_words
from inspect_app.dashboard.filters import ForceFigureFilter
from inspect_app.dashboard.forms import read_funnel_method
from inspect_app.dashboard.rows import (
    force_rows,
    pooled_offence_group_figures,
    present_all,
    row_from,
)
from inspect_app.dashboard.tables import FigureTable, ForceFigureTable
from inspect_app.dashboard.views.figure_page import (
    FigurePage,
    any_figure,
    by_scope,
    filter_problems,
    offence_group_chart,
)
from inspect_app.inspections.models import Programme
from inspect_app.judgement.targets import target_of
from inspect_app.publication import as_published

# --- programme (national) ------------------------------------------------------------------


#: ``?figures=published`` shows the programme as published; anything else, the live figures.
FIGURES_PARAMETER = "figures"
LIVE, PUBLISHED = "live", "published"


@allowed_if(access.may_read_national_figures)
def programme_detail(request, slug):
    """The national picture: every force, offence group and region, and the weighted
    estimate; live, or (``?figures=published``) each force's latest published version."""
    programme = get_object_or_404(
        with_figures_version(Programme.objects.visible_to(request.user)), slug=slug
    )
    wanted = request.GET.get(FIGURES_PARAMETER, LIVE)
    version = programme.figures_version
    if wanted == PUBLISHED:
        # Built from the published versions: a new one (not a recompute) makes it stale.
        version = (PUBLISHED, as_published.publication_state(programme))
    return figures_page(
        request,
        page="programme",
        scope=reader_scope(request.user),
        parts=[programme.pk],
        version=version,
        build=lambda: _build_programme(request, programme, wanted),
    )


def _figures_switch(request, showing):
    """The links between the live figures and the figures as published, keeping the rest
    of the query string (the metric, the method, the filters)."""
    links = {}
    for choice in (LIVE, PUBLISHED):
        query = request.GET.copy()
        query.pop(FIGURES_PARAMETER, None)
        for name in [name for name in query if name.endswith("-page")]:
            query.pop(name)  # another set of rows: back to their first page
        if choice == PUBLISHED:
            query[FIGURES_PARAMETER] = PUBLISHED
        links[choice] = f"?{query.urlencode()}" if query else "?"
    return {"showing": showing, "live_url": links[LIVE], "published_url": links[PUBLISHED]}


def _build_programme(request, programme, wanted=LIVE):
    page = FigurePage(request)
    metric = page.presentation.metric
    stored = figures.stored_figures(request.user, programme=programme)
    if wanted not in (LIVE, PUBLISHED):
        page.problems.append(
            f"“{wanted[:20]}” is not a choice of figures: showing the live figures "
            "(choose live or as published)."
        )
        wanted = LIVE

    force_filter = ForceFigureFilter(
        request.GET,
        queryset=stored.filter(scope=Scope.INSPECTION, metric=metric).order_by("force__name"),
        request=request,
    )
    page.problems += filter_problems(force_filter)
    published = None
    if wanted == LIVE:
        forces = force_rows(force_filter.qs, page.presentation)
        wide_figures = stored.filter(
            scope__in=(Scope.REGION, Scope.PROGRAMME), metric=metric
        ).order_by("region__name")
        pooled_groups = pooled_offence_group_figures(stored, metric)
    else:
        published = as_published.programme_as_published(programme)
        forces, wide_figures, pooled_groups = _as_published(published, metric, force_filter, page)
    wide = present_all(wide_figures, page.presentation)
    regions = [row_from(p, name=p.figure.region.name) for p in by_scope(wide, Scope.REGION)]
    # Names the regions whose forces are weighted rather than pooled (a force was drawn).
    regions_by_design = sorted(
        p.figure.region.name
        for p in by_scope(wide, Scope.REGION)
        if p.figure.design == Design.STRATIFIED
    )
    pooled = next(iter(by_scope(wide, Scope.PROGRAMME)), None)
    weighted = next(iter(by_scope(wide, Scope.PROGRAMME, weighted=True)), None)
    pooled_row = row_from(pooled, name="Programme rate (pooled)") if pooled else None
    weighted_row = row_from(weighted, name="Programme estimate (weighted)") if weighted else None
    # The one target of every comparison with the programme: weighted where it can be.
    target = target_of(pooled.figure if pooled else None, weighted.figure if weighted else None)
    target_row = None
    if target is not None:
        target_row = weighted_row if target.weighted else pooled_row
    funnel_form, funnel_method, funnel_problems = read_funnel_method(request.GET)
    page.problems += funnel_problems
    for row in forces:
        if row.available and target is not None:
            row.versus = judgement.versus(target.rate, row.ci_low, row.ci_high)

    groups = [
        row_from(
            presented,
            name=presented.figure.group_name,
            url=reverse("offence-detail", args=[programme.slug, presented.figure.group_code]),
        )
        for presented in present_all(pooled_groups, page.presentation)
    ]
    groups_by_design = [row.name for row in groups if row.weighted_by_design]

    chart_list = []
    funnel = None
    # A chart with nothing to draw is an empty frame: the table says why instead.
    if any_figure(forces):
        chart_list.append(
            force_bar_chart(
                forces,
                page.presentation,
                reference=target_row,
                table_id="table-forces",
            )
        )
    if forces and target is not None:
        funnel = funnel_data(forces, target.rate, funnel_method)
        for row in forces:
            if row.available:
                row.funnel = position_words(*funnel.positions[row.name])
        chart_list.append(
            funnel_chart(
                forces,
                page.presentation,
                funnel,
                target_name=target.name,
                table_id="table-forces",
            )
        )
    group_chart = offence_group_chart(groups, page.presentation)
    region_chart = None
    if any_figure(regions):
        region_chart = comparison_bar_chart(
            regions,
            page.presentation,
            chart_id="chart-regions",
            title=f"{page.presentation.metric_label} by region",
            table_id="table-regions",
        )

    page.table("forces", ForceFigureTable, forces)
    page.table(
        "offence-groups", FigureTable, groups, name_label="Offence group", exclude=("region",)
    )
    page.table("regions", FigureTable, regions, name_label="Region", exclude=("region",))
    suffix = "" if funnel_method == judgement.EXACT else f"-funnel-{funnel_method}"
    suffix += "-as-published" if published is not None else ""
    download = page.export(f"{programme.slug}-{metric}{suffix}")
    if download is not None:
        return download
    return (
        f"{programme}: {page.presentation.metric_label.lower()}",
        "dashboard/programme_detail.html",
        page.context(
            programme=programme,
            has_figures=pooled is not None if published is None else bool(published.versions),
            switch=_figures_switch(request, wanted),
            published=published,
            # The options form keeps the figures chosen.
            keep={FIGURES_PARAMETER: PUBLISHED} if published is not None else {},
            force_filter=force_filter,
            charts=chart_list,
            group_chart=group_chart,
            region_chart=region_chart,
            regions_by_design=regions_by_design,
            groups_by_design=groups_by_design,
            pooled=pooled_row,
            weighted=weighted_row,
            funnel=funnel,
            funnel_form=funnel_form,
            target=target,
            tables=page.tables,
            offence_groups=OffenceGroup.objects.visible_to(request.user).order_by("name"),
        ),
    )


def _as_published(published, metric, force_filter, page):
    """(force figures, region and programme figures, pooled offence groups) of the
    programme as published, the forces narrowed by the page's filter as the live ones
    are; a force never published is listed as "not yet published"."""
    region, name = None, ""
    if force_filter.form.is_valid():
        region = force_filter.form.cleaned_data.get("region")
        name = (force_filter.form.cleaned_data.get("force") or "").casefold()

    def kept(force):
        return (region is None or force.region_id == region.pk) and name in force.name.casefold()

    shown = [f for f in published.of(Scope.INSPECTION, metric) if kept(f.force)]
    waiting = [
        ComplianceFigure(
            scope=Scope.INSPECTION,
            metric=metric,
            numerator=0,
            denominator=0,
            inspection=inspection,
            force=inspection.force,
            region=inspection.force.region,
        )
        for inspection in published.unpublished
        if kept(inspection.force)
    ]
    forces = force_rows(shown, page.presentation)
    for row in force_rows(waiting, page.presentation):
        row.absent_reason = as_published.NOT_YET_PUBLISHED
        forces.append(row)
    forces.sort(key=lambda row: row.name)
    wide = sorted(published.of(Scope.REGION, metric), key=lambda f: f.region.name)
    wide += published.of(Scope.PROGRAMME, metric)
    wide += published.of(Scope.PROGRAMME, metric, weighted=True)
    groups = [g for g in published.groups if g.metric == metric]
    return forces, wide, groups


# --- offence group across forces -----------------------------------------------------------


@allowed_if(access.may_read_national_figures)
def offence_detail(request, slug, code):
    """One offence group (e.g. rape) in every force of a programme."""
    programme = get_object_or_404(
        with_figures_version(Programme.objects.visible_to(request.user)), slug=slug
    )
    group = get_object_or_404(OffenceGroup.objects.visible_to(request.user), code__iexact=code)
    return figures_page(
        request,
        page="offence",
        scope=reader_scope(request.user),
        parts=[programme.pk, group.pk],
        version=programme.figures_version,
        build=lambda: _build_offence(request, programme, group),
    )


def _build_offence(request, programme, group):
    page = FigurePage(request)
    metric = page.presentation.metric
    stored = figures.stored_figures(request.user, programme=programme).filter(offence_group=group)
    force_filter = ForceFigureFilter(
        request.GET,
        queryset=stored.filter(scope=Scope.OFFENCE_GROUP, metric=metric).order_by("force__name"),
        request=request,
    )
    page.problems += filter_problems(force_filter)
    forces = force_rows(force_filter.qs, page.presentation)
    pooled = present_all(pooled_offence_group_figures(stored, metric), page.presentation)
    pooled_row = row_from(pooled[0], name=f"{group.name}, all forces (pooled)") if pooled else None
    chart = None
    if any_figure(forces):
        chart = force_bar_chart(
            forces,
            page.presentation,
            title=f"{group.name}: {page.presentation.metric_label.lower()} by force",
            reference=pooled_row,
            table_id="table-forces",
        )
    page.table("forces", FigureTable, forces)
    download = page.export(f"{programme.slug}-{group.code.lower()}-{metric}")
    if download is not None:
        return download
    return (
        f"{group} – {programme}",
        "dashboard/offence_detail.html",
        page.context(
            programme=programme,
            group=group,
            force_filter=force_filter,
            chart=chart,
            pooled=pooled_row,
            tables=page.tables,
            offence_groups=OffenceGroup.objects.visible_to(request.user).order_by("name"),
        ),
    )

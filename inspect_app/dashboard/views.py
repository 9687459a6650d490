"""Pages of the dashboard. Every query goes through ``visible_to(request.user)``.

The figure pages read stored figures (``compliance.figures.stored_figures``)
and present them with the reader's interval method and confidence; nothing
is counted from cases here, so a page makes the same few queries whatever the
number of forces or cases. Each table beside a chart is the same numbers, and
``?_export=csv`` (or ``xlsx``) downloads it, filtered as shown.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django_tables2 import RequestConfig, SingleTableView

from forces.models import Force, OffenceGroup
from inspect_app.accounts import access
from inspect_app.accounts.access import may_do_casework, may_manage_team, may_set_up
from inspect_app.accounts.decorators import allowed_if
from inspect_app.compliance import figures
from inspect_app.compliance.models import Metric, Scope
from inspect_app.dashboard import charts, exports
from inspect_app.dashboard.caching import figures_page, reader_scope, with_figures_version
from inspect_app.dashboard.filters import ForceFigureFilter
from inspect_app.dashboard.forms import read_presentation
from inspect_app.dashboard.rows import (
    force_rows,
    pooled_offence_group_figures,
    present_all,
    row_from,
)
from inspect_app.dashboard.tables import FigureTable, ForceFigureTable, InspectionTable
from inspect_app.inspections import tallies, workflow, worklist
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import (
    BatchStatus,
    Inspection,
    Programme,
    SampleBatch,
    SampledCase,
)

PER_PAGE = 25


def home(request):
    """Each person's landing page: the work waiting for them.

    Inspectors see their own queue across open inspections; lead inspectors
    that too, and what each open inspection needs of a lead; admins the
    inspections with the state of their batches. Commissioners land on their
    own force's summary.
    """
    user = request.user
    if access.reads_force_summary_only(user):
        return redirect("force-detail", slug=user.force.slug)
    my_work = worklist.my_work(user)
    context = {
        "my_work": my_work,
        "my_work_total": sum(item.total for item in my_work),
        "continue_case": next((item.next_case for item in my_work if item.next_case), None),
        "overview": worklist.overview(user, blockers=tallies.sign_off_blockers)
        if access.oversees_casework(user)
        else [],
        "may_set_up": may_set_up(user),
        "may_upload": access.may_upload(user),
        "oversees": access.oversees_casework(user),
        "reviews_cases": access.may_review(user),
        "own_cases_only": access.works_own_cases_only(user),
    }
    if access.may_upload(user):
        states = _batch_states(user)
        for item in context["overview"]:
            item.batch_states = states.get(item.inspection.pk, [])
    return render(request, "dashboard/home.html", context)


def _batch_states(user):
    """{inspection id: [(status label, tag, count)]} of the batches ``user`` may see."""
    states = {}
    labels = dict(BatchStatus.choices)
    rows = (
        SampleBatch.objects.visible_to(user)
        .filter(inspection__status__in=Inspection.OPEN_FOR_REVIEW)
        .values("inspection", "status")
        .annotate(count=Count("pk"))
        .order_by("inspection", "status")
    )
    for row in rows:
        states.setdefault(row["inspection"], []).append(
            (labels[row["status"]], row["status"], row["count"])
        )
    return states


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico by themselves: send them to the site's icon."""
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
def health(request):
    """For load balancers and docker-compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


class InspectionListView(SingleTableView):
    table_class = InspectionTable
    template_name = "dashboard/inspection_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "may_set_up": may_set_up(self.request.user)}

    def get_queryset(self):
        return (
            Inspection.objects.visible_to(self.request.user)
            .select_related("force__region", "programme")
            .annotate(case_count=Count("cases"))
            .order_by("programme__name", "force__name")
        )


# --- shared by the figure pages ------------------------------------------------------------


class FigurePage:
    """What every figures page shares: the reader's presentation, problems, tables, exports."""

    def __init__(self, request):
        self.request = request
        self.form, self.presentation = read_presentation(request.GET)
        self.problems = list(self.presentation.problems)
        self.tables = {}

    @property
    def interval_label(self):
        # "95% exact (Clopper-Pearson) interval": the method's own brackets never nest in more.
        return self.presentation.describe()

    def table(self, name, table_class, rows, **kwargs):
        """A sortable, paginated table of ``rows``; the first one made is the default export."""
        table = table_class(rows, prefix=f"{name}-", interval_label=self.interval_label, **kwargs)
        table.export_name = name
        RequestConfig(self.request, paginate={"per_page": PER_PAGE}).configure(table)
        self.tables[name] = table
        return table

    def export(self, filename):
        """The download the query string asks for, or None to render the page."""
        export_format = self.request.GET.get(exports.EXPORT_PARAMETER)
        if not export_format:
            return None
        wanted = self.request.GET.get("_table") or next(iter(self.tables), "")
        table = self.tables.get(wanted)
        if table is None:
            self.problems.append(f"There is no table called “{wanted[:40]}” on this page.")
            return None
        response = exports.export_response(table, export_format, f"{filename}-{wanted}")
        if response is None:
            offered = " or ".join(name.upper() for name in exports.available_formats())
            self.problems.append(
                f"Downloads in “{export_format[:10]}” are not available: choose {offered}."
            )
        return response

    def context(self, **extra):
        return {
            "form": self.form,
            "presentation": self.presentation,
            "problems": self.problems,
            "export_formats": exports.available_formats(),
            **extra,
        }


def _filter_problems(filterset):
    return [
        f"{filterset.form.fields[name].label}: {' '.join(errors)} Showing every force instead."
        for name, errors in filterset.form.errors.items()
    ]


def _by_scope(presented, scope, weighted=False):
    return [p for p in presented if p.figure.scope == scope and p.figure.weighted == weighted]


# --- programme (national) ------------------------------------------------------------------


# National pages compare forces with each other, so a commissioner, who may see only
# their own force, is refused them (403) rather than shown a page with every other
# force missing.
@allowed_if(access.may_read_national_figures)
def programme_list(request):
    programmes = Programme.objects.visible_to(request.user).annotate(
        inspection_count=Count("inspections")
    )
    return render(
        request,
        "dashboard/programme_list.html",
        {"programmes": programmes, "may_set_up": may_set_up(request.user)},
    )


@allowed_if(access.may_read_national_figures)
def programme_detail(request, slug):
    """The national picture: every force, offence group and region, and the weighted estimate."""
    programme = get_object_or_404(
        with_figures_version(Programme.objects.visible_to(request.user)), slug=slug
    )
    return figures_page(
        request,
        page="programme",
        scope=reader_scope(request.user),
        parts=[programme.pk],
        version=programme.figures_version,
        build=lambda: _build_programme(request, programme),
    )


def _build_programme(request, programme):
    page = FigurePage(request)
    metric = page.presentation.metric
    stored = figures.stored_figures(request.user, programme=programme)

    force_filter = ForceFigureFilter(
        request.GET,
        queryset=stored.filter(scope=Scope.INSPECTION, metric=metric).order_by("force__name"),
        request=request,
    )
    page.problems += _filter_problems(force_filter)
    forces = force_rows(force_filter.qs, page.presentation)

    wide = present_all(
        stored.filter(scope__in=(Scope.REGION, Scope.PROGRAMME), metric=metric).order_by(
            "region__name"
        ),
        page.presentation,
    )
    regions = [row_from(p, name=p.figure.region.name) for p in _by_scope(wide, Scope.REGION)]
    pooled = next(iter(_by_scope(wide, Scope.PROGRAMME)), None)
    weighted = next(iter(_by_scope(wide, Scope.PROGRAMME, weighted=True)), None)
    pooled_row = row_from(pooled, name="Programme rate (pooled)") if pooled else None
    weighted_row = row_from(weighted, name="Programme estimate (weighted)") if weighted else None

    groups = [
        row_from(
            presented,
            name=presented.figure.group_name,
            url=reverse("offence-detail", args=[programme.slug, presented.figure.group_code]),
        )
        for presented in present_all(
            pooled_offence_group_figures(stored, metric), page.presentation
        )
    ]

    chart_list = []
    funnel = None
    # A chart with nothing to draw is an empty frame: the table says why instead.
    if _any_figure(forces):
        chart_list.append(
            charts.force_bar_chart(
                forces,
                page.presentation,
                reference=weighted_row if weighted_row and weighted_row.available else pooled_row,
                table_id="table-forces",
            )
        )
    if forces and pooled_row and pooled_row.available:
        funnel = charts.funnel_data(forces, pooled_row.rate)
        for row in forces:
            if row.available:
                row.funnel = charts.outlier_words(funnel.outliers.get(row.name, ""))
        chart_list.append(
            charts.funnel_chart(
                forces,
                page.presentation,
                funnel,
                target_name="Programme rate (pooled)",
                table_id="table-forces",
            )
        )
    group_chart = None
    if _any_figure(groups):
        group_chart = charts.shortfall_bar_chart(
            groups,
            page.presentation,
            chart_id="chart-offence-groups",
            title=_shortfall_title(metric, "offence group"),
            axis_title=_shortfall_axis(metric),
            table_id="table-offence-groups",
        )
    region_chart = None
    if _any_figure(regions):
        region_chart = charts.comparison_bar_chart(
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
    download = page.export(f"{programme.slug}-{metric}")
    if download is not None:
        return download
    return (
        f"{programme}: {page.presentation.metric_label.lower()}",
        "dashboard/programme_detail.html",
        page.context(
            programme=programme,
            has_figures=pooled is not None,
            force_filter=force_filter,
            charts=chart_list,
            group_chart=group_chart,
            region_chart=region_chart,
            pooled=pooled_row,
            weighted=weighted_row,
            funnel=funnel,
            tables=page.tables,
            offence_groups=OffenceGroup.objects.visible_to(request.user).order_by("name"),
        ),
    )


def _any_figure(rows):
    return any(row.available for row in rows)


def _shortfall_title(metric, by):
    """The heading of a chart of 1 − rate: it names the shortfall, never the rate itself."""
    if metric == Metric.RECORDING_RATE:
        return f"Under-recording by {by}: the share of crimes not recorded"
    return f"{Metric(metric).label}: the share of cases falling short, by {by}"


def _shortfall_axis(metric):
    # Short, so it fits under the bars on a phone; the heading says the rest.
    if metric == Metric.RECORDING_RATE:
        return "Share not recorded"
    return "Share falling short"


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
    page.problems += _filter_problems(force_filter)
    forces = force_rows(force_filter.qs, page.presentation)
    pooled = present_all(pooled_offence_group_figures(stored, metric), page.presentation)
    pooled_row = row_from(pooled[0], name=f"{group.name}, all forces (pooled)") if pooled else None
    chart = None
    if _any_figure(forces):
        chart = charts.force_bar_chart(
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


# --- one force -----------------------------------------------------------------------------


def _metric_cards(presented):
    """The six figures of one inspection, in the order compliance lists them."""
    by_metric = {p.figure.metric: p for p in presented}
    return [
        row_from(by_metric[metric], name=Metric(metric).label)
        for metric in figures.METRICS
        if metric in by_metric
    ]


def force_detail(request, slug):
    """A force's summary: its six figures, the same by offence group, and the trend."""
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
        _metric_cards(p for p in every_programme if p.figure.inspection_id == chosen.pk)
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
    metric = page.presentation.metric
    group_chart = None
    if any(row.available for row in groups):
        group_chart = charts.shortfall_bar_chart(
            groups,
            page.presentation,
            chart_id="chart-offence-groups",
            title=_shortfall_title(metric, "offence group"),
            axis_title=_shortfall_axis(metric),
            table_id="table-offence-groups",
        )
    trend_chart = None
    if trend and any(row.available for row in trend):
        trend_chart = charts.trend_chart(
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
            trend_chart=trend_chart,
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
        with_figures_version(Inspection.objects.visible_to(request.user)),
        slug=slug,
    )
    casework = may_do_casework(request.user, inspection)
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
    casework = may_do_casework(user, inspection)
    assigned = None
    if casework and access.may_review(user):
        cases = SampledCase.objects.visible_to(user).filter(inspection=inspection)
        assigned = workflow.queue_cases("mine", inspection, user, cases).count()
    return {
        "inspection": inspection,
        "casework": casework,
        "assigned": assigned,
        "may_upload": access.may_upload(user),
        "oversees": access.oversees_casework(user),
        "is_lead": access.may_lead(user),
        "may_manage_team": may_manage_team(user),
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
    cards = _metric_cards(_by_scope(presented, Scope.INSPECTION))
    groups = [
        row_from(p, name=p.figure.offence_group.name)
        for p in _by_scope(presented, Scope.OFFENCE_GROUP)
    ]
    progress = _review_progress(request.user, inspection)
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
    )


def _review_progress(user, inspection):
    """(record type label, reviewed, total) for a reader of the inspection's cases; empty
    for anyone else, or while it has no cases.

    "Reviewed" is the workspace's: a complete first review. Both pages read the
    same counts (``tallies.casework``), so one inspection shows one progress.
    """
    if not may_do_casework(user, inspection):
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

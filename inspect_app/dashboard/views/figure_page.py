"""What every figures page shares.

The figure pages read stored figures (``compliance.figures.stored_figures``)
and present them with the reader's interval method and confidence; nothing
is counted from cases here, so a page makes the same few queries whatever the
number of forces or cases. Each table beside a chart is the same numbers, and
``?_export=csv`` (or ``xlsx``) downloads it, filtered as shown.
"""

from django_tables2 import RequestConfig

from inspect_app.compliance import figures
from inspect_app.compliance.models import Metric
from inspect_app.dashboard import exports
from inspect_app.dashboard.charts.bars import shortfall_bar_chart
from inspect_app.dashboard.forms import read_presentation
from inspect_app.dashboard.rows import row_from

PER_PAGE = 25


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


def filter_problems(filterset):
    """A filter the reader got wrong, in words: the page shows every force instead."""
    return [
        f"{filterset.form.fields[name].label}: {' '.join(errors)} Showing every force instead."
        for name, errors in filterset.form.errors.items()
    ]


def by_scope(presented, scope, weighted=False):
    return [p for p in presented if p.figure.scope == scope and p.figure.weighted == weighted]


def any_figure(rows):
    return any(row.available for row in rows)


def offence_group_chart(groups, presentation):
    """The shortfall chart by offence group that the programme, force and inspection pages
    share; None when no group has a figure."""
    if not any_figure(groups):
        return None
    metric = presentation.metric
    return shortfall_bar_chart(
        groups,
        presentation,
        chart_id="chart-offence-groups",
        title=shortfall_title(metric, "offence group"),
        axis_title=shortfall_axis(metric),
        table_id="table-offence-groups",
    )


def metric_cards(presented):
    """The six figures of one inspection, in the order compliance lists them."""
    by_metric = {p.figure.metric: p for p in presented}
    return [
        row_from(by_metric[metric], name=Metric(metric).label)
        for metric in figures.METRICS
        if metric in by_metric
    ]


def shortfall_title(metric, by):
    """The heading of a chart of 1 − rate: it names the shortfall, never the rate itself."""
    if metric == Metric.RECORDING_RATE:
        return f"Under-recording by {by}: the share of crimes not recorded"
    return f"{Metric(metric).label}: the share of cases falling short, by {by}"


def shortfall_axis(metric):
    # Short, so it fits under the bars on a phone; the heading says the rest.
    if metric == Metric.RECORDING_RATE:
        return "Share not recorded"
    return "Share falling short"

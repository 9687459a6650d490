import django_tables2 as tables

from inspect_app.inspections.models import Inspection


class InspectionTable(tables.Table):
    """Inspections by name: the force (to the inspection), its programme, its status as a tag."""

    force = tables.Column(
        verbose_name="Inspection",
        linkify=lambda record: record.get_absolute_url(),
        order_by=("force__name",),
    )
    programme = tables.Column(
        linkify=("programme-detail", {"slug": tables.A("programme__slug")}),
        order_by=("programme__name",),
    )
    region = tables.Column(accessor="force__region__name", verbose_name="Region")
    status = tables.TemplateColumn(
        '<strong class="tag tag--status-{{ record.status }}">'
        "{{ record.get_status_display }}</strong>",
        order_by=("status",),
    )
    case_count = tables.Column(
        verbose_name="Sampled records",
        attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}},
    )

    class Meta:
        model = Inspection
        fields = ("force", "programme", "region", "status", "case_count")
        attrs = {"class": "govuk-table"}
        order_by = ("programme", "force")

    def render_force(self, record):
        return record.force.name


# --- figures -------------------------------------------------------------------------------

NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}


def shown(accessor, verbose_name, **kwargs):
    """A column on the page only (exports carry the plain value in a column of their own)."""
    return tables.Column(
        accessor=accessor, verbose_name=verbose_name, exclude_from_export=True, **kwargs
    )


def exported(accessor, verbose_name, **kwargs):
    """A column in exports only: plain numbers and words, never markup."""
    kwargs.setdefault("default", "")
    return tables.Column(accessor=accessor, verbose_name=verbose_name, visible=False, **kwargs)


class FigureTable(tables.Table):
    """Figures of several places (forces, offence groups, regions, programmes).

    The accessible alternative to each chart: the same numbers, with the
    interval and the reliability in words. Every cell reads a ready-made
    attribute of the row (``rows.FigureRow``) rather than going through a
    render method, which keeps large tables cheap to draw. The page shows the
    interval as one column; exports get its two bounds as numbers, with the
    method and confidence that made them.
    """

    name = shown("name_html", "Force", order_by=("name",))
    region = tables.Column(verbose_name="Region")
    numerator = tables.Column(verbose_name="Met the standard (k)", attrs=NUMERIC)
    denominator = tables.Column(verbose_name="Sample size (n)", attrs=NUMERIC)
    rate = shown("rate_text", "Rate", attrs=NUMERIC, order_by=("rate",), default="no figure")
    interval = shown("interval_text", "Interval", orderable=False, default="no interval")
    reliability = shown(
        "reliability_html", "Reliability", order_by=("reliable", "denominator"), empty_values=()
    )
    export_name = exported("name", "Force")
    export_rate = exported("rate_percent", "Rate (%)")
    export_ci_low = exported("ci_low_percent", "Interval low (%)")
    export_ci_high = exported("ci_high_percent", "Interval high (%)")
    export_reliability = exported("reliability", "Reliability", empty_values=())
    export_method = exported("method", "Interval method")
    export_confidence = exported("confidence_percent", "Confidence (%)")

    class Meta:
        attrs = {"class": "govuk-table figure-table"}
        per_page = 25
        sequence = (
            "name",
            "export_name",
            "region",
            "numerator",
            "denominator",
            "rate",
            "export_rate",
            "interval",
            "export_ci_low",
            "export_ci_high",
            "reliability",
            "export_reliability",
            "...",
        )

    def __init__(self, *args, name_label="Force", interval_label="Interval", **kwargs):
        super().__init__(*args, **kwargs)
        self.columns["name"].column.verbose_name = name_label
        self.columns["export_name"].column.verbose_name = name_label
        self.columns["interval"].column.verbose_name = interval_label


class ForceFigureTable(FigureTable):
    """Forces of a programme, with the funnel verdict and crimes left unrecorded."""

    versus = shown("versus_html", "Against the programme", orderable=False, default="")
    funnel = shown("funnel_html", "Funnel plot", orderable=False, default="")
    unrecorded = shown(
        "unrecorded_text",
        "Unrecorded crimes a year (estimate)",
        attrs=NUMERIC,
        order_by=("unrecorded",),
        default="not estimated",
    )
    unrecorded_range = shown(
        "unrecorded_range_text", "Unrecorded: interval", orderable=False, default=""
    )
    export_versus = exported("versus", "Against the programme")
    export_funnel = exported("funnel", "Funnel plot")
    export_unrecorded = exported("unrecorded_rounded", "Unrecorded crimes a year (estimate)")
    export_unrecorded_low = exported("unrecorded_low_rounded", "Unrecorded: low")
    export_unrecorded_high = exported("unrecorded_high_for_export", "Unrecorded: high")

    class Meta(FigureTable.Meta):
        sequence = (
            *FigureTable.Meta.sequence[:-1],
            "versus",
            "export_versus",
            "funnel",
            "export_funnel",
            "unrecorded",
            "export_unrecorded",
            "unrecorded_range",
            "export_unrecorded_low",
            "export_unrecorded_high",
            "...",
        )

import django_tables2 as tables

from inspect_app.inspections.models import Inspection


class InspectionTable(tables.Table):
    force = tables.Column(linkify=("force-detail", {"slug": tables.A("force__slug")}))
    region = tables.Column(accessor="force__region__name", verbose_name="Region")
    programme = tables.Column()
    status = tables.Column()
    case_count = tables.Column(
        verbose_name="Sampled records",
        attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}},
    )
    slug = tables.Column(verbose_name="Inspection", linkify=True)

    class Meta:
        model = Inspection
        fields = ("slug", "force", "region", "programme", "status", "case_count")
        attrs = {"class": "govuk-table"}
        order_by = ("force",)

"""Filters for the tables of figures (django-filter over stored ComplianceFigure rows)."""

import django_filters

from forces.models import Region
from inspect_app.compliance.models import ComplianceFigure


def regions_visible_to(request):
    return Region.objects.visible_to(request.user) if request is not None else Region.objects.none()


class ForceFigureFilter(django_filters.FilterSet):
    """Narrow a programme's or an offence group's force figures by region and force name."""

    region = django_filters.ModelChoiceFilter(
        queryset=regions_visible_to, empty_label="All regions", label="Region"
    )
    force = django_filters.CharFilter(
        field_name="force__name", lookup_expr="icontains", label="Force name contains"
    )

    class Meta:
        model = ComplianceFigure
        fields = ["region", "force"]

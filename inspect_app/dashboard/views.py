"""Pages of the dashboard. Every query goes through ``visible_to(request.user)``."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_tables2 import SingleTableView

from forces.models import Force
from inspect_app.dashboard.tables import InspectionTable
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import Inspection, SampledCase


def home(request):
    """Commissioners land on their own force; everyone else on the list of inspections."""
    if request.user.is_commissioner:
        return redirect("force-detail", slug=request.user.force.slug)
    return redirect("inspection-list")


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

    def get_queryset(self):
        return (
            Inspection.objects.visible_to(self.request.user)
            .select_related("force__region", "programme")
            .annotate(case_count=Count("cases"))
            .order_by("programme__name", "force__name")
        )


def inspection_detail(request, slug):
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"), slug=slug
    )
    # Commissioners get no rows here: cases are casework.
    cases = SampledCase.objects.visible_to(request.user).filter(inspection=inspection)
    by_type = dict(cases.values_list("record_type").annotate(n=Count("id")).order_by())
    counts = [(label, by_type.get(value, 0)) for value, label in RecordType.choices]
    return render(
        request,
        "dashboard/inspection_detail.html",
        {"inspection": inspection, "counts": counts, "can_see_cases": cases.exists()},
    )


def force_detail(request, slug):
    force = get_object_or_404(
        Force.objects.visible_to(request.user).select_related("region"), slug=slug
    )
    inspections = (
        Inspection.objects.visible_to(request.user)
        .filter(force=force)
        .select_related("programme")
        .annotate(case_count=Count("cases"))
    )
    return render(
        request, "dashboard/force_detail.html", {"force": force, "inspections": inspections}
    )

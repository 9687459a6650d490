"""The lists of programmes and of inspections, each scoped by ``accounts.listing``."""

from django.db.models import Count
from django.utils.decorators import method_decorator

from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.accounts.listing import VisibleListView, VisibleTableView
from inspect_app.dashboard.tables import InspectionTable
from inspect_app.inspections.models import Inspection, Programme


class InspectionListView(VisibleTableView):
    """Every inspection the reader may see, by programme and force."""

    model = Inspection
    table_class = InspectionTable
    template_name = "dashboard/inspection_list.html"
    paginate_by = 50

    def narrow(self, queryset):
        return (
            queryset.select_related("force__region", "programme")
            .annotate(case_count=Count("cases"))
            .order_by("programme__name", "force__name")
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "may_set_up": access.may_set_up(self.request.user),
        }


# The list leads only to the national pages, which compare forces with each other and
# refuse a commissioner, who may see only their own force: so does the list (403).
@method_decorator(allowed_if(access.may_read_national_figures), name="dispatch")
class ProgrammeListView(VisibleListView):
    """The inspection programmes, newest first, with how many forces each inspected."""

    model = Programme
    template_name = "dashboard/programme_list.html"
    context_object_name = "programmes"

    def narrow(self, queryset):
        return queryset.annotate(inspection_count=Count("inspections"))

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "may_set_up": access.may_set_up(self.request.user),
        }

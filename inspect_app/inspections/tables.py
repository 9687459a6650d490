"""The case table of an inspection's workspace."""

from urllib.parse import urlencode

import django_tables2 as tables
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from inspect_app.inspections.models import SampledCase


class CountedPaginator(Paginator):
    """A paginator told how many rows there are (``known_count``) where that is already
    counted, instead of counting the whole queue again; None counts as usual."""

    def __init__(self, object_list, per_page, *args, known_count=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        return Paginator.count.func(self)


class CaseTable(tables.Table):
    """The cases of one queue; each links to its case page within that queue."""

    selected = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"aria-label": "Select every case on this page", "class": "select-all"},
            # Each box says which case it selects: a screen reader moving through the
            # column hears "Select case ESX-1", not "checkbox, not checked" thirty times.
            "td__input": {
                "name": "cases",
                "form": "assign-form",
                "aria-label": lambda record: f"Select case {record.reference}",
            },
        },
        orderable=False,
    )
    reference = tables.Column()
    record_type = tables.Column(verbose_name="Record type")
    offence_group = tables.Column(verbose_name="Offence group", default="—")
    reported_at = tables.DateTimeColumn(format="j M Y H:i", verbose_name="Reported")
    assigned_to = tables.Column(verbose_name="First reviewer", default="Unassigned")
    first_reviewed = tables.Column(verbose_name="Progress", orderable=True)

    class Meta:
        model = SampledCase
        fields = (
            "selected",
            "reference",
            "record_type",
            "offence_group",
            "reported_at",
            "assigned_to",
            "first_reviewed",
        )
        attrs = {"class": "govuk-table case-table"}
        order_by = ("reference",)
        empty_text = "No cases in this queue."

    def __init__(self, *args, inspection, queue, selectable, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.queue = queue
        if not selectable:
            self.columns.hide("selected")

    def render_reference(self, record, value):
        url = reverse("review-case", kwargs={"slug": self.inspection.slug, "pk": record.pk})
        return format_html('<a href="{}?{}">{}</a>', url, urlencode({"queue": self.queue}), value)

    def render_assigned_to(self, value):
        return value.get_full_name() or value.username

    def render_first_reviewed(self, value):
        label, style = ("Reviewed", "tag--green") if value else ("Not reviewed", "tag--grey")
        return format_html('<strong class="tag {}">{}</strong>', style, label)

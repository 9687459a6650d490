"""Filters for the case table of an inspection's workspace."""

import django_filters
from django.db.models import Exists, OuterRef

from forces.models import OffenceGroup
from inspect_app.inspections import decisions
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import CaseReview, ReviewKind, SampleBatch, SampledCase


def complete_first_review():
    return Exists(
        CaseReview.objects.filter(
            decisions.complete_q(), case=OuterRef("pk"), kind=ReviewKind.FIRST
        )
    )


class CaseFilter(django_filters.FilterSet):
    """Narrow a queue's cases by reference, record type, offence group, reviewer and progress."""

    reference = django_filters.CharFilter(lookup_expr="icontains", label="Reference contains")
    record_type = django_filters.ChoiceFilter(choices=RecordType.choices, empty_label="Any")
    offence_group = django_filters.ModelChoiceFilter(
        queryset=OffenceGroup.objects.order_by("name"), empty_label="Any"
    )
    assigned_to = django_filters.ModelChoiceFilter(
        queryset=None, empty_label="Anyone", label="First reviewer"
    )
    batch = django_filters.ModelChoiceFilter(queryset=None, empty_label="Any", label="Sample batch")
    progress = django_filters.ChoiceFilter(
        choices=(("reviewed", "Reviewed"), ("not_reviewed", "Not reviewed")),
        empty_label="Any",
        method="filter_progress",
        label="Progress",
    )

    class Meta:
        model = SampledCase
        fields = ("reference", "record_type", "offence_group", "assigned_to", "batch", "progress")

    def __init__(self, *args, reviewers, batches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["assigned_to"].queryset = reviewers
        # The batches of this inspection only: "See the cases" after an upload opens the
        # workspace with its batch chosen here.
        self.filters["batch"].queryset = (
            batches if batches is not None else SampleBatch.objects.none()
        )
        for name, field in self.form.fields.items():
            field.widget.attrs.setdefault("class", "select" if name != "reference" else "input")

    def narrows(self) -> bool:
        """Whether any filter is chosen (or the choice is invalid): if not, the table holds
        the whole queue."""
        if not self.is_bound:
            return False
        if not self.form.is_valid():
            return True
        return any(value not in (None, "") for value in self.form.cleaned_data.values())

    def filter_progress(self, queryset, name, value):
        if value == "reviewed":
            return queryset.filter(complete_first_review())
        if value == "not_reviewed":
            return queryset.exclude(complete_first_review())
        return queryset

"""Every list view starts from what its reader may see, and cannot be made to start elsewhere."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic.list import MultipleObjectMixin

from inspect_app.accounts.listing import VisibleListView, VisibleTableView
from inspect_app.inspections.models import SampledCase


class CaseList(VisibleListView):
    """Casework: sampled cases, which only some readers may see at all."""

    model = SampledCase


class EssexCaseList(VisibleListView):
    model = SampledCase

    def narrow(self, queryset):
        return queryset.filter(reference__startswith="ESX")


def listed(view_class, rf, user):
    request = rf.get("/cases/")
    request.user = user
    response = view_class.as_view()(request)
    assert response.status_code == 200
    return {case.reference for case in response.context_data["object_list"]}


@pytest.mark.django_db
def test_a_casework_list_shows_a_commissioner_nothing(rf, case_a, case_b, commissioner_a):
    assert listed(CaseList, rf, commissioner_a) == set()


@pytest.mark.django_db
def test_a_casework_list_shows_an_inspector_only_their_inspections(
    rf, case_a, case_b, inspector_user, unassigned_inspector, lead_user
):
    assert listed(CaseList, rf, lead_user) == {"ESX-1", "HRT-1"}  # both exist
    assert listed(CaseList, rf, inspector_user) == {"ESX-1"}  # assigned to Essex's only
    assert listed(CaseList, rf, unassigned_inspector) == set()


@pytest.mark.django_db
def test_narrowing_refines_the_scoped_rows(rf, case_a, case_b, lead_user, commissioner_a):
    assert listed(EssexCaseList, rf, lead_user) == {"ESX-1"}
    assert listed(EssexCaseList, rf, commissioner_a) == set()


def test_it_refuses_a_list_view_that_defines_its_own_get_queryset():
    with pytest.raises(ImproperlyConfigured, match="get_queryset"):

        class Everything(VisibleListView):
            model = SampledCase

            def get_queryset(self):
                return SampledCase.objects.all()


def test_it_refuses_a_mixin_that_brings_its_own_get_queryset():
    class EverythingMixin:
        def get_queryset(self):
            return SampledCase.objects.all()

    with pytest.raises(ImproperlyConfigured, match="get_queryset"):

        class Everything(EverythingMixin, VisibleTableView):
            model = SampledCase


def test_it_refuses_a_list_view_that_sets_a_queryset():
    with pytest.raises(ImproperlyConfigured, match="queryset"):

        class Everything(VisibleListView):
            queryset = SampledCase.objects.all()


def class_based_views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from class_based_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None:
                yield pattern.name, view_class


def test_every_list_view_in_the_urlconf_is_scoped():
    lists = {
        name: view_class
        for name, view_class in class_based_views(get_resolver().url_patterns)
        if issubclass(view_class, MultipleObjectMixin)
    }
    # The walk finds the lists the site has, so an empty walk cannot pass.
    assert {"inspection-list", "programme-list"} <= set(lists)
    unscoped = [
        name for name, view_class in lists.items() if not issubclass(view_class, VisibleListView)
    ]
    assert unscoped == []

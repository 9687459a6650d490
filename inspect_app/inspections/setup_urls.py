"""Addresses of the set-up pages: a new programme, a new inspection, an inspection's team,
and the erasure of its casework.

Included from the site's root before the dashboard's patterns, whose
``inspections/<slug>/`` would otherwise take ``inspections/new/`` as an
inspection called "new".
"""

from django.urls import path

from inspect_app.inspections import erasure_views, setup_views

urlpatterns = [
    path("programmes/new/", setup_views.programme_create, name="programme-create"),
    path("inspections/new/", setup_views.inspection_create, name="inspection-create"),
    path("inspections/<slug:slug>/team/", setup_views.inspection_team, name="inspection-team"),
    path("inspections/<slug:slug>/erase/", erasure_views.erase_casework, name="inspection-erase"),
]

"""The read-only API, its OpenAPI document and reference page, and the token page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from inspect_app.api import pages, views

urlpatterns = [
    path("api/v1/programmes/", views.ProgrammeList.as_view(), name="api-programmes"),
    path(
        "api/v1/programmes/<slug:slug>/figures/",
        views.ProgrammeFigures.as_view(),
        name="api-programme-figures",
    ),
    path("api/v1/inspections/", views.InspectionList.as_view(), name="api-inspections"),
    path(
        "api/v1/inspections/<slug:slug>/figures/",
        views.InspectionFigures.as_view(),
        name="api-inspection-figures",
    ),
    # A token or a session may fetch the document; SPECTACULAR_SETTINGS says who.
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/docs/", views.docs_page, name="api-docs"),
    path("accounts/api-tokens/", pages.token_list, name="api-tokens"),
    path("accounts/api-tokens/<int:token_id>/revoke/", pages.token_revoke, name="api-token-revoke"),
]

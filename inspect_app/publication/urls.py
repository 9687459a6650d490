"""The pages of publication."""

from django.urls import path

from inspect_app.publication import views

urlpatterns = [
    path("inspections/<slug:slug>/publish/", views.publish_page, name="publication-publish"),
    path("inspections/<slug:slug>/published/", views.latest, name="publication-latest"),
    path(
        "inspections/<slug:slug>/published/<int:number>/",
        views.version,
        name="publication-version",
    ),
    path(
        "inspections/<slug:slug>/published/<int:number>.csv",
        views.version_csv,
        name="publication-csv",
    ),
    path(
        "inspections/<slug:slug>/published/<int:number>/charts/<slug:name>.png",
        views.chart,
        name="publication-chart",
    ),
    path(
        "inspections/<slug:slug>/published/<int:number>/report.pdf",
        views.report_pdf,
        name="publication-pdf",
    ),
    path(
        "inspections/<slug:slug>/published/<int:number>/report-state.json",
        views.report_state,
        name="publication-pdf-state",
    ),
    path("published/", views.open_data, name="publication-open-data"),
]

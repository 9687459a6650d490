"""The pages of sampling: an inspection's extract, plan and draw."""

from django.urls import path

from inspect_app.sampling import views

urlpatterns = [
    path("inspections/<slug:slug>/sample/", views.sample_page, name="inspection-sample"),
    path(
        "inspections/<slug:slug>/sample/import/",
        views.extract_import,
        name="inspection-extract-import",
    ),
    path(
        "inspections/<slug:slug>/sample/import/status.json",
        views.extract_import_status,
        name="inspection-extract-import-status",
    ),
    path(
        "inspections/<slug:slug>/sample/listing.csv",
        views.sample_listing,
        name="inspection-sample-listing",
    ),
    path(
        "inspections/<slug:slug>/sample/example-extract.csv",
        views.example_extract,
        name="inspection-example-extract",
    ),
]

"""Addresses of the batch upload pages (included at the site root)."""

from django.urls import path

from inspect_app.uploads import views

urlpatterns = [
    path("inspections/<slug:slug>/batches/", views.batch_upload, name="batch-upload"),
    path("inspections/<slug:slug>/batches/example.csv", views.batch_example, name="batch-example"),
    path(
        "batches/template.csv",
        views.batch_template,
        {"extension": "csv"},
        name="batch-template-csv",
    ),
    path(
        "batches/template.xlsx",
        views.batch_template,
        {"extension": "xlsx"},
        name="batch-template-xlsx",
    ),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/status.json", views.batch_status, name="batch-status"),
    path("batches/<int:pk>/errors.csv", views.batch_errors_csv, name="batch-errors-csv"),
    path("batches/<int:pk>/withdraw/", views.batch_withdraw, name="batch-withdraw"),
]

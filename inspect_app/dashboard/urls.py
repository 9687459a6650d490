from django.urls import path

from inspect_app.dashboard import views

urlpatterns = [
    path("inspections/", views.InspectionListView.as_view(), name="inspection-list"),
    path("inspections/<slug:slug>/", views.inspection_detail, name="inspection-detail"),
    path("forces/<slug:slug>/", views.force_detail, name="force-detail"),
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme-detail"),
    path(
        "programmes/<slug:slug>/offences/<slug:code>/",
        views.offence_detail,
        name="offence-detail",
    ),
]

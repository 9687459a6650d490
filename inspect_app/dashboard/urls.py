from django.urls import path

from inspect_app.dashboard.views import force, judgement, lists, national

urlpatterns = [
    path("inspections/", lists.InspectionListView.as_view(), name="inspection-list"),
    path("inspections/<slug:slug>/", force.inspection_detail, name="inspection-detail"),
    path(
        "inspections/<slug:slug>/judgement/",
        judgement.inspection_judgement,
        name="inspection-judgement",
    ),
    path(
        "inspections/<slug:slug>/judgement.csv",
        judgement.judgement_csv,
        name="inspection-judgement-csv",
    ),
    path(
        "inspections/<slug:slug>/judgement.json",
        judgement.judgement_json,
        name="inspection-judgement-json",
    ),
    path("forces/<slug:slug>/", force.force_detail, name="force-detail"),
    path("programmes/", lists.ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/<slug:slug>/", national.programme_detail, name="programme-detail"),
    path(
        "programmes/<slug:slug>/offences/<slug:code>/",
        national.offence_detail,
        name="offence-detail",
    ),
]

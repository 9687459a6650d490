"""The pages of judgement: outliers, findings and grade bands."""

from django.urls import path

from inspect_app.judgement import views

urlpatterns = [
    path("outliers/", views.outlier_list, name="outlier-list"),
    path("outliers/detect/", views.outlier_detect, name="outlier-detect"),
    path("outliers/<int:pk>/", views.outlier_detail, name="outlier-detail"),
    path("inspections/<slug:slug>/findings/", views.finding_add, name="finding-add"),
    path("findings/<int:pk>/", views.finding_update, name="finding-update"),
    path("programmes/<slug:slug>/grade-bands/", views.grade_bands, name="grade-bands"),
]

from django.urls import path

from inspect_app.accounts import second_factor_views, views

urlpatterns = [
    path("audit-log/", views.audit_log, name="audit-log"),
    path("accounts/second-factor/", second_factor_views.verify, name="second-factor"),
    path("accounts/second-factor/set-up/", second_factor_views.enrol, name="second-factor-enrol"),
]

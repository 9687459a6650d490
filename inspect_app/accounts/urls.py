from django.urls import path

from inspect_app.accounts import views

urlpatterns = [
    path("audit-log/", views.audit_log, name="audit-log"),
]

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "inspect_app.api"
    label = "api"
    verbose_name = "The analysts' read-only API"

from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "inspect_app.sampling"
    label = "sampling"
    verbose_name = "Population extracts, sample plans and reproducible draws"

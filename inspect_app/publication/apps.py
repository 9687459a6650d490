from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "inspect_app.publication"
    label = "publication"
    verbose_name = "Published versions of an inspection's figures, frozen"

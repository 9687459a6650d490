from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "inspect_app.compliance"
    label = "compliance"
    verbose_name = "Compliance figures"

    def ready(self):
        # Imported here, not at module level: receivers need the models loaded.
        from inspect_app.compliance import signals

        signals.connect_receivers()

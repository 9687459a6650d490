"""The inspections app: programmes, inspections, cases, reviews and the review workflow."""

from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspect_app.inspections"
    label = "inspections"
    verbose_name = "Inspections"

    def ready(self):
        # Imported here, not at module level: receivers need the models loaded.
        from django.db.backends.signals import connection_created

        from inspect_app.inspections import work_version
        from inspect_app.inspections.workflow import sample

        connection_created.connect(
            sample.register_draw_function, dispatch_uid="inspections-draw-function"
        )
        work_version.connect_receivers()

from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "inspect_app.publication"
    label = "publication"
    verbose_name = "Published versions of an inspection's figures, frozen"

    def ready(self):
        # Registers the SQLite function the frozen-version triggers ask.
        from inspect_app.compliance import report_rows
        from inspect_app.publication import database  # noqa: F401
        from inspect_app.publication.reading import read_for_command_line

        # compliance_report --published reads versions through here (compliance is below).
        report_rows.install_published_reader(read_for_command_line)

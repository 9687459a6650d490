from django.apps import AppConfig


class JudgementConfig(AppConfig):
    name = "inspect_app.judgement"
    label = "judgement"
    verbose_name = "Judgements, outliers and findings"

    def ready(self):
        # Connects judgement's fields to compliance_report's rows.
        from inspect_app.judgement import report  # noqa: F401

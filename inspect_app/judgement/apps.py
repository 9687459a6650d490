from django.apps import AppConfig


class JudgementConfig(AppConfig):
    name = "inspect_app.judgement"
    label = "judgement"
    verbose_name = "Judgements, outliers and findings"

"""``manage.py judgement_demo``: the demonstration's judgements (called by ``load_demo``)."""

from django.core.management.base import BaseCommand

from inspect_app.judgement.demo import load_judgement_demo


class Command(BaseCommand):
    help = (
        "Add the demonstration's grade bands, Dorset's re-inspection, the 2014 outliers and "
        "findings to a loaded demo. Safe to run again."
    )

    def handle(self, **options):
        result = load_judgement_demo()
        self.stdout.write("judgement demo " + ("loaded" if result["loaded"] else "skipped"))

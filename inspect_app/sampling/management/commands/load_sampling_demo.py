"""``manage.py load_sampling_demo``: the practice round's extracts (run by load_demo)."""

from django.core.management.base import BaseCommand

from inspect_app.sampling.demo import load_sampling_demo


class Command(BaseCommand):
    help = (
        "Add the practice round's extract inspections: one drawn and partly reviewed, one waiting."
    )

    def handle(self, **options):
        load_sampling_demo()

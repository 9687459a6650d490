"""``manage.py publish_demo [--remove]``: the demonstration's published versions (load_demo)."""

from django.core.management.base import BaseCommand

from inspect_app.publication.demo import publish_demo, remove_demo_versions


class Command(BaseCommand):
    help = (
        "Publish the demonstration's 2014 inspections not yet published (load_demo runs "
        "this), or with --remove delete the demonstration's own published versions, the "
        "only published versions anything may delete (load_demo --reset runs this first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true")

    def handle(self, remove=False, **options):
        if remove:
            self.stdout.write(f"removed {remove_demo_versions()} demonstration versions")
        else:
            self.stdout.write(f"published {publish_demo()} demonstration inspections")

"""``manage.py publish_inspection SLUG [--note TEXT]``: freeze the figures as the next version."""

from django.core.management.base import BaseCommand, CommandError

from inspect_app.inspections.models import Inspection
from inspect_app.publication.publishing import PublishingError, publish


class Command(BaseCommand):
    help = (
        "Freeze a signed-off inspection's figures as its next published version. A version "
        "after the first needs --note saying what was corrected."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--note", default="", help="what this version corrects")

    def handle(self, slug, note="", **options):
        inspection = Inspection.objects.filter(slug=slug).first()
        if inspection is None:
            raise CommandError(f"no inspection with slug {slug!r}")
        try:
            version = publish(inspection, None, note=note)
        except PublishingError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"published {slug} version {version.number}")

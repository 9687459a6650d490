"""``manage.py outliers --programme SLUG``: the programme's outliers and their clocks."""

import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts import audit
from inspect_app.compliance import figures
from inspect_app.compliance.tasks import recompute_programme_figures
from inspect_app.inspections.models import Programme
from inspect_app.judgement import outliers
from inspect_app.judgement.models import OutlierCase


class Command(BaseCommand):
    help = (
        "Print every force figure of a programme outside the funnel's limits (alert: 95%, "
        "alarm: 99.8%), opening a case file for any newly found, with its status and due date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, metavar="SLUG")
        parser.add_argument("--format", required=True, choices=("json",), dest="output")

    def handle(self, programme, output="json", **options):
        found = Programme.objects.filter(slug=programme).first()
        if found is None:
            raise CommandError(f"no programme with slug {programme!r}")
        if not figures.has_stored_figures(found):
            recompute_programme_figures(found.pk)
        outliers.detect(found)
        cases = OutlierCase.objects.filter(inspection__programme=found).select_related("inspection")
        audit.disclosed_from_command_line(found, report="outliers", format=output)
        document = {"programme": found.slug, "outliers": [outliers.document(c) for c in cases]}
        self.stdout.write(json.dumps(document, indent=2))

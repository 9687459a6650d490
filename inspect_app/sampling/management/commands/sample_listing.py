"""``manage.py sample_listing --inspection SLUG --format csv|json``: the list for the force."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts import audit
from inspect_app.inspections.models import Inspection
from inspect_app.sampling import drawing

COLUMNS = ("reference", "stratum", "population", "sample", "weight")


class Command(BaseCommand):
    help = "Print the drawn sample: reference, stratum, population (N_h), sample (n_h), weight."

    def add_arguments(self, parser):
        parser.add_argument("--inspection", required=True, metavar="SLUG")
        parser.add_argument("--format", required=True, choices=("csv", "json"), dest="output")

    def handle(self, inspection, output, **options):
        subject = Inspection.objects.filter(slug=inspection).first()
        if subject is None:
            raise CommandError(f"no inspection with slug {inspection!r}")
        draw = getattr(subject, "draw", None) if hasattr(subject, "draw") else None
        if draw is None:
            raise CommandError(f"{subject.slug} has no drawn sample")
        rows = drawing.listing(draw)
        audit.disclosed_from_command_line(subject, report="sample_listing", format=output)
        if output == "json":
            document = {
                "inspection": subject.slug,
                "seed": draw.seed,
                "generator": draw.generator,
                "generator_version": draw.generator_version,
                "plan": draw.plan.version,
                "records": rows,
            }
            self.stdout.write(json.dumps(document, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

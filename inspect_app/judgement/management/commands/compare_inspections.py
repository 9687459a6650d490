"""``manage.py compare_inspections SLUG_A SLUG_B``: a force's change between two inspections."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts import audit
from inspect_app.compliance import figures
from inspect_app.compliance.tasks import recompute_programme_figures
from inspect_app.inspections.models import Inspection
from inspect_app.judgement.comparison import NotComparable, compare

COLUMNS = ("metric", "rate_a", "rate_b", "difference", "ci_low", "ci_high", "verdict")


class Command(BaseCommand):
    help = (
        "Compare one force's figures in two inspections: the change (b − a) per figure with "
        "Newcombe's hybrid score interval and a verdict (improved, no significant change, "
        "worse; not like for like where the counting rules changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug_a", metavar="SLUG_A")
        parser.add_argument("slug_b", metavar="SLUG_B")
        parser.add_argument("--confidence", type=float, default=0.95)
        parser.add_argument("--format", required=True, choices=("json", "csv"), dest="output")

    def handle(self, slug_a, slug_b, confidence=0.95, output="json", **options):
        found = {
            inspection.slug: inspection
            for inspection in Inspection.objects.select_related("programme").filter(
                slug__in=(slug_a, slug_b)
            )
        }
        for slug in (slug_a, slug_b):
            if slug not in found:
                raise CommandError(f"no inspection with slug {slug!r}")
        a, b = found[slug_a], found[slug_b]
        for inspection in (a, b):
            if not figures.has_stored_figures(inspection.programme):
                recompute_programme_figures(inspection.programme.pk)
        try:
            changes = compare(a, b, confidence)
        except NotComparable as error:
            raise CommandError(str(error)) from None
        rows = [change.document() for change in changes]
        audit.disclosed_from_command_line(b, report="compare_inspections", other=a.slug)
        if output == "json":
            document = {"a": slug_a, "b": slug_b, "confidence": confidence, "rows": rows}
            self.stdout.write(json.dumps(document, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in row.items()})

"""``manage.py import_population FILE --inspection SLUG [--dry-run] [--replace]``."""

import os

from django.core.management.base import BaseCommand, CommandError

from inspect_app.inspections.models import Inspection
from inspect_app.sampling import extracts


class Command(BaseCommand):
    help = (
        "Check a force's whole extract (CSV or XLSX: reference, record_type, reported_at, "
        "offence_group, route, summary) and store it as the inspection's population."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--inspection", required=True, metavar="SLUG")
        parser.add_argument("--dry-run", action="store_true", help="check only, store nothing")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the inspection's extract (only while nothing was drawn from it)",
        )

    def handle(self, file, inspection, dry_run, replace, **options):
        if not os.path.isfile(file):
            raise CommandError(f"no such file: {file}")
        subject = Inspection.objects.filter(slug=inspection).first()
        if subject is None:
            raise CommandError(f"no inspection with slug {inspection!r}")
        try:
            outcome = extracts.import_extract(
                file,
                subject,
                filename=os.path.basename(file),
                replace=replace,
                dry_run=dry_run,
            )
        except extracts.ExtractRefused as refusal:
            for line in refusal.errors:
                self.stderr.write(line)
            if refusal.count > len(refusal.errors):
                self.stderr.write(f"… and {refusal.count - len(refusal.errors):,} more errors")
            raise CommandError(f"{refusal.count:,} errors: nothing imported") from None
        if outcome.dry_run:
            self.stdout.write(f"{outcome.records} records checked: no errors (dry run)")
        else:
            self.stdout.write(f"{outcome.records} records imported into {subject.slug}")

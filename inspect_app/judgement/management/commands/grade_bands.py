"""``manage.py grade_bands --programme SLUG --set '…' | --clear``: a programme's grade bands."""

import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.core import judgement
from inspect_app.inspections.models import Programme
from inspect_app.judgement import grading


class Command(BaseCommand):
    help = (
        "Set a programme's grade bands on the recording rate, e.g. --set 'outstanding:0.95,"
        "good:0.90,requires improvement:0.85,inadequate:0' (each band from its lower bound "
        "up to the next), or --clear them. Each change is a new version, audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, metavar="SLUG")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--set", dest="bands", metavar="BANDS")
        which.add_argument("--clear", action="store_true")

    def handle(self, programme, bands=None, clear=False, **options):
        found = Programme.objects.filter(slug=programme).first()
        if found is None:
            raise CommandError(f"no programme with slug {programme!r}")
        try:
            pairs = [] if clear else judgement.parse_bands(bands)
        except judgement.JudgementError as error:
            raise CommandError(str(error)) from None
        band_set = grading.set_bands(found, pairs)
        document = {"programme": found.slug, "version": band_set.version}
        document["grade_bands"] = band_set.bands
        self.stdout.write(json.dumps(document))

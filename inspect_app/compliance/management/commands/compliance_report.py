import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts import audit
from inspect_app.compliance import figures
from inspect_app.compliance.report_rows import (
    COLUMNS,
    NotPublished,
    published_document,
    report_document,
    write_csv,
)
from inspect_app.compliance.tasks import recompute_programme_figures
from inspect_app.core import stats
from inspect_app.inspections.models import Inspection, Programme


class Command(BaseCommand):
    help = (
        "Print the compliance figures of an inspection (with its offence groups) or of a "
        "programme (inspections, offence groups, regions and the programme, pooled and "
        "weighted), with confidence intervals and whether each is reliable. A figure with "
        "no cases to count is left out and named on standard error."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--inspection", metavar="SLUG")
        which.add_argument("--programme", metavar="SLUG")
        parser.add_argument(
            "--method", default="wilson", help="interval: wilson (default), normal or exact"
        )
        parser.add_argument(
            "--confidence", type=float, default=0.95, help="between 0 and 1; default 0.95"
        )
        parser.add_argument("--format", required=True, choices=("json", "csv"), dest="output")
        parser.add_argument(
            "--published",
            action="store_true",
            help="the frozen figures of a published version (with --inspection)",
        )
        parser.add_argument(
            "--published-version",
            type=int,
            metavar="V",
            help="which published version (the latest by default)",
        )

    def handle(
        self,
        inspection=None,
        programme=None,
        method="wilson",
        confidence=0.95,
        output="json",
        published=False,
        published_version=None,
        **options,
    ):
        if published or published_version is not None:
            self._published(inspection, published_version, output)
            return
        try:
            threshold = figures.check_presentation(method, confidence)
        except stats.StatsError as error:
            raise CommandError(str(error)) from None

        if inspection:
            subject = Inspection.objects.select_related("programme").filter(slug=inspection)
            subject = subject.first()
            if subject is None:
                raise CommandError(f"no inspection with slug {inspection!r}")
            owner = subject.programme
        else:
            owner = Programme.objects.filter(slug=programme).first()
            if owner is None:
                raise CommandError(f"no programme with slug {programme!r}")
        if not figures.has_stored_figures(owner):
            recompute_programme_figures(owner.pk)

        stored = (
            figures.every_stored_figure(inspection=subject)
            if inspection
            else figures.every_stored_figure(programme=owner)
        )
        presented = figures.present(
            sorted(stored, key=figures.presentation_order), method, confidence, threshold
        )
        document = report_document(
            presented,
            programme=owner,
            method=method,
            confidence=confidence,
            on_absent=lambda each: self.stderr.write(
                f"no figure for {each.label}: {each.absent_reason}"
            ),
        )
        rows = document["rows"]
        # Live figures leave the service on standard output: a disclosure, by whoever ran it.
        audit.disclosed_from_command_line(
            subject if inspection else owner, report="compliance_report", format=output
        )
        if output == "json":
            self.stdout.write(json.dumps(document, indent=2))
        else:
            write_csv(rows, self.stdout)

    def _published(self, inspection, version, output):
        """A published version's frozen figures, suppressed as published: no disclosure of
        live figures, so nothing to audit."""
        if not inspection:
            raise CommandError("--published needs --inspection SLUG")
        if version is not None and version < 1:
            raise CommandError(f"--published-version must be 1 or more, got {version}")
        try:
            document = published_document(inspection, version)
        except NotPublished as error:
            raise CommandError(str(error)) from None
        if output == "json":
            self.stdout.write(json.dumps(document, indent=2))
        else:
            write_csv(document["rows"], self.stdout, columns=(*COLUMNS, "suppressed"))

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts import audit
from inspect_app.compliance import events, figures
from inspect_app.compliance.models import Metric, Scope
from inspect_app.compliance.tasks import recompute_programme_figures
from inspect_app.core import stats
from inspect_app.inspections.models import Inspection, Programme

DECIMALS = 5
COLUMNS = (
    "scope",
    "inspection",
    "force",
    "region",
    "offence_group",
    "metric",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "reliable",
    "weighted",
    "estimated_unrecorded",
    "estimated_unrecorded_low",
    "estimated_unrecorded_high",
    "versus_programme",
    "funnel",
    "funnel_side",
    "grade",
    "grade_certainty",
    "grades_possible",
)


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

    def handle(
        self,
        inspection=None,
        programme=None,
        method="wilson",
        confidence=0.95,
        output="json",
        **options,
    ):
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
        rows, pairs = [], []
        for each in presented:
            if each.available:
                rows.append(report_row(each))
                pairs.append((rows[-1], each))
            else:
                self.stderr.write(f"no figure for {each.label}: {each.absent_reason}")

        # Live figures leave the service on standard output: a disclosure, by whoever ran it.
        audit.disclosed_from_command_line(
            subject if inspection else owner, report="compliance_report", format=output
        )
        document = {"method": method, "confidence": confidence, "rows": rows}
        # The layers above compliance (judgement) add their fields to the rows.
        events.report_made.send(
            sender=self.__class__, programme=owner, document=document, presented=pairs
        )
        if output == "json":
            self.stdout.write(json.dumps(document, indent=2))
        else:
            writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({column: csv_value(row.get(column)) for column in COLUMNS})


def report_row(presented):
    """One figure as interfaces.md shows it; a region row names its region (ONS code)."""
    figure = presented.figure
    row = {
        "scope": figure.scope,
        "inspection": figure.inspection.slug if figure.inspection_id else None,
        "force": figure.force.code if figure.force_id else None,
    }
    if figure.scope == Scope.REGION:
        row["region"] = figure.region.code
    row.update(
        offence_group=figure.offence_group.code if figure.offence_group_id else None,
        metric=figure.metric,
        numerator=figure.numerator,
        denominator=figure.denominator,
        rate=round(presented.rate, DECIMALS),
        ci_low=round(presented.ci_low, DECIMALS),
        ci_high=round(presented.ci_high, DECIMALS),
        reliable=presented.reliable,
    )
    if figure.scope == Scope.PROGRAMME:
        row["weighted"] = figure.weighted
        if figure.metric == Metric.RECORDING_RATE and figure.volume_total:
            estimate = presented.estimated_unrecorded or (None, None, None)
            for key, value in zip(
                ("estimated_unrecorded", "estimated_unrecorded_low", "estimated_unrecorded_high"),
                estimate,
                strict=True,
            ):
                value = figures.finite_or_none(value)
                row[key] = None if value is None else round(value)
    return row


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return value

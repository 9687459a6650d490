import json

from django.core.management.base import BaseCommand, CommandError

from inspect_app.core import stats
from inspect_app.inspections.models import Inspection
from inspect_app.sampling import planning


class Command(BaseCommand):
    help = (
        "Print the sample size needed to estimate a rate within a margin of error: "
        "n0 = z^2 p(1-p) / E^2, reduced for a finite population N. Rates and the margin are "
        "fractions: --expected-rate 0.9 --margin 0.015 means 90% within ±1.5 percentage points. "
        "With --inspection, plan a stratified sample over the inspection's extract "
        "(--stratify-by record_type,offence_group), and --save it as the inspection's plan."
    )

    def add_arguments(self, parser):
        parser.add_argument("--expected-rate", type=float, metavar="P", help="e.g. 0.9 for 90%%")
        parser.add_argument(
            "--margin",
            type=float,
            required=True,
            metavar="E",
            help="half-width of the interval as a fraction, e.g. 0.015 for ±1.5 points",
        )
        parser.add_argument(
            "--population", type=int, metavar="N", help="records the sample is drawn from"
        )
        parser.add_argument(
            "--confidence", type=float, default=0.95, metavar="C", help="default 0.95"
        )
        parser.add_argument("--inspection", metavar="SLUG", help="plan over this extract")
        parser.add_argument(
            "--stratify-by", metavar="FIELD[,FIELD]", help="record_type, offence_group, route"
        )
        parser.add_argument("--minimum", type=int, default=30, metavar="M", help="default 30")
        parser.add_argument(
            "--allocation", default="proportional", choices=("proportional", "neyman", "equal")
        )
        parser.add_argument(
            "--stratum-rate",
            action="append",
            default=[],
            metavar="STRATUM=P",
            help="the expected rate of one stratum, by its label (for Neyman allocation)",
        )
        parser.add_argument(
            "--no-fpc", action="store_true", help="leave out the finite population correction"
        )
        parser.add_argument("--save", action="store_true", help="store as the inspection's plan")
        parser.add_argument("--format", choices=("json", "text"), default="text", dest="output")

    def handle(self, expected_rate=None, margin=None, population=None, confidence=0.95, **options):
        if options.get("inspection"):
            return self._plan(expected_rate, margin, confidence, **options)
        if expected_rate is None:
            raise CommandError(
                "--expected-rate is needed (or --inspection to plan over an extract)"
            )
        try:
            size = stats.sample_size(expected_rate, margin, confidence, population)
        except stats.StatsError as error:
            hint = ""
            if margin >= 1:
                hint = f" (give it as a fraction: {margin / 100:g} for ±{margin:g} points)"
            raise CommandError(f"{error}{hint}") from None
        context = [
            f"expected rate {expected_rate:g}",
            f"margin ±{margin * 100:g} points",
            f"{confidence * 100:g}% confidence",
        ]
        if population is not None:
            context.append(f"population {population}")
        self.stdout.write(f"sample size: {size} ({', '.join(context)})")

    def _plan(self, expected_rate, margin, confidence, **options):
        inspection = Inspection.objects.filter(slug=options["inspection"]).first()
        if inspection is None:
            raise CommandError(f"no inspection with slug {options['inspection']!r}")
        if not options.get("stratify_by"):
            raise CommandError("--stratify-by is needed: record_type, offence_group or route")
        rates = {}
        for given in options["stratum_rate"]:
            label, _, rate = given.rpartition("=")
            try:
                rates[label.strip()] = float(rate)
            except ValueError:
                raise CommandError(
                    f"--stratum-rate {given!r}: give STRATUM=P, e.g. incident=0.9"
                ) from None
        try:
            proposal = planning.propose(
                inspection,
                stratify_by=options["stratify_by"],
                margin=margin,
                expected_rate=0.9 if expected_rate is None else expected_rate,
                confidence=confidence,
                minimum=options["minimum"],
                allocation_method=options["allocation"],
                fpc=not options["no_fpc"],
                stratum_rates=rates,
            )
            plan = planning.save(proposal) if options["save"] else None
        except planning.PlanRefused as refusal:
            raise CommandError(str(refusal)) from None
        if options["output"] == "json":
            document = proposal.as_json()
            if plan is not None:
                document["version"] = plan.version
            self.stdout.write(json.dumps(document, indent=2))
            return
        for stratum in proposal.strata:
            margin_text = (
                "no sampling error"
                if stratum.expected_margin is None
                else f"±{stratum.expected_margin * 100:.2f} points"
            )
            note = f" — {stratum.note}" if stratum.note else ""
            self.stdout.write(
                f"{stratum.label}: {stratum.sample:,} of {stratum.population:,} ({margin_text})"
                f"{note}"
            )
        self.stdout.write(
            f"total: {proposal.total_sample:,} of {proposal.total_population:,}, expected margin "
            f"±{proposal.expected_margin * 100:.2f} points"
        )
        if plan is not None:
            self.stdout.write(f"saved as plan {plan.version} of {inspection.slug}")

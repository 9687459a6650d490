from django.core.management.base import BaseCommand, CommandError

from inspect_app.core import stats


class Command(BaseCommand):
    help = (
        "Print the sample size needed to estimate a rate within a margin of error: "
        "n0 = z^2 p(1-p) / E^2, reduced for a finite population N. Rates and the margin are "
        "fractions: --expected-rate 0.9 --margin 0.015 means 90% within ±1.5 percentage points."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-rate", type=float, required=True, metavar="P", help="e.g. 0.9 for 90%%"
        )
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

    def handle(self, expected_rate, margin, population=None, confidence=0.95, **options):
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

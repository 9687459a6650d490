"""``manage.py draw_sample --inspection SLUG --seed N``: draw the saved plan's sample."""

from django.core.management.base import BaseCommand, CommandError

from inspect_app.inspections.models import Inspection
from inspect_app.sampling import drawing


class Command(BaseCommand):
    help = (
        "Draw the inspection's saved sample plan from its extract (simple random sampling "
        "without replacement within each stratum, numpy's PCG64 with the seed) and create "
        "its sampled cases. A sample is drawn once; --top-up STRATUM --count N draws more "
        "of one stratum."
    )

    def add_arguments(self, parser):
        parser.add_argument("--inspection", required=True, metavar="SLUG")
        parser.add_argument("--seed", metavar="N", help="a whole number, kept with the draw")
        parser.add_argument("--top-up", metavar="STRATUM", help="the stratum's label")
        parser.add_argument("--count", type=int, default=0, metavar="N")
        parser.add_argument("--reason", default="", help="why the stratum is topped up")

    def handle(self, inspection, seed=None, top_up=None, count=0, reason="", **options):
        subject = Inspection.objects.filter(slug=inspection).first()
        if subject is None:
            raise CommandError(f"no inspection with slug {inspection!r}")
        try:
            if top_up:
                self._top_up(subject, top_up, count, reason)
                return
            if seed is None:
                raise CommandError("--seed is needed: a whole number, e.g. --seed 2014")
            draw = drawing.draw_sample(subject, seed)
        except drawing.DrawRefused as refusal:
            raise CommandError(str(refusal)) from None
        cases = draw.drawn.count()
        self.stdout.write(
            f"drew {cases} cases for {subject.slug} with seed {draw.seed} "
            f"({draw.generator}, numpy {draw.generator_version}) by plan {draw.plan.version}"
        )

    def _top_up(self, subject, label, count, reason):
        draw = getattr(subject, "draw", None)
        if draw is None:
            raise drawing.DrawRefused(f"{subject.slug} has no drawn sample to top up")
        stratum = draw.plan.strata.filter(label=label).first()
        if stratum is None:
            names = ", ".join(draw.plan.strata.values_list("label", flat=True))
            raise drawing.DrawRefused(f"no stratum {label!r}: the strata are {names}")
        made = drawing.top_up(subject, stratum.pk, count, reason=reason)
        self.stdout.write(f"topped up {stratum.label} with {made.count} cases (round {made.round})")

"""Drawing the planned sample from the extract, reproducibly, and topping up a stratum.

Within each stratum, in the plan's order, the records are put in order of
their reference (by code point, so no database's collation can change it)
and n_h of them are chosen by a partial Fisher–Yates shuffle. Its random
numbers come from numpy's PCG64 bit generator seeded with the draw's seed,
turned into unbiased whole numbers below a bound by rejection sampling of its
raw 64-bit output. numpy keeps a bit generator's stream the same from release
to release, but not the streams of ``Generator.choice`` or ``permutation``,
which is why neither is used: the same extract, plan and seed draw the same
references on any machine and any later version.

A top-up draws more records for one stratum from those not yet drawn, with
the same seed's generator jumped ahead by the top-up's round, so it too can
be drawn again.
"""

from __future__ import annotations

import numpy
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import SampledCase, casework_changed
from inspect_app.sampling.models import (
    Draw,
    DrawnCase,
    PopulationExtract,
    PopulationRecord,
    Stratum,
    TopUp,
)
from inspect_app.sampling.planning import FIELD_LOOKUPS, NO_VALUE, current_plan

GENERATOR = "PCG64"
MAX_SEED = 2**63 - 1
_TWO_TO_64 = 1 << 64


class DrawRefused(Exception):
    """The draw cannot be made; the message says why in one line."""


def parse_seed(value) -> int:
    """A seed as a whole number from 0 to 2⁶³ − 1, or DrawRefused."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise DrawRefused(f"the seed must be a whole number (0 or more), not {text!r}")
    seed = int(text)
    if seed > MAX_SEED:
        raise DrawRefused(f"the seed must be at most {MAX_SEED}")
    return seed


class BoundedIntegers:
    """Unbiased whole numbers below a bound from a bit generator's raw 64-bit words."""

    def __init__(self, bit_generator):
        self._bits = bit_generator

    def below(self, bound: int) -> int:
        # Words at or above the largest multiple of ``bound`` would favour small results.
        limit = _TWO_TO_64 - _TWO_TO_64 % bound
        while True:
            word = int(self._bits.random_raw())
            if word < limit:
                return word % bound


def choose(count: int, population: int, numbers: BoundedIntegers) -> list[int]:
    """``count`` distinct positions of ``range(population)``: a partial Fisher–Yates shuffle.

    Only the positions it touches are remembered, so choosing a few from a
    million costs a few, not a million.
    """
    count = min(count, population)
    moved: dict[int, int] = {}
    chosen = []
    for i in range(count):
        j = i + numbers.below(population - i)
        chosen.append(moved.get(j, j))
        moved[j] = moved.get(i, i)
    return chosen


def generator_for(seed: int, round_number: int = 0):
    bits = numpy.random.PCG64(seed)
    return bits.jumped(round_number) if round_number else bits


def stratum_records(extract: PopulationExtract, stratum: Stratum):
    """The stratum's records of the extract (a queryset)."""
    records = PopulationRecord.objects.filter(extract=extract)
    for name, value in stratum.key.items():
        lookup = FIELD_LOOKUPS[name]
        if value == NO_VALUE:
            records = (
                records.filter(offence_group__isnull=True)
                if name == "offence_group"
                else records.filter(**{lookup: ""})
            )
        else:
            records = records.filter(**{lookup: value})
    return records


def _in_reference_order(records) -> list[str]:
    """The records' references in code-point order, whatever the database's collation.

    Sorted here, not by the database: Python's order of strings is code-point order,
    and its sort is quickest on the nearly sorted lists extracts mostly are.
    """
    from django.db import connection

    sql, params = records.order_by().values_list("reference").query.sql_with_params()
    with connection.cursor() as cursor:
        # Read straight from the cursor, not one by one through the queryset.
        cursor.execute(sql, params)
        references = [reference for (reference,) in cursor.fetchall()]
    references.sort()
    return references


def _cases_for(inspection, records):
    return [
        SampledCase(
            inspection=inspection,
            reference=record.reference,
            record_type=record.record_type,
            reported_at=record.reported_at,
            offence_group_id=record.offence_group_id,
            summary=record.summary,
        )
        for record in records
    ]


def _draw_into(draw, stratum, extract, count, numbers, round_number, exclude_drawn=False):
    records = stratum_records(extract, stratum)
    if exclude_drawn:
        records = records.exclude(
            reference__in=DrawnCase.objects.filter(draw=draw).values("reference")
        )
    references = _in_reference_order(records)
    picked = [references[position] for position in choose(count, len(references), numbers)]
    chosen = list(
        PopulationRecord.objects.filter(extract=extract, reference__in=picked).order_by("reference")
    )
    cases = SampledCase.objects.bulk_create(_cases_for(draw.inspection, chosen))
    DrawnCase.objects.bulk_create(
        DrawnCase(
            draw=draw, stratum=stratum, reference=record.reference, case=case, round=round_number
        )
        for record, case in zip(chosen, cases, strict=True)
    )
    return len(chosen)


def _refuse_second(inspection):
    first = Draw.objects.filter(inspection=inspection).first()
    if first is not None:
        raise DrawRefused(
            f"{inspection.slug} was already drawn with seed {first.seed} on "
            f"{timezone.localtime(first.drawn_at):%d %B %Y at %H:%M}: a sample is drawn once "
            "(top up a stratum if some records cannot be audited)"
        )


def draw_sample(inspection, seed, *, by=None, request=None) -> Draw:
    """Draw the inspection's saved plan with ``seed``; its records become sampled cases."""
    seed = parse_seed(seed)
    with transaction.atomic():
        type(inspection).objects.select_for_update().filter(pk=inspection.pk).first()
        _refuse_second(inspection)
        plan = current_plan(inspection)
        if plan is None:
            raise DrawRefused(
                f"{inspection.slug} has no saved sample plan: plan the sample and save it first"
            )
        extract = PopulationExtract.objects.filter(inspection=inspection).first()
        if extract is None:
            raise DrawRefused(f"{inspection.slug} has no extract to draw from")
        if SampledCase.objects.filter(inspection=inspection).exists():
            raise DrawRefused(
                f"{inspection.slug} already has cases from a sample batch: a drawn sample "
                "replaces a batch, it cannot be added to one"
            )
        casework_changed(inspection.pk)
        draw = Draw.objects.create(
            inspection=inspection,
            plan=plan,
            seed=seed,
            generator=GENERATOR,
            generator_version=numpy.__version__,
            drawn_by=by,
            drawn_at=timezone.now(),
        )
        numbers = BoundedIntegers(generator_for(seed))
        total = 0
        for stratum in plan.strata.order_by("position"):
            total += _draw_into(draw, stratum, extract, stratum.planned, numbers, 0)
        audit.record_change(
            AuditAction.SAMPLE_DRAWN,
            by=by,
            request=request,
            target=f"sample of {inspection.slug}",
            subject=draw,
            seed=seed,
            plan=plan.version,
            generator=f"{GENERATOR} (numpy {numpy.__version__})",
            cases=total,
        )
    return draw


def top_up(inspection, stratum_id, count, *, reason="", by=None, request=None) -> TopUp:
    """Draw ``count`` more records of one stratum from those not drawn yet."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise DrawRefused("a top-up draws at least one more record")
    with transaction.atomic():
        type(inspection).objects.select_for_update().filter(pk=inspection.pk).first()
        draw = Draw.objects.filter(inspection=inspection).select_related("plan").first()
        if draw is None:
            raise DrawRefused(f"{inspection.slug} has no drawn sample to top up")
        stratum = draw.plan.strata.filter(pk=stratum_id).first()
        if stratum is None:
            raise DrawRefused("no such stratum in the plan the sample was drawn by")
        extract = PopulationExtract.objects.get(inspection=inspection)
        drawn = DrawnCase.objects.filter(draw=draw, stratum=stratum).count()
        remaining = stratum.population - drawn
        if count > remaining:
            raise DrawRefused(
                f"{stratum.label} has {remaining:,} records not yet drawn: "
                f"a top-up of {count:,} is more than it holds"
            )
        casework_changed(inspection.pk)
        last = draw.top_ups.aggregate(last=Max("round"))["last"] or 0
        round_number = last + 1
        numbers = BoundedIntegers(generator_for(draw.seed, round_number))
        added = _draw_into(draw, stratum, extract, count, numbers, round_number, True)
        made = TopUp.objects.create(
            draw=draw,
            stratum=stratum,
            round=round_number,
            count=added,
            reason=reason[:300],
            by=by,
            at=timezone.now(),
        )
        audit.record_change(
            AuditAction.SAMPLE_TOPPED_UP,
            by=by,
            request=request,
            target=f"sample of {inspection.slug}, {stratum.label}",
            subject=made,
            stratum=stratum.label,
            round=round_number,
            cases=added,
            reason=reason,
        )
    return made


def drawn_counts(draw) -> dict[int, int]:
    """Records drawn so far from each stratum (id → n_h)."""
    return dict(
        DrawnCase.objects.filter(draw=draw)
        .values("stratum")
        .annotate(n=Count("pk"))
        .values_list("stratum", "n")
    )


def listing(draw) -> list[dict]:
    """The drawn records to send to the force: reference, stratum, N_h, n_h and weight."""
    counts = drawn_counts(draw)
    rows = (
        DrawnCase.objects.filter(draw=draw)
        .select_related("stratum")
        .order_by("stratum__position", "reference")
    )
    return [
        {
            "reference": drawn.reference,
            "stratum": drawn.stratum.label,
            "population": drawn.stratum.population,
            "sample": counts[drawn.stratum_id],
            "weight": round(drawn.stratum.population / counts[drawn.stratum_id], 6),
        }
        for drawn in rows
    ]

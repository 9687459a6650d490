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

import io
from collections.abc import Sequence

import numpy
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
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


def stratum_filter(stratum: Stratum) -> Q:
    """Which of an extract's records belong to ``stratum`` (a Q on PopulationRecord)."""
    where = Q()
    for name, value in stratum.key.items():
        if value != NO_VALUE:
            where &= Q(**{FIELD_LOOKUPS[name]: value})
        elif name == "offence_group":
            where &= Q(offence_group__isnull=True)
        else:
            where &= Q(**{FIELD_LOOKUPS[name]: ""})
    return where


def _references_in_order(extract, strata, leave_out=None) -> dict[int, Sequence[str]]:
    """Each stratum's references (id → list), in code-point order, whatever the database's
    collation; ``leave_out`` (a queryset of references) are not among them.

    Sorted here, not by the database, so that no collation can change the order.
    On PostgreSQL the whole extract is read in one pass, each record tagged with its
    stratum's place by the query, and sorted by Arrow, whose order of UTF-8 strings is
    their bytes' and so their code points'. Elsewhere each stratum is read in turn and
    sorted by Python, whose order of strings is code-point order too.
    """
    records = PopulationRecord.objects.filter(extract=extract)
    if leave_out is not None:
        records = records.exclude(reference__in=leave_out)
    if connection.vendor == "postgresql":
        return _read_in_one_pass(records, strata)
    return _read_stratum_by_stratum(records, strata)


def _read_stratum_by_stratum(records, strata) -> dict[int, Sequence[str]]:
    found = {}
    for stratum in strata:
        sql, params = (
            records.filter(stratum_filter(stratum)).values_list("reference").query
        ).sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found[stratum.pk] = sorted(reference for (reference,) in cursor.fetchall())
    return found


def _read_in_one_pass(records, strata) -> dict[int, Sequence[str]]:
    import pyarrow
    import pyarrow.compute
    import pyarrow.csv

    places = Case(
        *(When(stratum_filter(stratum), then=Value(place)) for place, stratum in enumerate(strata)),
        default=Value(-1),
        output_field=IntegerField(),
    )
    query = records.annotate(place=places).values_list("place", "reference").order_by().query
    sql, params = query.sql_with_params()
    read = io.BytesIO()
    with connection.cursor() as cursor:
        # COPY has no parameters: mogrify quotes the plan's values into the query.
        chosen = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(f"COPY ({chosen}) TO STDOUT WITH (FORMAT csv)", read)
    if not read.tell():  # no record left to draw from
        return {stratum.pk: [] for stratum in strata}
    read.seek(0)
    table = pyarrow.csv.read_csv(
        read,
        read_options=pyarrow.csv.ReadOptions(column_names=["place", "reference"]),
        # A reference may hold a line break, which COPY quotes.
        parse_options=pyarrow.csv.ParseOptions(newlines_in_values=True),
        convert_options=pyarrow.csv.ConvertOptions(
            column_types={"place": pyarrow.int32(), "reference": pyarrow.string()},
            strings_can_be_null=False,
        ),
    )
    table = table.take(
        pyarrow.compute.sort_indices(
            table, sort_keys=[("place", "ascending"), ("reference", "ascending")]
        )
    )
    tally = table["place"].value_counts()
    counts = dict(
        zip(tally.field("values").to_pylist(), tally.field("counts").to_pylist(), strict=True)
    )
    # Records of no stratum (place −1) sort first; each stratum's follow in the plan's order.
    found, start = {}, counts.get(-1, 0)
    references = table["reference"].combine_chunks()
    for place, stratum in enumerate(strata):
        size = counts.get(place, 0)
        found[stratum.pk] = _ArrowStrings(references.slice(start, size))
        start += size
    return found


class _ArrowStrings(Sequence):
    """A slice of an Arrow string array read as a sequence of str, one at a time."""

    def __init__(self, array):
        self._array = array

    def __len__(self):
        return len(self._array)

    def __getitem__(self, position):
        return self._array[position].as_py()


def _cases_for(inspection, records):
    return [
        SampledCase(
            inspection=inspection,
            reference=reference,
            record_type=record_type,
            reported_at=reported_at,
            offence_group_id=offence_group_id,
            summary=summary,
        )
        for reference, record_type, reported_at, offence_group_id, summary in records
    ]


def _draw_into(draw, stratum, extract, count, numbers, round_number, references):
    picked = [references[position] for position in choose(count, len(references), numbers)]
    chosen = list(
        PopulationRecord.objects.filter(extract=extract, reference__in=picked)
        .order_by("reference")
        .values_list("reference", "record_type", "reported_at", "offence_group_id", "summary")
    )
    cases = SampledCase.objects.bulk_create(_cases_for(draw.inspection, chosen))
    DrawnCase.objects.bulk_create(
        DrawnCase(
            draw=draw, stratum=stratum, reference=case.reference, case=case, round=round_number
        )
        for case in cases
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
        strata = list(plan.strata.order_by("position"))
        references = _references_in_order(extract, strata)
        total = 0
        for stratum in strata:
            total += _draw_into(
                draw, stratum, extract, stratum.planned, numbers, 0, references[stratum.pk]
            )
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
        not_drawn = _references_in_order(
            extract, [stratum], DrawnCase.objects.filter(draw=draw).values("reference")
        )[stratum.pk]
        added = _draw_into(draw, stratum, extract, count, numbers, round_number, not_drawn)
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

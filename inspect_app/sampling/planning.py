"""Planning a stratified sample over an inspection's extract, and saving the plan.

The extract's records are cut into strata by one or two of their fields
(record type, offence group, route); ``core.allocation`` says how many of each
to audit for the target margin. A proposal is shown before anything is saved;
a saved plan is the inspection's next version, and audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.core import allocation, stats
from inspect_app.sampling.models import (
    Draw,
    PopulationExtract,
    PopulationRecord,
    SamplePlan,
    Stratum,
)

FIELDS = ("record_type", "offence_group", "route")
#: What each field is grouped by in the database (an offence group by its code).
FIELD_LOOKUPS = {
    "record_type": "record_type",
    "offence_group": "offence_group__code",
    "route": "route",
}
NO_VALUE = "(none)"


class PlanRefused(Exception):
    """The plan cannot be made or saved; the message says why in one line."""


@dataclass(frozen=True)
class ProposedStratum:
    key: dict
    label: str
    population: int
    sample: int
    expected_rate: float
    expected_margin: float | None
    takes_all: bool

    @property
    def note(self) -> str:
        if self.takes_all:
            return f"takes all {self.population:,} records: the stratum holds no more"
        return ""


@dataclass(frozen=True)
class Proposal:
    inspection: object
    stratify_by: tuple[str, ...]
    allocation: str
    margin: float
    expected_rate: float
    confidence: float
    minimum: int
    fpc: bool
    strata: tuple[ProposedStratum, ...]
    total_population: int
    total_sample: int
    expected_margin: float

    def as_json(self) -> dict:
        return {
            "inspection": self.inspection.slug,
            "stratify_by": list(self.stratify_by),
            "allocation": self.allocation,
            "confidence": self.confidence,
            "margin": self.margin,
            "expected_rate": self.expected_rate,
            "strata": [
                {
                    "stratum": stratum.key,
                    "population": stratum.population,
                    "sample": stratum.sample,
                    "expected_margin": None
                    if stratum.expected_margin is None
                    else round(stratum.expected_margin, 4),
                    **({"note": stratum.note} if stratum.note else {}),
                }
                for stratum in self.strata
            ],
            "total_population": self.total_population,
            "total_sample": self.total_sample,
            "expected_margin": round(self.expected_margin, 4),
        }


def parse_fields(text_or_list) -> tuple[str, ...]:
    names = (
        [part.strip() for part in text_or_list.split(",") if part.strip()]
        if isinstance(text_or_list, str)
        else [str(part) for part in text_or_list]
    )
    if not names or len(names) > 2:
        raise PlanRefused("stratify by one or two of record_type, offence_group and route")
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise PlanRefused(
            f"cannot stratify by {', '.join(unknown)}: choose from record_type, offence_group "
            "and route"
        )
    if len(set(names)) != len(names):
        raise PlanRefused("a field is named twice in the stratification")
    return tuple(names)


def label_of(key: dict) -> str:
    return " · ".join(str(value) for value in key.values())


def stratum_keys(inspection, stratify_by) -> list[dict]:
    """The keys of the strata a stratification cuts the inspection's extract into (for a
    form that asks each one's expected rate); none without an extract or valid fields."""
    extract = PopulationExtract.objects.filter(inspection=inspection).first()
    try:
        fields = parse_fields(stratify_by)
    except PlanRefused:
        return []
    return [key for key, _ in population_strata(extract, fields)] if extract else []


def population_strata(extract: PopulationExtract, fields) -> list[tuple[dict, int]]:
    """Each stratum's key and its number of records, in a stable order."""
    lookups = [FIELD_LOOKUPS[name] for name in fields]
    rows = (
        PopulationRecord.objects.filter(extract=extract)
        .values(*lookups)
        .annotate(records=Count("pk"))
        .order_by(*lookups)
    )
    strata = []
    for row in rows:
        key = {}
        for name, lookup in zip(fields, lookups, strict=True):
            value = row[lookup]
            key[name] = value if value not in (None, "") else NO_VALUE
        strata.append((key, row["records"]))
    strata.sort(key=lambda item: tuple(str(value) for value in item[0].values()))
    return strata


def propose(
    inspection,
    *,
    stratify_by,
    margin,
    expected_rate=0.9,
    confidence=0.95,
    minimum=30,
    allocation_method="proportional",
    fpc=True,
    stratum_rates: dict[str, float] | None = None,
) -> Proposal:
    """The plan these settings give over the inspection's extract (nothing saved)."""
    fields = parse_fields(stratify_by)
    extract = PopulationExtract.objects.filter(inspection=inspection).first()
    if extract is None:
        raise PlanRefused(
            f"{inspection.slug} has no extract to plan over: import the force's extract first"
        )
    strata = population_strata(extract, fields)
    rates_by_label = stratum_rates or {}
    unknown = set(rates_by_label) - {label_of(key) for key, _ in strata}
    if unknown:
        raise PlanRefused(f"no stratum called {', '.join(sorted(unknown))} in the extract")
    rates = [rates_by_label.get(label_of(key), expected_rate) for key, _ in strata]
    try:
        planned = allocation.allocate(
            [size for _, size in strata],
            rates,
            margin=margin,
            confidence=confidence,
            minimum=minimum,
            allocation=allocation_method,
            fpc=fpc,
        )
        expected_rate = stats._as_fraction_in_open_unit("expected rate", expected_rate)
    except stats.StatsError as error:
        raise PlanRefused(str(error)) from None
    return Proposal(
        inspection=inspection,
        stratify_by=fields,
        allocation=allocation_method,
        margin=float(margin),
        expected_rate=float(expected_rate),
        confidence=float(confidence),
        minimum=minimum,
        fpc=fpc,
        strata=tuple(
            ProposedStratum(
                key=key,
                label=label_of(key),
                population=each.population,
                sample=each.sample,
                expected_rate=each.expected_rate,
                expected_margin=each.expected_margin,
                takes_all=each.takes_all,
            )
            for (key, _), each in zip(strata, planned.strata, strict=True)
        ),
        total_population=planned.total_population,
        total_sample=planned.total_sample,
        expected_margin=planned.expected_margin,
    )


def save(proposal: Proposal, *, by=None, request=None) -> SamplePlan:
    """Store the proposal as the inspection's next plan version, and audit it."""
    inspection = proposal.inspection
    with transaction.atomic():
        type(inspection).objects.select_for_update().filter(pk=inspection.pk).first()
        draw = Draw.objects.filter(inspection=inspection).select_related("plan").first()
        if draw is not None:
            raise PlanRefused(
                f"the sample was already drawn by plan {draw.plan.version} (seed {draw.seed}): "
                "a new plan would not change it"
            )
        latest = SamplePlan.objects.filter(inspection=inspection).aggregate(v=Max("version"))["v"]
        plan = SamplePlan.objects.create(
            inspection=inspection,
            version=(latest or 0) + 1,
            stratify_by=list(proposal.stratify_by),
            allocation=proposal.allocation,
            margin=proposal.margin,
            expected_rate=proposal.expected_rate,
            confidence=proposal.confidence,
            minimum=proposal.minimum,
            finite_population_correction=proposal.fpc,
            total_population=proposal.total_population,
            total_sample=proposal.total_sample,
            expected_margin=proposal.expected_margin,
            made_by=by,
            made_at=timezone.now(),
        )
        Stratum.objects.bulk_create(
            Stratum(
                plan=plan,
                position=position,
                key=stratum.key,
                label=stratum.label[:200],
                population=stratum.population,
                planned=stratum.sample,
                expected_rate=stratum.expected_rate,
            )
            for position, stratum in enumerate(proposal.strata)
        )
        audit.record_change(
            AuditAction.SAMPLE_PLANNED,
            by=by,
            request=request,
            target=f"plan {plan.version} of {inspection.slug}",
            subject=plan,
            version=plan.version,
            stratify_by=list(proposal.stratify_by),
            allocation=proposal.allocation,
            total_sample=proposal.total_sample,
        )
    return plan


def current_plan(inspection) -> SamplePlan | None:
    return SamplePlan.objects.filter(inspection=inspection).order_by("-version").first()

"""Compliance figures from the inspectors' reviews: counting, storing and presenting them.

Counting
    Every figure is k cases that met the standard out of n judged. The counts
    come from one aggregate query per programme, grouped by inspection and
    offence group; everything wider (the inspection as a whole, a parent
    offence group with its subgroups, a region, the programme) is a sum of
    those few hundred groups. So a recompute makes the same handful of queries
    whether the programme has a hundred cases or a million. Where a force's
    sample was drawn by a plan, its figures are estimated by the design
    (``by_design``), and its region's and the weighted programme figure
    combine each force's own rate, weighted by recorded crime
    (``volume_weighted_rate``), rather than add up raw counts.

Storing
    ``recompute_programme`` replaces a programme's whole set of stored figures
    in one transaction, holding a lock on the programme so two recomputes
    (a worker retrying, two workers at once) run one after the other.

Presenting
    ``present`` turns stored counts into a rate, its interval and whether it is
    reliable, for whatever method and confidence the reader asks for. The
    dashboard and the exports both go through it; the maths is in ``stats``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from forces.models import OffenceGroup
from inspect_app.compliance import by_design
from inspect_app.compliance.models import ComplianceFigure, Design, Metric, Scope
from inspect_app.core import design, stats
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    Inspection,
    Programme,
    ReviewKind,
)

# --- what each figure counts ----------------------------------------------------------------


@dataclass(frozen=True)
class MetricRule:
    """Which reviews a figure is judged on (n) and which decision must be yes (k)."""

    metric: str
    record_types: tuple[str, ...]
    judged_on: Q
    met_when: str

    @property
    def denominator_filter(self) -> Q:
        return Q(record_type__in=self.record_types) & self.judged_on

    @property
    def numerator_filter(self) -> Q:
        return self.denominator_filter & Q(**{self.met_when: True})


CRIME_RECORD_TYPES = (RecordType.INCIDENT.value, RecordType.OTHER_SYSTEM.value)

METRIC_RULES = (
    MetricRule(
        Metric.RECORDING_RATE,
        CRIME_RECORD_TYPES,
        Q(should_record=True, was_recorded__isnull=False),
        "was_recorded",
    ),
    MetricRule(
        Metric.CLASSIFICATION_ACCURACY,
        CRIME_RECORD_TYPES,
        Q(was_recorded=True, correctly_classified__isnull=False),
        "correctly_classified",
    ),
    MetricRule(
        Metric.TIMELINESS,
        CRIME_RECORD_TYPES,
        Q(was_recorded=True, on_time__isnull=False),
        "on_time",
    ),
    MetricRule(
        Metric.NO_CRIME_ACCURACY,
        (RecordType.NO_CRIME.value,),
        Q(cancellation_correct__isnull=False),
        "cancellation_correct",
    ),
    MetricRule(
        Metric.VICTIM_INFORMED,
        (RecordType.NO_CRIME.value,),
        Q(victim_informed__isnull=False),
        "victim_informed",
    ),
    MetricRule(
        Metric.DISPOSAL_COMPLIANCE,
        (RecordType.OOCD.value,),
        Q(disposal_appropriate__isnull=False),
        "disposal_appropriate",
    ),
)
METRICS = tuple(str(rule.metric) for rule in METRIC_RULES)
SCOPE_ORDER = (Scope.INSPECTION, Scope.OFFENCE_GROUP, Scope.REGION, Scope.PROGRAMME)

NO_CASES_REASON = "no cases counted (denominator 0)"


def _numerator_key(metric: str) -> str:
    return f"{metric}_numerator"


def _denominator_key(metric: str) -> str:
    return f"{metric}_denominator"


# --- counting -------------------------------------------------------------------------------


def counting_reviews(programme_id: int) -> models.QuerySet:
    """The one review that counts for each case of the programme.

    That is the adjudicated review where there is one, otherwise the first
    review; a blind second review never counts on its own. Cases of a
    withdrawn batch do not count.
    """
    # "No other adjudicated review of the same case": keeps an adjudicated
    # review (there is one per case) and a first review without one. Written as
    # a plain NOT EXISTS so PostgreSQL can run it as one hash anti-join.
    overruled = CaseReview.objects.filter(
        case_id=OuterRef("case_id"), kind=ReviewKind.ADJUDICATED
    ).exclude(pk=OuterRef("pk"))
    return (
        CaseReview.objects.filter(
            case__inspection__programme_id=programme_id,
            kind__in=(ReviewKind.FIRST, ReviewKind.ADJUDICATED),
        )
        .filter(Q(case__batch__isnull=True) | ~Q(case__batch__status=BatchStatus.WITHDRAWN))
        .filter(~Exists(overruled))
    )


def counts_by_inspection_and_group(programme_id: int) -> list[dict]:
    """k and n of every metric per (inspection, offence group): one aggregate query.

    The offence group is the one the inspector corrected the case to, where
    they did, otherwise the case's own; it is None for a case with no group.
    """
    aggregates = {}
    for rule in METRIC_RULES:
        aggregates[_numerator_key(rule.metric)] = Count("pk", filter=rule.numerator_filter)
        aggregates[_denominator_key(rule.metric)] = Count("pk", filter=rule.denominator_filter)
    return list(
        counting_reviews(programme_id)
        .values(
            counted_inspection=F("case__inspection_id"),
            counted_group=Coalesce(
                "corrected_offence_group_id",
                "case__offence_group_id",
                output_field=models.BigIntegerField(),
            ),
        )
        .annotate(**aggregates)
        .order_by()
    )


def _groups_with_their_parents() -> dict[int, tuple[int, ...]]:
    """Each offence group's id with its parent's, grandparent's… (a group counts its subgroups)."""
    parent_of = dict(OffenceGroup.objects.values_list("pk", "parent_id"))
    chains = {}
    for group_id in parent_of:
        chain, current = [], group_id
        while current is not None and current not in chain:  # a cycle would loop for ever
            chain.append(current)
            current = parent_of.get(current)
        chains[group_id] = tuple(chain)
    return chains


def _counts_of(tally: Counter, metric: str) -> tuple[int, int]:
    return tally[_numerator_key(metric)], tally[_denominator_key(metric)]


def _volume_or_none(volume):
    return int(volume) if volume is not None else None


def compute_programme_figures(programme_id: int, computed_at=None) -> list[ComplianceFigure]:
    """Every figure of the programme, counted now, as unsaved ComplianceFigure rows.

    Inspection, region and programme figures are made for every metric, with
    n = 0 where nothing was counted, so "no figure" can be said rather than
    guessed; offence-group figures only where the group has cases for them.
    """
    computed_at = computed_at or timezone.now()
    # Counted before the inspections are listed: an inspection added in
    # between then simply has no counts yet, rather than counts and no row.
    counted = counts_by_inspection_and_group(programme_id)
    inspections = list(
        Inspection.objects.filter(programme_id=programme_id)
        .select_related("force")
        .only(
            "slug",
            "force__code",
            "force__name",
            "force__region_id",
            "force__recorded_crime_volume",
        )
        .order_by("slug")
    )
    chains = _groups_with_their_parents()
    # Inspections drawn from their extract by a plan: their figures by the design.
    designed = by_design.estimates(counting_reviews(programme_id), METRIC_RULES, chains)
    by_inspection: dict[int, Counter] = defaultdict(Counter)
    by_group: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for row in counted:
        counts = {
            key: value
            for key, value in row.items()
            if key not in ("counted_inspection", "counted_group")
        }
        by_inspection[row["counted_inspection"]].update(counts)
        if row["counted_group"] is not None:
            for group_id in chains.get(row["counted_group"], (row["counted_group"],)):
                by_group[row["counted_inspection"], group_id].update(counts)

    def figure(scope, metric, tally, **where):
        numerator, denominator = _counts_of(tally, metric)
        return ComplianceFigure(
            programme_id=programme_id,
            scope=scope,
            metric=metric,
            numerator=numerator,
            denominator=denominator,
            computed_at=computed_at,
            **where,
        )

    figures = []
    inspection_by_id = {inspection.pk: inspection for inspection in inspections}
    by_region: dict[int, Counter] = defaultdict(Counter)
    in_region: dict[int, list] = defaultdict(list)
    whole_programme = Counter()
    for inspection in inspections:
        tally = by_inspection[inspection.pk]
        force = inspection.force
        by_region[force.region_id].update(tally)
        in_region[force.region_id].append(inspection)
        whole_programme.update(tally)
        for metric in METRICS:
            volume = force.recorded_crime_volume if metric == Metric.RECORDING_RATE else None
            made = figure(
                Scope.INSPECTION,
                metric,
                tally,
                inspection=inspection,
                force=force,
                region_id=force.region_id,
                volume_total=_volume_or_none(volume),
            )
            by_design.apply(made, designed.get((inspection.pk, None, metric)))
            figures.append(made)
    for (inspection_id, group_id), tally in by_group.items():
        inspection = inspection_by_id.get(inspection_id)
        if inspection is None:  # left the programme after it was counted
            continue
        for metric in METRICS:
            if tally[_denominator_key(metric)]:
                made = figure(
                    Scope.OFFENCE_GROUP,
                    metric,
                    tally,
                    inspection=inspection,
                    force=inspection.force,
                    region_id=inspection.force.region_id,
                    offence_group_id=group_id,
                )
                by_design.apply(made, designed.get((inspection_id, group_id, metric)))
                figures.append(made)
    for region_id, tally in by_region.items():
        for metric in METRICS:
            made = figure(Scope.REGION, metric, tally, region_id=region_id)
            region_by_design(made, in_region[region_id], by_inspection, designed)
            figures.append(made)
    for metric in METRICS:
        figures.append(figure(Scope.PROGRAMME, metric, whole_programme))
        weighted = figure(Scope.PROGRAMME, metric, whole_programme, weighted=True)
        weigh_by_volume(weighted, inspections, by_inspection, designed)
        figures.append(weighted)
    return figures


def weigh_by_volume(weighted, inspections, by_inspection, designed) -> None:
    """Make the unsaved programme figure ``weighted`` the volume-weighted rate of
    ``inspections``, or keep why it cannot be made. The live figures and the programme
    as published (``publication.as_published``) both come through here."""
    combined = volume_weighted_rate(weighted.metric, inspections, by_inspection, designed)
    if isinstance(combined, str):
        weighted.unavailable_reason = combined
    else:
        combined.apply(weighted)
        weighted.volume_total = combined.volume_total


def volume_weighted_rate(metric, inspections, by_inspection, designed):
    """``metric`` over ``inspections`` (the programme's, or a region's) with each force
    weighted by its recorded-crime volume (``by_design.VolumeWeighted``); or, where it
    cannot be made, why not.

    Forces with no cases for this figure take no part (they have no rate to
    weight). Every force that does take part needs a volume; without one there
    is no figure, and the reason says which force lacks it.
    """
    sampled = [
        by_design.ForceCounts(
            inspection.force, *_counts_of(by_inspection[inspection.pk], metric), inspection.pk
        )
        for inspection in inspections
        if _counts_of(by_inspection[inspection.pk], metric)[1] > 0
    ]
    if not sampled:
        return NO_CASES_REASON
    without_volume = [each.force for each in sampled if each.force.recorded_crime_volume is None]
    if without_volume:
        names = ", ".join(f"{force.name} ({force.code})" for force in without_volume)
        verb = "has" if len(without_volume) == 1 else "have"
        return f"no weighted figure: {names} {verb} no recorded-crime volume"[:300]
    return by_design.volume_weighted(sampled, metric, designed)


def region_by_design(made, members, by_inspection, designed) -> None:
    """A region with a force drawn by a plan: its forces combined as the programme's
    weighted figure combines them, since pooling their raw counts would give that force's
    heavily sampled strata too much say. Any other region keeps its pooled k / n."""
    metric = made.metric
    if not any((inspection.pk, None, metric) in designed for inspection in members):
        return
    combined = volume_weighted_rate(metric, members, by_inspection, designed)
    made.design = Design.STRATIFIED
    if isinstance(combined, str):
        made.unavailable_reason = combined.replace("no weighted figure", "no region figure")
    else:
        combined.apply(made)


# --- storing --------------------------------------------------------------------------------


def recompute_programme(programme_id: int) -> int | None:
    """Count the programme's figures afresh and replace its stored set; return how many.

    Returns None if the programme no longer exists (a task queued before it
    was deleted). Safe to run twice or at the same time as another recompute:
    the lock on the programme row makes the second wait, and it then counts
    from what is committed by then.
    """
    with transaction.atomic():
        programme = Programme.objects.select_for_update().filter(pk=programme_id).only("pk").first()
        if programme is None:
            return None
        figures = compute_programme_figures(programme.pk)
        ComplianceFigure.objects.filter(programme_id=programme.pk).delete()
        ComplianceFigure.objects.bulk_create(figures)
    return len(figures)


def stored_figures(user, programme=None, inspection=None) -> models.QuerySet:
    """The stored figures of a programme, or of one inspection, that ``user`` may see.

    Fails closed: no user (or one signed out) sees nothing. Code that needs every
    figure whoever asks (the command line, tasks) calls ``every_stored_figure``.
    """
    return _narrowed(ComplianceFigure.objects.visible_to(user), programme, inspection)


def every_stored_figure(programme=None, inspection=None) -> models.QuerySet:
    """Every stored figure of a programme, or of one inspection, for no one reader:
    the command line and tasks, which answer to whoever runs them."""
    return _narrowed(ComplianceFigure.objects.all(), programme, inspection)


def _narrowed(queryset, programme, inspection):
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if inspection is not None:
        queryset = queryset.filter(inspection=inspection)
    return queryset.select_related("inspection", "force", "region", "offence_group")


def has_stored_figures(programme) -> bool:
    # Every recompute stores the programme-wide figures, even for an empty programme.
    return ComplianceFigure.objects.filter(programme=programme, scope=Scope.PROGRAMME).exists()


# --- presenting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PresentedFigure:
    """A stored figure as shown: its rate, interval and reliability, or why there is none."""

    figure: ComplianceFigure
    method: str
    confidence: float
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    reliable: bool | None = None
    #: (estimate, low, high) crimes unrecorded a year; high may be math.inf.
    estimated_unrecorded: tuple[float, float, float] | None = None
    absent_reason: str = ""

    @property
    def available(self) -> bool:
        return self.rate is not None

    @property
    def label(self) -> str:
        return describe(self.figure)


def describe(figure: ComplianceFigure) -> str:
    """What a figure is, in a few words, e.g. 'recording_rate of inspection essex-2014'."""
    if figure.scope == Scope.INSPECTION:
        place = f"inspection {figure.inspection.slug}"
    elif figure.scope == Scope.OFFENCE_GROUP:
        place = f"inspection {figure.inspection.slug}, offence group {figure.offence_group.code}"
    elif figure.scope == Scope.REGION:
        place = f"region {figure.region.name}"
    else:
        place = "programme (weighted)" if figure.weighted else "programme"
    return f"{figure.metric} of {place}"


def check_presentation(method: str, confidence: float, threshold: float | None = None) -> float:
    """Raise StatsError for an unknown method, a confidence outside (0, 1) or a bad threshold.

    Returns the threshold to use (the RELIABILITY_THRESHOLD setting when None).
    """
    stats.proportion(0, 0, method, confidence)  # checks both; an empty sample has no figure
    if threshold is None:
        threshold = getattr(settings, "RELIABILITY_THRESHOLD", stats.DEFAULT_RELIABILITY_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold < 0:
        raise stats.StatsError(f"reliability threshold must be 0 or more, got {threshold!r}")
    return float(threshold)


def present(figures, method="wilson", confidence=0.95, threshold=None) -> list[PresentedFigure]:
    """Turn stored counts into rates with intervals and reliability, one per figure.

    ``method`` is wilson, normal or exact for counted figures; a weighted
    figure always has the normal interval around its weighted rate, because
    that is the interval the stratified estimate has. ``threshold`` is the
    widest interval half-width (a fraction) still called reliable; by default
    the RELIABILITY_THRESHOLD setting. A figure with n = 0, or a weighted one
    that could not be made, comes back with no rate and the reason.
    """
    threshold = check_presentation(method, confidence, threshold)
    z = stats.z_value(confidence)
    return [_present_one(figure, method, float(confidence), threshold, z) for figure in figures]


def _present_one(figure, method, confidence, threshold, z) -> PresentedFigure:
    absent = PresentedFigure(figure=figure, method=method, confidence=confidence)
    if figure.weighted:
        if figure.weighted_rate is None:
            reason = figure.unavailable_reason or NO_CASES_REASON
            return replace(absent, absent_reason=reason)
        # The stored standard error gives the interval at any confidence
        # without going back to each force's counts.
        rate, spread = figure.weighted_rate, z * figure.standard_error
        estimate = stats.WeightedEstimate(
            rate=rate,
            standard_error=figure.standard_error,
            ci_low=min(1.0, max(0.0, rate - spread)),
            ci_high=min(1.0, max(0.0, rate + spread)),
            confidence=confidence,
        )
        low, high, reliable = estimate.ci_low, estimate.ci_high, estimate.is_reliable(threshold)
        shown_method = "normal"
    elif figure.design == Design.STRATIFIED and figure.weighted_rate is None:
        # A region whose forces could not be combined (one has no volume): its pooled
        # counts would misstate the drawn force's strata, so there is no figure.
        return replace(absent, absent_reason=figure.unavailable_reason or NO_CASES_REASON)
    elif figure.design == Design.STRATIFIED:
        # Estimated by the design: the interval is built at the sample size it is worth.
        rate = figure.weighted_rate
        low, high = design.interval(
            rate,
            figure.standard_error**2,
            figure.effective_sample_size,
            method,
            confidence,
        )
        reliable = stats.half_width(low, high) <= threshold
        shown_method = method
    else:
        proportion = stats.proportion(figure.numerator, figure.denominator, method, confidence)
        if proportion is None:
            return replace(absent, absent_reason=NO_CASES_REASON)
        rate, low, high = proportion.rate, proportion.ci_low, proportion.ci_high
        reliable = proportion.is_reliable(threshold)
        shown_method = method
    unrecorded = None
    if figure.metric == Metric.RECORDING_RATE and figure.volume_total:
        unrecorded = stats.unrecorded_per_year(figure.volume_total, rate, low, high)
    return PresentedFigure(
        figure=figure,
        method=shown_method,
        confidence=confidence,
        rate=rate,
        ci_low=low,
        ci_high=high,
        reliable=reliable,
        estimated_unrecorded=unrecorded,
    )


def presentation_order(figure: ComplianceFigure) -> tuple:
    """A stable reading order: inspections, their offence groups, regions, the programme."""
    return (
        SCOPE_ORDER.index(figure.scope),
        figure.inspection.slug if figure.inspection_id else "",
        figure.offence_group.code if figure.offence_group_id else "",
        figure.region.name if figure.region_id and figure.scope == Scope.REGION else "",
        METRICS.index(figure.metric),
        figure.weighted,
    )


def finite_or_none(value: float | None) -> float | None:
    """A bound that is infinite (no lower limit on the rate) is shown as no value."""
    if value is None or math.isinf(value):
        return None
    return value

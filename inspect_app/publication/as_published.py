"""A programme "as published": each force's latest published version, for staff.

The programme page can show, instead of the live figures, what was published: each
force's figures from its latest published version, and the regional and national
figures worked out again from those published counts by the code that makes the live
ones (``compliance.figures``: pooled k / n, and the volume-weighted estimate through
``compliance.by_design``, design-weighted where a force's version says its sample was
stratified). The results are unsaved ``ComplianceFigure`` rows, so the page presents
them with the same tables, charts and interval maths as the live figures.

Staff read this view, and staff views are not suppressed: the counts are as frozen.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from inspect_app.compliance import by_design, figures
from inspect_app.compliance.models import ComplianceFigure, Design, Metric, Scope
from inspect_app.core import design
from inspect_app.inspections.models import Inspection
from inspect_app.publication.models import PublishedFigure, PublishedVersion

#: Said of a force of the programme with no published version yet.
NOT_YET_PUBLISHED = "not yet published"


@dataclass
class AsPublished:
    """The programme's figures as published: unsaved figures of every scope."""

    #: {inspection id: the latest version shown for it}
    versions: dict = field(default_factory=dict)
    #: Inspections of the programme never published, by force name.
    unpublished: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    #: Each offence group's figures over every published force, pooled.
    groups: list = field(default_factory=list)

    @property
    def published_at(self):
        """(earliest, latest) publication of the versions shown, or None."""
        dates = [version.published_at for version in self.versions.values()]
        return (min(dates), max(dates)) if dates else None

    @property
    def published_on_text(self):
        """ "on 2 December 2026", or "between 1 May 2014 and 2 December 2026"."""
        span = self.published_at
        if span is None:
            return ""
        first, last = (f"{timezone.localtime(moment):%-d %B %Y}" for moment in span)
        return f"on {last}" if first == last else f"between {first} and {last}"

    @property
    def force_count(self):
        return len(self.versions) + len(self.unpublished)

    def of(self, scope, metric, *, weighted=False):
        return [
            f
            for f in self.figures
            if f.scope == scope and f.metric == metric and f.weighted == weighted
        ]


def publication_state(programme) -> int:
    """Changes whenever a version of the programme is published: a cache version."""
    found = PublishedVersion.objects.filter(inspection__programme=programme).aggregate(
        latest=Max("pk")
    )
    return found["latest"] or 0


def programme_as_published(programme) -> AsPublished:
    """Every force's latest published version of ``programme``, and the wider figures
    worked out from them."""
    inspections = list(
        Inspection.objects.filter(programme=programme)
        .select_related("force__region")
        .order_by("force__name")
    )
    latest = {}
    for version in PublishedVersion.objects.filter(inspection__programme=programme).order_by(
        "number"
    ):
        latest[version.inspection_id] = version
    shown = AsPublished(
        versions=latest,
        unpublished=[each for each in inspections if each.pk not in latest],
    )
    published = [each for each in inspections if each.pk in latest]
    by_pk = {each.pk: each for each in published}
    stored = PublishedFigure.objects.filter(version__in=latest.values()).select_related("version")
    by_inspection: dict[int, Counter] = defaultdict(Counter)
    by_region: dict[int, Counter] = defaultdict(Counter)
    whole = Counter()
    designed = {}
    groups: dict[tuple[str, str], Counter] = defaultdict(Counter)
    group_parts: dict[tuple[str, str, str], list] = defaultdict(list)

    def figure(scope, metric, tally, **where):
        numerator, denominator = tally[f"{metric}_numerator"], tally[f"{metric}_denominator"]
        return ComplianceFigure(
            programme=programme,
            scope=scope,
            metric=metric,
            numerator=numerator,
            denominator=denominator,
            **where,
        )

    for row in stored:
        inspection = by_pk[row.version.inspection_id]
        counts = {
            f"{row.metric}_numerator": row.numerator,
            f"{row.metric}_denominator": row.denominator,
        }
        if row.scope == Scope.OFFENCE_GROUP:
            groups[row.offence_group, row.offence_group_name].update(counts)
            group_parts[row.offence_group, row.offence_group_name, row.metric].append(
                by_design.PooledPart(row.numerator, row.denominator, design_estimate(row))
            )
            continue
        by_inspection[inspection.pk].update(counts)
        by_region[inspection.force.region_id].update(counts)
        whole.update(counts)
        force = inspection.force
        volume = force.recorded_crime_volume if row.metric == Metric.RECORDING_RATE else None
        made = figure(
            Scope.INSPECTION,
            row.metric,
            counts,
            inspection=inspection,
            force=force,
            region=force.region,
            volume_total=volume,
        )
        estimate = design_estimate(row)
        by_design.apply(made, estimate)
        if estimate is not None:
            designed[inspection.pk, None, row.metric] = estimate
        shown.figures.append(made)
    for (code, name), tally in sorted(groups.items(), key=lambda item: item[0][1]):
        for metric in figures.METRICS:
            if tally[f"{metric}_denominator"]:
                pooled = figure(Scope.PROGRAMME, metric, tally)
                # One group over every force, pooled, as the live page pools it.
                by_design.pool(pooled, group_parts[code, name, metric])
                pooled.group_name, pooled.group_code = name or code, code
                shown.groups.append(pooled)
    in_region = defaultdict(list)
    for each in published:
        in_region[each.force.region_id].append(each)
    # The live figures' own code for regions and the national estimate, on the published
    # counts: weighted by the design where a force's version was drawn.
    for region_id, members in in_region.items():
        for metric in figures.METRICS:
            made = figure(
                Scope.REGION, metric, by_region[region_id], region=members[0].force.region
            )
            figures.region_by_design(made, members, by_inspection, designed)
            shown.figures.append(made)
    for metric in figures.METRICS:
        shown.figures.append(figure(Scope.PROGRAMME, metric, whole))
        weighted = figure(Scope.PROGRAMME, metric, whole, weighted=True)
        figures.weigh_by_volume(weighted, published, by_inspection, designed)
        shown.figures.append(weighted)
    return shown


def design_estimate(row) -> design.DesignEstimate | None:
    """A stratified force's design-based estimate as its version published it: the
    weighted rate, and the variance its published interval was built with (found again
    from the interval; the version keeps the rate and interval, not the variance)."""
    return published_estimate(
        row.design,
        row.rate,
        row.ci_low,
        row.ci_high,
        row.numerator,
        row.denominator,
        row.version.method,
        row.version.confidence,
    )


def published_estimate(
    design_name, rate, ci_low, ci_high, numerator, denominator, method, confidence
) -> design.DesignEstimate | None:
    """``design_estimate`` from a published row's fields and its version's method."""
    if design_name != Design.STRATIFIED or rate is None or ci_low is None:
        return None
    if rate <= 0 or rate >= 1:
        # No spread to measure: the interval fell back on the cases judged.
        effective = float(denominator)
    else:
        effective = _effective_size(rate, ci_low, ci_high, method, confidence)
    variance = rate * (1 - rate) / effective if effective else 0.0
    return design.DesignEstimate(
        rate=rate,
        variance=variance,
        effective_sample_size=effective,
        numerator=numerator,
        denominator=denominator,
    )


def published_worth(row: dict, method, confidence) -> tuple[float, float]:
    """A published row's k of n as ``by_design.worth`` gives it: a figure drawn by a plan
    at its weighted rate and effective sample size, any other at its counts."""
    estimate = published_estimate(
        row.get("design"),
        row["rate"],
        row["ci_low"],
        row["ci_high"],
        row["numerator"],
        row["denominator"],
        method,
        confidence,
    )
    if estimate is None:
        return row["numerator"], row["denominator"]
    return by_design.worth_of(
        row["numerator"], row["denominator"], estimate.rate, estimate.effective_sample_size
    )


def _effective_size(rate, low, high, method, confidence):
    """The sample size whose ``method`` interval around ``rate`` is as wide as [low, high]
    (the interval narrows as the size grows, so halving the bracket finds it)."""
    target = high - low
    if not target > 0:
        return math.inf

    def width(n):
        a, b = design.interval(rate, rate * (1 - rate) / n, n, method, confidence)
        return b - a

    small, large = 1e-3, 1e9
    if width(large) >= target:
        return large
    for _ in range(200):
        middle = math.sqrt(small * large)
        if width(middle) > target:
            small = middle
        else:
            large = middle
        if large / small < 1 + 1e-12:
            break
    return large

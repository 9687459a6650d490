"""How far each stratum of a drawn sample has got: planned, drawn and reviewed."""

from dataclasses import dataclass

from django.db.models import Count, Q

from inspect_app.inspections.models import ReviewKind
from inspect_app.sampling.models import Draw


@dataclass(frozen=True)
class StratumProgress:
    label: str
    population: int
    planned: int
    drawn: int
    reviewed: int

    @property
    def short(self) -> int:
        """Cases still to review before the stratum has what the plan asked for."""
        return max(0, min(self.planned, self.drawn) - self.reviewed)


def by_stratum(inspection) -> list[StratumProgress]:
    """Each stratum of the inspection's drawn sample; empty when nothing was drawn.

    A case counts as reviewed once it has a first (or adjudicated) review.
    """
    draw = Draw.objects.filter(inspection=inspection).select_related("plan").first()
    if draw is None:
        return []
    reviewed = Q(drawn__case__reviews__kind__in=(ReviewKind.FIRST, ReviewKind.ADJUDICATED))
    strata = draw.plan.strata.order_by("position").annotate(
        drawn_count=Count("drawn", distinct=True),
        reviewed_count=Count("drawn__case", filter=reviewed, distinct=True),
    )
    return [
        StratumProgress(
            label=stratum.label,
            population=stratum.population,
            planned=stratum.planned,
            drawn=stratum.drawn_count,
            reviewed=stratum.reviewed_count,
        )
        for stratum in strata
    ]


def short_strata(inspection) -> list[StratumProgress]:
    """The strata with drawn cases not yet reviewed (what a sign-off should know)."""
    return [stratum for stratum in by_stratum(inspection) if stratum.short]

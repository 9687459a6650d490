"""How far each stratum of a drawn sample has got: planned, drawn and reviewed."""

from dataclasses import dataclass

from django.db.models import Count, Q

from inspect_app.inspections.models import ReviewKind
from inspect_app.sampling import naming
from inspect_app.sampling.models import Draw


@dataclass(frozen=True)
class StratumProgress:
    pk: int
    label: str
    #: The stratum in words, for pages (the label is what commands and the listing use).
    name: str
    population: int
    planned: int
    drawn: int
    reviewed: int

    @property
    def remaining(self) -> int:
        """Records of the stratum not drawn yet: as many as a top-up may still draw."""
        return self.population - self.drawn

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
    groups = naming.offence_group_names()
    return [
        StratumProgress(
            pk=stratum.pk,
            label=stratum.label,
            name=naming.stratum_name(stratum.key, groups),
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

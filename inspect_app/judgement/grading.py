"""A programme's grade bands: the version in force, setting a new one, and an
inspection's grade with how certain it is."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.core import judgement
from inspect_app.judgement.models import GradeBandSet


def current_bands(programme) -> list[tuple[str, float]]:
    """The bands in force: the newest version's, or none (never set, or cleared)."""
    newest = GradeBandSet.objects.filter(programme=programme).order_by("-version").first()
    return newest.as_pairs() if newest else []


def bands_document(bands) -> list[dict]:
    return [{"grade": grade, "from": bound} for grade, bound in bands]


def set_bands(programme, bands, *, by=None, request=None) -> GradeBandSet:
    """Store ``bands`` ([(grade, from)], or [] to clear) as the programme's next version.

    Raises JudgementError for bands that are not strictly decreasing to 0; writes nothing then.
    """
    if bands:
        judgement.check_bands(bands)
    with transaction.atomic():
        latest = GradeBandSet.objects.select_for_update().filter(programme=programme)
        version = (latest.aggregate(top=Max("version"))["top"] or 0) + 1
        band_set = GradeBandSet.objects.create(
            programme=programme,
            version=version,
            bands=bands_document(bands),
            set_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(
            AuditAction.GRADE_BANDS_SET,
            actor=by,
            request=request,
            subject=programme,
            version=version,
            bands=band_set.bands,
        )
    return band_set


@dataclass(frozen=True)
class Grade:
    """An inspection's grade on the recording rate and how sure it is."""

    grade: str
    certainty: float
    possible: list

    @property
    def certainty_text(self) -> str:
        """'72%'; never '100%' or '0%', which a posterior never is."""
        if self.certainty > 0.995:
            return "over 99%"
        if self.certainty < 0.005:
            return "under 1%"
        return f"{self.certainty * 100:.0f}%"

    @property
    def words(self) -> str:
        """e.g. 'good, 72% certain; could be requires improvement or outstanding'."""
        text = f"{self.grade}, {self.certainty_text} certain"
        others = [grade for grade in self.possible if grade != self.grade]
        if others:
            text += "; could be " + " or ".join(others)
        return text


def grade_of(k, n, ci_low, ci_high, bands) -> Grade | None:
    if not bands or not n:
        return None
    return Grade(
        grade=judgement.grade_for(k / n, bands),
        certainty=judgement.grade_certainty(k, n, bands),
        possible=judgement.grades_possible(ci_low, ci_high, bands),
    )

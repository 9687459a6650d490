"""Template tags that show a drawn sample's progress on pages of other apps (sign-off)."""

from django import template

from inspect_app.sampling import progress

register = template.Library()


@register.inclusion_tag("sampling/_short_strata.html")
def short_strata(inspection):
    """The strata whose drawn cases are not all reviewed yet, for the sign-off page."""
    return {"short": progress.short_strata(inspection)}


@register.inclusion_tag("sampling/_strata_progress.html")
def strata_progress(inspection):
    """Planned, drawn and reviewed cases of each stratum; nothing for an inspection not drawn."""
    return {"strata": progress.by_stratum(inspection)}

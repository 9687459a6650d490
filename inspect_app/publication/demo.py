"""The demonstration's published versions: the 2014 inspections, published as any other.

``load_demo`` publishes each 2014 inspection that has no version yet, through
``publishing.publish`` (marked ``is_demo``). ``load_demo --reset`` first removes those
versions, the only published rows anything may delete (``database.removing_demo_versions``
opens that door for demonstration versions alone; migration 0002 keeps it shut for
every other).
"""

from inspect_app.inspections.demo import PROGRAMME_SLUG
from inspect_app.inspections.models import Inspection
from inspect_app.publication.database import removing_demo_versions
from inspect_app.publication.models import PublishedFigure, PublishedVersion
from inspect_app.publication.publishing import publish


def publish_demo(programme_slug=PROGRAMME_SLUG) -> int:
    """Publish each inspection of the demo programme not yet published; return how many."""
    waiting = Inspection.objects.filter(programme__slug=programme_slug).exclude(
        published_versions__isnull=False
    )
    published = 0
    for inspection in waiting.order_by("slug"):
        publish(inspection, None, demo=True)
        published += 1
    return published


def remove_demo_versions() -> int:
    """Delete the demonstration's own versions (and nothing else); return how many."""
    with removing_demo_versions():
        versions = PublishedVersion.objects.filter(is_demo=True)
        PublishedFigure.objects.filter(version__in=versions).delete()
        _, removed = versions.delete()
    return removed.get(PublishedVersion._meta.label, 0)

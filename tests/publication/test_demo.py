"""load_demo publishes its 2014 inspections through publishing, and --reset still works."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from inspect_app.inspections.demo import PROGRAMME_SLUG, PUBLISHED_2014
from inspect_app.publication.database import removing_demo_versions
from inspect_app.publication.models import PublishedVersion
from inspect_app.publication.publishing import publish

pytestmark = pytest.mark.django_db(transaction=True)


def load(*arguments):
    call_command("load_demo", *arguments, stdout=io.StringIO())


def test_the_2014_inspections_are_published_and_reset_keeps_other_versions(signed_off_a, lead_user):
    load()
    demo = PublishedVersion.objects.filter(inspection__programme__slug=PROGRAMME_SLUG)
    assert demo.count() == len(PUBLISHED_2014) and all(v.is_demo for v in demo)
    essex = demo.get(inspection__slug="essex-2014").figures.get(
        scope="inspection", metric="recording_rate"
    )
    assert (essex.numerator, essex.denominator) == (110, 120)
    own = publish(signed_off_a, lead_user)
    load("--reset")
    assert PublishedVersion.objects.filter(pk=own.pk).exists()
    again = PublishedVersion.objects.filter(inspection__programme__slug=PROGRAMME_SLUG)
    assert again.count() == len(PUBLISHED_2014)
    # The demo's door opens for demo versions only: a real one stays refused.
    with (
        pytest.raises(DatabaseError, match="frozen"),
        transaction.atomic(),
        removing_demo_versions(),
    ):
        own.figures.all().delete()
    assert own.figures.exists()

"""Pages read stored figures: their queries do not grow with forces, cases or offence groups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forces.models import Force
from inspect_app.compliance import figures
from inspect_app.compliance.models import ComplianceFigure
from inspect_app.inspections.decisions import RecordType
from tests.compliance.factories import RECORDED, UNRECORDED, many_reviewed_cases
from tests.factories import InspectionFactory

pytestmark = pytest.mark.django_db

# Session, user, the page's object(s), the stored figures, the filter's
# regions and review progress: a handful, whatever the size.
MAX_QUERIES = 9
GROUPS = ("VAP", "SEX", "RAPE", "THF", "BUR", "CDA")


def grow(programme, force_count, cases_per_group):
    """Give the programme ``force_count`` inspected forces, each with cases in every group."""
    existing = set(programme.inspections.values_list("force_id", flat=True))
    for force in Force.objects.exclude(pk__in=existing).order_by("code")[
        : force_count - len(existing)
    ]:
        InspectionFactory(programme=programme, force=force, slug=f"{force.slug}-q")
    for inspection in programme.inspections.all():
        for group in GROUPS:
            many_reviewed_cases(inspection, cases_per_group, offence_group=group, **RECORDED)
            many_reviewed_cases(inspection, 1, offence_group=group, **UNRECORDED)
        many_reviewed_cases(
            inspection,
            cases_per_group,
            record_type=RecordType.OOCD,
            offence_group="VAP",
            disposal_appropriate=True,
        )
    figures.recompute_programme(programme.pk)


def page_urls(programme, force_a):
    return {
        "programme": reverse("programme-detail", args=[programme.slug]),
        "programme export": reverse("programme-detail", args=[programme.slug]) + "?_export=csv",
        "offence": reverse("offence-detail", args=[programme.slug, "vap"]),
        "force": force_a.get_absolute_url(),
        "inspection": reverse("inspection-detail", args=["essex-test"]),
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_each_page_makes_the_same_few_queries_at_two_data_sizes(
    client, lead_user, programme, inspection_a, inspection_b, force_a, django_assert_max_num_queries
):
    client.force_login(lead_user)
    grow(programme, force_count=2, cases_per_group=2)
    small_figures = ComplianceFigure.objects.count()
    small = {}
    for name, url in page_urls(programme, force_a).items():
        with django_assert_max_num_queries(MAX_QUERIES):
            small[name] = count_queries(client, url)

    grow(programme, force_count=12, cases_per_group=20)
    assert ComplianceFigure.objects.count() > 4 * small_figures  # the data really grew
    for name, url in page_urls(programme, force_a).items():
        with django_assert_max_num_queries(MAX_QUERIES):
            assert count_queries(client, url) == small[name], name


def test_a_commissioners_force_page_is_bounded_too(
    client,
    commissioner_a,
    programme,
    inspection_a,
    inspection_b,
    force_a,
    django_assert_max_num_queries,
):
    grow(programme, force_count=8, cases_per_group=5)
    client.force_login(commissioner_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(force_a.get_absolute_url()).status_code == 200

"""Figure pages are built once per reader scope and figures version, and never shared
across scopes; a broken cache never breaks a page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forces.models import Force
from inspect_app.compliance import figures
from inspect_app.dashboard.caching import body_key, figures_version, reader_scope
from tests.dashboard.builders import add_sample
from tests.publication.builders import signed_off_and_published

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured.captured_queries)


def test_a_second_reader_of_the_same_scope_gets_the_built_body(
    client, stored, lead_user, admin_user
):
    url = reverse("programme-detail", args=[stored.slug])
    client.force_login(lead_user)
    first, built = queries_for(client, url)
    again, served = queries_for(client, url)
    assert served < built
    assert "71.8%" in again.content.decode() and "91.7%" in again.content.decode()
    # The header is each reader's own, around the shared body.
    assert "lee-lead" in again.content.decode()


def test_a_recompute_shows_new_figures_at_once(client, stored, lead_user, inspection_a):
    url = inspection_a.get_absolute_url()
    client.force_login(lead_user)
    assert "91.7%" in client.get(url).content.decode()  # 110 of 120
    add_sample(inspection_a, 0, 120)  # 110 of 240 now
    assert "91.7%" in client.get(url).content.decode()  # not recomputed yet: stored figures
    figures.recompute_programme(stored.pk)
    assert "45.8%" in client.get(url).content.decode()


def test_the_query_string_is_part_of_what_is_cached(client, stored, lead_user):
    url = reverse("programme-detail", args=[stored.slug])
    client.force_login(lead_user)
    # Essex's 110 of 120: Wilson 85.3% to 95.4%, Clopper-Pearson (exact) 85.2% to 95.9%.
    # Compared by their figures: two bodies always differ anyway, by their CSRF tokens.
    for _ in range(2):  # built, then kept: each query string keeps a body of its own
        wilson = client.get(url).content.decode()
        exact = client.get(url + "?method=exact").content.decode()
        assert "85.3% to 95.4%" in wilson and "85.2% to 95.9%" not in wilson
        assert "85.2% to 95.9%" in exact and "85.3% to 95.4%" not in exact


def test_review_progress_never_reaches_a_reader_who_may_not_see_cases(
    client, stored, inspector_user, unassigned_inspector, inspection_a
):
    url = inspection_a.get_absolute_url()
    client.force_login(inspector_user)
    assert 'id="review-progress"' in client.get(url).content.decode()
    client.force_login(unassigned_inspector)
    assert 'id="review-progress"' not in client.get(url).content.decode()


def test_a_commissioner_never_gets_a_body_built_for_staff(
    client, stored, lead_user, commissioner_a, force_a, inspection_a, rf
):
    url = force_a.get_absolute_url()
    force = Force.objects.get(pk=force_a.pk)
    # Mark the body stored for staff readers of this page: whoever is served it shows the mark.
    staff_key = body_key(
        rf.get(url),
        "force",
        reader_scope(lead_user),
        [force.pk, force.recorded_crime_volume],
        figures_version(),
    )
    cache.set(staff_key, {"title": "Essex", "body": "BUILT-FOR-STAFF"})
    client.force_login(lead_user)
    assert "BUILT-FOR-STAFF" in client.get(url).content.decode()  # the mark is where staff look

    signed_off_and_published(inspection_a, lead_user)  # commissioners read published figures
    client.force_login(commissioner_a)
    own = client.get(url).content.decode()
    assert "BUILT-FOR-STAFF" not in own
    assert "91.7%" in own and "cara-commissioner" in own and "lee-lead" not in own


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
)
def test_an_unreachable_cache_still_serves_the_page(client, stored, lead_user, caplog):
    client.force_login(lead_user)
    response = client.get(reverse("programme-detail", args=[stored.slug]))
    assert response.status_code == 200
    assert "91.7%" in response.content.decode()
    assert "figure page cache unavailable" in caplog.text

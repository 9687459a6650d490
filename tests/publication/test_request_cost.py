"""What a published page costs a request in queries, and that making it cheap kept every
check: a person is still looked up afresh, a kept lookup never crosses a reader's scope
and goes when something is published.

The benchmark (bench/publication.py) measures the speed; these count the queries each
published path makes, so one that creeps back is caught here."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from inspect_app.accounts.sessions import end_sessions_of
from inspect_app.api import tokens
from inspect_app.publication.publishing import publish

pytestmark = pytest.mark.django_db

#: The session; their second factor's device with the person and their force.
SIGNED_IN = 2


@pytest.fixture
def published(signed_off_a, lead_user):
    return publish(signed_off_a, lead_user)


def warm(client, url, **headers):
    assert client.get(url, **headers).status_code == 200  # the cached parts are made


def test_a_commissioner_reads_a_published_version_in_one_query_past_signing_in(
    client, published, commissioner_a, django_assert_max_num_queries
):
    client.force_login(commissioner_a)
    slug = published.inspection.slug
    for url in (
        reverse("publication-version", args=[slug, 1]),
        reverse("publication-csv", args=[slug, 1]),
        reverse("publication-latest", args=[slug]),
        reverse("publication-pdf-state", args=[slug, 1]),
    ):
        warm(client, url)
        with django_assert_max_num_queries(SIGNED_IN + 1):
            client.get(url)
    # Their force's summary: the versions, which bring the force with them.
    url = reverse("force-detail", args=[published.inspection.force.slug])
    warm(client, url)
    with django_assert_max_num_queries(SIGNED_IN + 1):
        client.get(url)


def test_the_api_reads_a_published_version_in_two_queries(
    published, commissioner_a, django_assert_max_num_queries
):
    _, key = tokens.create(commissioner_a, "analysis")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = reverse("api-inspection-figures", args=[published.inspection.slug])
    warm(client, url)
    with django_assert_max_num_queries(2):  # the token with its owner; the version
        response = client.get(url)
    assert response.json()["version"] == 1


def test_a_session_engine_with_a_cache_would_still_be_ended_everywhere(
    client, published, commissioner_a, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(commissioner_a)
    url = reverse("publication-version", args=[published.inspection.slug, 1])
    assert client.get(url).status_code == 200
    assert client.session[SESSION_KEY] == str(commissioner_a.pk)  # cached by now
    assert end_sessions_of(commissioner_a) == 1
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_person_deactivated_is_refused_at_once_though_their_force_is_read_with_them(
    client, published, commissioner_a
):
    client.force_login(commissioner_a)
    url = reverse("publication-version", args=[published.inspection.slug, 1])
    assert "Essex" in client.get(url).content.decode()
    type(commissioner_a).objects.filter(pk=commissioner_a.pk).update(is_active=False)
    response = client.get(url)  # no signal ended the session: the look-up refuses them
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.fixture
def shared_cache(settings):
    """As with Redis: the lookups of which versions a reader may see are kept."""
    # Only the flag is read: the test's cache (one process's, or Redis) is the one shared.
    settings.REDIS_URL = settings.REDIS_URL or "redis://as-if-shared"
    from inspect_app.publication import lookups

    lookups.renew()
    return settings


def test_kept_lookups_cost_no_query_and_a_new_version_is_seen_at_once(
    client, published, commissioner_a, lead_user, shared_cache, django_assert_max_num_queries
):
    from tests.publication.builders import frozen_version

    client.force_login(commissioner_a)
    slug = published.inspection.slug
    url = reverse("publication-latest", args=[slug])
    warm(client, url)
    with django_assert_max_num_queries(SIGNED_IN):  # the versions come from the cache
        client.get(url)
    # A version written on its own (as the command line may): nothing else is saved.
    frozen_version(published.inspection, number=2)
    assert "<dt>Version</dt><dd>2 of 2</dd>" in client.get(url).content.decode()
    csv_2 = reverse("publication-csv", args=[slug, 2])
    assert client.get(csv_2).status_code == 200


@pytest.fixture(params=["database", "shared cache"])
def kept_anywhere(request, settings):
    """The generation of kept lookups in the database (no Redis), or in the shared cache."""
    if request.param == "shared cache":
        return request.getfixturevalue("shared_cache")
    settings.REDIS_URL = None
    return settings


def versions_asked(queries):
    return [q["sql"] for q in queries if "publication_publishedversion" in q["sql"]]


def test_without_redis_kept_lookups_ask_only_the_generation_and_see_a_new_version_at_once(
    client, published, commissioner_a, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.publication.builders import frozen_version

    settings.REDIS_URL = None
    client.force_login(commissioner_a)
    slug = published.inspection.slug
    url = reverse("publication-latest", args=[slug])
    warm(client, url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert versions_asked(queries) == []  # from this process's memory
    assert any("publication_lookupgeneration" in q["sql"] for q in queries)
    frozen_version(published.inspection, number=2)  # as another process would
    assert "<dt>Version</dt><dd>2 of 2</dd>" in client.get(url).content.decode()
    assert client.get(reverse("publication-csv", args=[slug, 2])).status_code == 200


def test_without_redis_a_version_rolled_back_is_never_shown(
    client, published, commissioner_a, settings
):
    from django.db import transaction

    from tests.publication.builders import frozen_version

    settings.REDIS_URL = None
    client.force_login(commissioner_a)
    url = reverse("publication-latest", args=[published.inspection.slug])

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        frozen_version(published.inspection, number=2)
        # Read inside the change: what is kept names a generation the rollback removes.
        assert "<dt>Version</dt><dd>2 of 2</dd>" in client.get(url).content.decode()
        raise RolledBack
    assert "<dt>Version</dt><dd>1 of 1</dd>" in client.get(url).content.decode()


def test_a_kept_lookup_never_serves_another_forces_reader(
    client, published, commissioner_a, force_b, kept_anywhere
):
    from inspect_app.accounts.roles import Role
    from tests.factories import UserFactory

    slug = published.inspection.slug
    url = reverse("publication-csv", args=[slug, 1])
    client.force_login(commissioner_a)
    assert client.get(url).status_code == 200  # kept for Essex's readers
    other = UserFactory(
        username="hertfordshire-commissioner", role=Role.COMMISSIONER, force=force_b
    )
    client.force_login(other)
    assert client.get(url).status_code == 404
    # The inspection moved to the other force: kept answers go at once.
    inspection = published.inspection
    inspection.force = force_b
    inspection.save()
    assert client.get(url).status_code == 200
    client.force_login(commissioner_a)
    assert client.get(url).status_code == 404


def test_a_kept_version_carries_no_password_hash(published, commissioner_a, shared_cache):
    from inspect_app.publication import reading

    reading.versions_by_slug(commissioner_a, published.inspection.slug)
    kept = reading.versions_by_slug(commissioner_a, published.inspection.slug)[0]
    assert kept.published_by.username == "lee-lead"
    assert "password" not in kept.published_by.__dict__


def test_what_is_made_of_a_version_is_kept_in_the_process_and_bounded(monkeypatch):
    from inspect_app.publication import reading

    class SharedCache:
        """Stands for Redis: counts what is asked of it."""

        def __init__(self):
            self.asked = []

        def get(self, key):
            self.asked.append(key)

        def set(self, key, value, timeout):
            pass

    shared = SharedCache()
    monkeypatch.setattr(reading, "cache", shared)
    made = []
    assert reading.kept_for_good("test-kept:a", lambda: made.append(1) or "body") == "body"
    assert reading.kept_for_good("test-kept:a", lambda: made.append(1) or "other") == "body"
    assert made == [1] and shared.asked == ["test-kept:a"]  # the second from memory
    monkeypatch.setattr(reading, "KEPT_IN_PROCESS", 2)
    for name in "bcd":
        reading.kept_for_good(f"test-kept:{name}", lambda: "x")
    assert len(reading._in_process) == 2 and "test-kept:a" not in reading._in_process


def test_a_force_summary_found_by_its_versions_shows_no_other_forces(
    client, published, force_b, kept_anywhere
):
    from inspect_app.accounts.roles import Role
    from tests.factories import UserFactory

    other = UserFactory(
        username="hertfordshire-commissioner", role=Role.COMMISSIONER, force=force_b
    )
    client.force_login(other)
    assert (
        client.get(reverse("force-detail", args=[published.inspection.force.slug])).status_code
        == 404
    )
    own = client.get(reverse("force-detail", args=[force_b.slug]))
    assert own.status_code == 200 and "not yet published" in own.content.decode().lower()
    # The inspection moved to their force: its versions are theirs at once, and Essex's page
    # has none to show.
    inspection = published.inspection
    inspection.force = force_b
    inspection.save()
    assert (
        "published figures"
        in client.get(reverse("force-detail", args=[force_b.slug])).content.decode()
    )


def test_an_unreachable_redis_leaves_every_published_page_working(
    client, published, commissioner_a, settings
):
    # Nothing listens on the discard port: every cache call fails at once.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    client.force_login(commissioner_a)
    slug = published.inspection.slug
    for url in (
        reverse("publication-version", args=[slug, 1]),
        reverse("publication-latest", args=[slug]),
        reverse("publication-csv", args=[slug, 1]),
        reverse("force-detail", args=[published.inspection.force.slug]),
    ):
        for _ in range(2):  # built, then from whatever this process kept
            assert client.get(url).status_code == 200, url
    _, key = tokens.create(commissioner_a, "analysis")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get(reverse("api-inspection-figures", args=[slug]))
    assert response.status_code == 200 and response.json()["version"] == 1

"""A published version's page is kept rendered for each reader: the CSRF token is each
request's own, messages are never kept, and no reader is shown another's frame."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from inspect_app.accounts.roles import Role
from inspect_app.publication.publishing import publish
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(signed_off_a, lead_user):
    return publish(signed_off_a, lead_user)


def token_in(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_a_kept_page_carries_the_requests_own_csrf_token(published, commissioner_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(commissioner_a)
    url = reverse("publication-version", args=[published.inspection.slug, 1])
    first = client.get(url)
    kept = client.get(url)
    assert token_in(first) != token_in(kept)  # masked afresh: not a copy of the first
    other = Client(enforce_csrf_checks=True)
    other.force_login(commissioner_a)
    other.get(url)
    # The kept page's token is this client's: it signs them out, where another's is refused.
    refused = client.post(reverse("logout"), {"csrfmiddlewaretoken": token_in(other.get(url))})
    assert refused.status_code == 403
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token_in(client.get(url))})
    assert response.status_code == 302


def test_a_message_is_shown_once_and_never_kept(client, published, commissioner_a):
    client.force_login(commissioner_a)
    url = reverse("force-detail", args=[published.inspection.force.slug])
    assert client.get(url).status_code == 200  # the page is kept
    warned = client.get(url + "?programme=no-such-programme").content.decode()
    assert "is not a programme with published figures" in warned
    assert "is not a programme with published figures" not in client.get(url).content.decode()
    again = client.get(url + "?programme=no-such-programme").content.decode()
    assert "is not a programme with published figures" in again


def test_each_reader_sees_their_own_header(client, published, commissioner_a):
    url = reverse("publication-version", args=[published.inspection.slug, 1])
    colleague = UserFactory(
        username="colin-commissioner",
        first_name="Colin",
        last_name="Colleague",
        role=Role.COMMISSIONER,
        force=commissioner_a.force,
    )
    client.force_login(commissioner_a)
    assert commissioner_a.username in client.get(url).content.decode()
    client.force_login(colleague)
    page = client.get(url).content.decode()
    assert "Colin Colleague" in page and commissioner_a.username not in page
    colleague.first_name = "Colette"
    colleague.save()
    assert "Colette Colleague" in client.get(url).content.decode()


def test_the_frame_follows_the_readers_role(client, published, lead_user, inspector_user):
    url = reverse("publication-version", args=[published.inspection.slug, 1])
    client.force_login(lead_user)
    assert "Outliers" in client.get(url).content.decode()
    client.force_login(inspector_user)
    page = client.get(url).content.decode()
    assert inspector_user.username in page and "Outliers" not in page

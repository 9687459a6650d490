"""Sessions end after 30 idle minutes and 8 hours from sign-in, and with the person's account.

Time is moved by rewriting the clocks a session keeps (its sign-in and last-seen
times), never by waiting.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inspect_app.accounts.sessions import LAST_SEEN_AT, SIGNED_IN_AT
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def case_page(case):
    return reverse("review-case", kwargs={"slug": case.inspection.slug, "pk": case.pk})


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def set_clocks(client, *, signed_in_ago, last_seen_ago):
    """Moves the session's sign-in and last visit into the past."""
    now = timezone.now()
    session = client.session
    session[SIGNED_IN_AT] = (now - signed_in_ago).timestamp()
    session[LAST_SEEN_AT] = (now - last_seen_ago).timestamp()
    session.save()


def sessions_of(user):
    return [
        row for row in Session.objects.all() if row.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]


def test_signing_in_starts_both_clocks(client, admin_user, password):
    before = timezone.now().timestamp()
    client.post(reverse("login"), {"username": admin_user.username, "password": password})
    session = client.session
    assert session[SESSION_KEY] == str(admin_user.pk)
    assert session[SIGNED_IN_AT] >= before
    assert session[LAST_SEEN_AT] == session[SIGNED_IN_AT]


def test_it_signs_out_a_session_idle_for_30_minutes(admin_user, case_a):
    client = signed_in(admin_user)
    set_clocks(client, signed_in_ago=timedelta(hours=1), last_seen_ago=timedelta(minutes=30))
    response = client.get(case_page(case_a))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={case_page(case_a)}"
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert b"Essex narrative" not in response.content + page.content
    assert (
        "You were signed out because you had not used the service for 30 minutes. "
        "Sign in again to carry on."
    ) in page.content.decode()


def test_a_session_idle_for_29_minutes_carries_on(admin_user, case_a):
    client = signed_in(admin_user)
    set_clocks(client, signed_in_ago=timedelta(hours=1), last_seen_ago=timedelta(minutes=29))
    response = client.get(case_page(case_a))
    assert response.status_code == 200
    assert b"Essex narrative: sensitive" in response.content


def test_each_visit_restarts_the_idle_clock(admin_user, case_a):
    client = signed_in(admin_user)
    set_clocks(client, signed_in_ago=timedelta(hours=1), last_seen_ago=timedelta(minutes=20))
    client.get(case_page(case_a))
    # Twenty more minutes: forty since the earlier visit, twenty since the last.
    session = client.session
    session[LAST_SEEN_AT] -= timedelta(minutes=20).total_seconds()
    session.save()
    assert client.get(case_page(case_a)).status_code == 200


def test_a_visit_within_a_minute_of_the_last_does_not_rewrite_the_session(admin_user, case_a):
    client = signed_in(admin_user)
    set_clocks(client, signed_in_ago=timedelta(hours=1), last_seen_ago=timedelta(seconds=10))
    seen = client.session[LAST_SEEN_AT]
    client.get(case_page(case_a))
    assert client.session[LAST_SEEN_AT] == seen


def test_it_signs_out_a_busy_session_8_hours_after_sign_in(admin_user, case_a):
    client = signed_in(admin_user)
    set_clocks(client, signed_in_ago=timedelta(hours=8), last_seen_ago=timedelta(seconds=5))
    response = client.get(case_page(case_a))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert "You were signed out because you signed in more than 8 hours ago." in (
        page.content.decode()
    )


def test_a_busy_session_just_under_8_hours_carries_on(admin_user, case_a):
    client = signed_in(admin_user)
    set_clocks(
        client, signed_in_ago=timedelta(hours=8) - timedelta(minutes=1), last_seen_ago=timedelta()
    )
    assert client.get(case_page(case_a)).status_code == 200


def test_a_session_without_its_clocks_is_ended(admin_user, case_a):
    client = signed_in(admin_user)
    session = client.session
    del session[SIGNED_IN_AT], session[LAST_SEEN_AT]
    session.save()
    response = client.get(case_page(case_a))
    assert response.status_code == 302 and SESSION_KEY not in client.session


@pytest.mark.parametrize(("idle", "saved"), [(timedelta(hours=1), False), (timedelta(), True)])
def test_a_form_posted_after_the_limit_goes_to_sign_in_unsaved(
    lead_user, inspection_a, idle, saved
):
    client = signed_in(lead_user)
    set_clocks(client, signed_in_ago=idle, last_seen_ago=idle)
    url = reverse("review-double-review-share", kwargs={"slug": inspection_a.slug})
    before = inspection_a.double_review_fraction
    response = client.post(url, {"percentage": "37"})
    inspection_a.refresh_from_db()
    if saved:  # the same post within the limits, to show it would have been saved
        assert inspection_a.double_review_fraction != before
        return
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert inspection_a.double_review_fraction == before


def test_the_idle_timeout_is_a_setting_of_minutes_from_the_environment():
    assert timedelta(minutes=30) == settings.SESSION_IDLE_TIMEOUT
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(INSPECT_ENV_FILE="", DEBUG="true", DJANGO_SETTINGS_MODULE="inspect_app.settings")
    code = "from django.conf import settings as s; print(s.SESSION_IDLE_TIMEOUT.total_seconds())"
    run = [sys.executable, "-c", code]
    shorter = subprocess.run(
        run, cwd=ROOT, env={**env, "SESSION_IDLE_MINUTES": "5"}, capture_output=True, text=True
    )
    assert shorter.stdout.strip() == "300.0", shorter.stderr
    bad = subprocess.run(
        run, cwd=ROOT, env={**env, "SESSION_IDLE_MINUTES": "half"}, capture_output=True, text=True
    )
    assert "SESSION_IDLE_MINUTES='half' is not a whole number" in bad.stderr


# --- deactivation ---------------------------------------------------------------------------


def test_deactivating_someone_ends_every_session_of_theirs_at_once(
    inspector_user, admin_user, case_a
):
    laptop, phone = signed_in(inspector_user), signed_in(inspector_user)
    colleague = signed_in(admin_user)
    assert len(sessions_of(inspector_user)) == 2

    inspector_user.is_active = False
    inspector_user.save()

    assert sessions_of(inspector_user) == []
    for client in (laptop, phone):
        response = client.get(case_page(case_a))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert b"Essex narrative" not in response.content
    assert colleague.get(case_page(case_a)).status_code == 200
    assert len(sessions_of(admin_user)) == 1


def test_deactivating_by_a_save_of_that_field_alone_ends_the_sessions(inspector_user):
    signed_in(inspector_user)
    inspector_user.is_active = False
    inspector_user.save(update_fields=["is_active"])
    assert sessions_of(inspector_user) == []


def test_saving_an_active_person_keeps_their_sessions(inspector_user):
    signed_in(inspector_user)
    inspector_user.first_name = "Isla"
    inspector_user.save()
    assert len(sessions_of(inspector_user)) == 1

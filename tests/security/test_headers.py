"""Every response carries the security headers, error pages included; no signed-in page is kept
by a browser or proxy."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from inspect_app.accounts.sessions import LAST_SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def case_page(case):
    return reverse("review-case", kwargs={"slug": case.inspection.slug, "pk": case.pk})


def signed_in(user, **options):
    client = Client(**options)
    client.force_login(user)
    return client


def policy_of(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_security_headers(response):
    policy = policy_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


# --- security headers -----------------------------------------------------------------------


def test_a_normal_page_carries_them(admin_user, inspection_a):
    response = signed_in(admin_user).get(reverse("inspection-list"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_the_sign_in_page_carries_them(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.parametrize("who", ["stranger", "admin_user"])
def test_a_404_carries_them(request, client, who):
    if who != "stranger":
        client.force_login(request.getfixturevalue(who))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert_security_headers(response)


def test_a_403_for_a_role_carries_them(unassigned_inspector, case_a):
    response = signed_in(unassigned_inspector).get(case_page(case_a))
    assert response.status_code == 403
    assert b"You cannot do this" in response.content
    assert_security_headers(response)


def test_a_403_for_a_forged_form_carries_them(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": admin_user.username, "password": "x"})
    assert response.status_code == 403
    assert_security_headers(response)


@pytest.mark.urls("tests.security.failing_urls")
@pytest.mark.parametrize("who", ["stranger", "admin_user"])
def test_a_500_carries_them(request, who):
    client = Client(raise_request_exception=False)
    if who != "stranger":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("test-fails"))
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert b"a fault inside a page" not in response.content
    assert_security_headers(response)


# --- what a browser may keep ----------------------------------------------------------------


def test_the_case_page_is_not_stored(admin_user, case_a):
    response = signed_in(admin_user).get(case_page(case_a))
    assert response.status_code == 200 and b"Essex narrative: sensitive" in response.content
    assert no_store(response), response.get("Cache-Control")


def test_the_workspace_is_not_stored(admin_user, case_a):
    url = reverse("inspection-workspace", kwargs={"slug": case_a.inspection.slug})
    response = signed_in(admin_user).get(url)
    assert response.status_code == 200 and b"ESX-1" in response.content
    assert no_store(response), response.get("Cache-Control")


def test_the_batches_page_is_not_stored(admin_user, inspection_a):
    response = signed_in(admin_user).get(
        reverse("batch-upload", kwargs={"slug": inspection_a.slug})
    )
    assert response.status_code == 200
    assert no_store(response), response.get("Cache-Control")


@pytest.mark.urls("tests.security.failing_urls")
@pytest.mark.parametrize("who", ["stranger", "admin_user"])
def test_error_pages_and_redirects_are_not_stored(request, who):
    client = Client(raise_request_exception=False)
    if who != "stranger":
        client.force_login(request.getfixturevalue(who))
    assert no_store(client.get("/no-such-page/"))
    assert no_store(client.get(reverse("test-fails")))
    assert no_store(client.get("/inspections"))  # the missing slash's redirect


def test_a_redirect_made_before_any_page_carries_them(client):
    # The missing slash is answered by the middleware, before any view is found.
    response = client.get("/inspections")
    assert response.status_code == 301
    assert_security_headers(response)


def test_the_redirect_that_ends_a_session_carries_them(admin_user, case_a):
    client = signed_in(admin_user)
    session = client.session
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = 0.0
    session.save()
    response = client.get(case_page(case_a))
    assert response.status_code == 302
    assert_security_headers(response)


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_a_static_file_carries_them_and_may_be_kept(admin_user):
    # Served by WhiteNoise from the source folders, as `runserver` does, for the test alone.
    response = signed_in(admin_user).get("/static/css/app.css")
    assert response.status_code == 200
    assert_security_headers(response)
    assert not no_store(response)

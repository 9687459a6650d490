"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Chromium comes from the system (``/usr/bin/chromium``, or CHROMIUM_PATH);
Playwright never downloads a browser. Without Chromium these tests are
skipped, except under CI=true, where that is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ON_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected as a deployment collects them: hashed names, gzip copies.

    Only the browser tests pay for collectstatic; the rest render plain names.
    """
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=str(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture(scope="session")
def live_server(request, collected_static):
    """pytest-django's live server, with /static/ served by WhiteNoise as in production.

    pytest-django puts Django's development file handler in front, which knows
    neither hashed names nor compression nor cache headers; here the requests
    reach the app, whose WhiteNoise middleware serves the collected files.
    """
    from pytest_django.live_server_helper import LiveServer

    address = request.config.getvalue("liveserver") or "localhost"
    server = LiveServer(address, start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if ON_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must run the browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while the
    # browser is open; the ORM calls the tests (and the database fixtures) make
    # meanwhile are ordinary synchronous ones. Unset again when the browser closes.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot under test-artifacts/, named after the test."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(label):
        path = ARTIFACTS / f"{request.node.name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def enter_code(page, user):
    """On the page asking for a code, type the one ``user``'s authenticator app shows now
    (computed from the device's secret, as the app computes it) and carry on."""
    from playwright.sync_api import expect

    from tests.authenticator import fresh_code_for

    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(fresh_code_for(user))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def give_authenticator(user):
    """``user`` has an authenticator, as an administrator's ``create_user --totp`` leaves
    them; returns it. Its secret is what the test's "app" computes codes from."""
    from tests.authenticator import authenticator_of

    return authenticator_of(user)


@pytest.fixture
def sign_in(page, live_server, password):
    """Sign in through the real forms as ``user``: the password, then a code from their
    authenticator app."""

    def as_user(user):
        give_authenticator(user)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        enter_code(page, user)
        return page

    return as_user

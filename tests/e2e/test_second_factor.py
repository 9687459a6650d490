"""The second factor in the browser: a new person sets up their authenticator app from the
secret the page shows, keeps their recovery codes, and signs in again with a code."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.authenticator import fresh_code
from tests.e2e.conftest import enter_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def secret_shown(page):
    """The key as the page shows it, in groups, read as a person typing it into an app."""
    return page.locator("#secret-key").inner_text().replace(" ", "")


def test_a_new_person_sets_up_an_authenticator_then_signs_in_with_it(
    page, live_server, password, screenshot, inspection_a
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    person = UserFactory(username="nell-lead", role="lead_inspector")
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    # Nothing else is offered until the code is passed.
    assert page.locator(".service-nav__link").count() == 0
    screenshot("enrol-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("enrol-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The "app" is given only what the page shows: the key, typed in.
    device = TOTPDevice.objects.get(user=person)
    key = secret_shown(page)
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    page.get_by_text("Show the setup link").click()
    assert f"secret={key}" in page.locator(".setup-uri").inner_text()
    assert page.locator(".qr-code svg").count() == 1

    page.get_by_label("Code").fill("000000" if fresh_code(device) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".error-summary a")).to_have_attribute("href", "#id_code")
    screenshot("enrol-wrong-code")
    # A wrong code holds the device back for a second before the next is checked.
    time.sleep(1.1)

    page.get_by_label("Code").fill(fresh_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_text("Keep these codes safe.")).to_be_visible()
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    screenshot("recovery-codes-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("recovery-codes-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Continue to the service").click()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()

    # Signed out and in again: the password, then the app's next code.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    screenshot("verify-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("verify-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    enter_code(page, person)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()

    # And once more with a recovery code instead of the phone; it works only that once.
    for attempt in ("first", "again"):
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Username").fill(person.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code").fill(codes[0])
        page.get_by_role("button", name="Continue").click()
        if attempt == "first":
            expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    screenshot("verify-used-code")

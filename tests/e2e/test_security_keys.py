"""Security keys in the browser: a new person sets up a key instead of an app, makes their
recovery codes, and signs in again with the key; without it, a recovery code still works.

The key is Chromium's virtual authenticator (the DevTools WebAuthn domain): a real
CTAP2 authenticator in software, which signs the server's challenges with a key of its
own, so the server checks real signatures, as with a key plugged in.
"""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def plug_in_a_key(page):
    """A security key on ``page``'s browser that answers every request (touch simulated)."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable", {"enableUI": False})
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return devtools, added["authenticatorId"]


def sign_in_with_password(page, live_server, person, password):
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def press_key_button(page, name):
    """Press the library's key button once its script has finished loading the page: the
    button is drawn from a template a moment before its handler is attached, and a press in
    between would be lost. A ceremony takes two round trips and a page load; it gets time."""
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name=name).click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_new_person_sets_up_a_key_then_signs_in_with_it(
    page, live_server, password, screenshot, inspection_a
):
    from django_otp_webauthn.models import WebAuthnCredential

    from inspect_app.accounts.models import AuditAction, AuditEvent

    person = UserFactory(username="kit-lead", role="lead_inspector")
    devtools, key = plug_in_a_key(page)
    sign_in_with_password(page, live_server, person, password)
    expect(page.get_by_role("heading", name="Or use a security key or passkey")).to_be_visible()

    press_key_button(page, "Set up a security key")
    expect(page.get_by_role("heading", name="Make your recovery codes")).to_be_visible(
        timeout=20_000
    )
    stored = WebAuthnCredential.objects.get(user=person)
    held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert len(held) == 1 and held[0]["rpId"] == "localhost"
    screenshot("make-codes-1280")

    page.get_by_role("button", name="Make my recovery codes").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_text("Your recovery codes are made")).to_be_visible()
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue to the service").click()
    expect(page.locator(".service-nav__link").first).to_be_visible()

    sign_out(page)
    sign_in_with_password(page, live_server, person, password)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    screenshot("verify-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("verify-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    press_key_button(page, "Use my security key")
    expect(page.locator(".service-nav__link").first).to_be_visible()
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    # The key's own counter moved: it signed this sign-in's challenge.
    held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert held[0]["signCount"] >= 1

    page.get_by_role("link", name="Your sign-in").click()
    expect(page.get_by_role("heading", name="Your sign-in")).to_be_visible()
    expect(page.get_by_text("10 unused recovery codes left.")).to_be_visible()
    expect(page.locator("table").get_by_text("Not yet")).to_have_count(0)
    screenshot("sign-in-security-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("sign-in-security-375")

    enrolled = AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_ENROLLED, actor=person
    ).values_list("details__device", flat=True)
    assert sorted(enrolled) == ["recovery codes", "security key"]


def test_without_the_key_a_recovery_code_signs_in_once(page, live_server, password):
    from inspect_app.accounts import second_factor
    from tests.accounts.test_security_keys import key_of

    person = UserFactory(username="lou-lead", role="lead_inspector")
    key_of(person)
    codes = second_factor.new_recovery_codes(person)
    # No key plugged in: the browser has no authenticator to ask.
    sign_in_with_password(page, live_server, person, password)
    expect(page.get_by_role("heading", name="Or enter a recovery code")).to_be_visible()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".service-nav__link").first).to_be_visible()

    sign_out(page)
    sign_in_with_password(page, live_server, person, password)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#code-error")).to_contain_text("has already been used")

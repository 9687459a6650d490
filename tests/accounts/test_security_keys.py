"""Security keys and passkeys as a second factor: where the ceremonies may run, who may
start one, and what a person can do with their own keys and recovery codes.

The ceremonies themselves (a real key's signature checked) run in the browser test
tests/e2e/test_security_keys.py, against Chromium's virtual authenticator.
"""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from inspect_app.accounts import second_factor, security_keys
from inspect_app.accounts.models import AuditAction, AuditEvent
from tests.authenticator import authenticator_of

pytestmark = pytest.mark.django_db

BEGIN_REGISTRATION = reverse("otp_webauthn:credential-registration-begin")
BEGIN_CHECK = reverse("otp_webauthn:credential-authentication-begin")
MANAGE = reverse("sign-in-security")
RECOVERY = reverse("second-factor-recovery-codes")


def key_of(user, name="YubiKey 5"):
    """A registered key, written directly (its signature is the browser test's part)."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=f"{user.pk}-{name}".encode(),
        public_key=b"not checked here",
    )


def password_only(client, user, password):
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "host, relying_party, usable",
    [
        ("localhost:8000", "localhost", True),
        ("inspections.example.org", "inspections.example.org", True),
        ("127.0.0.1:8000", "127.0.0.1", False),
        ("[::1]:8000", "::1", False),
    ],
)
def test_a_key_is_bound_to_the_host_name_opened(host, relying_party, usable):
    with override_settings(ALLOWED_HOSTS=["*"]):
        request = RequestFactory().get("/", HTTP_HOST=host)
        assert security_keys.relying_party_id(request) == relying_party
        assert security_keys.works_on(request) is usable


def test_keys_answer_from_this_sites_own_address_unless_origins_are_listed():
    request = RequestFactory().get("/", HTTP_HOST="localhost:8000")
    assert security_keys.SecurityKeyHelper(request).get_allowed_origins() == [
        "http://localhost:8000"
    ]
    with override_settings(WEBAUTHN_ORIGINS=["https://inspections.example.org"]):
        assert security_keys.SecurityKeyHelper(request).get_allowed_origins() == [
            "https://inspections.example.org"
        ]


def test_someone_with_no_factor_may_begin_registering_a_key(client, admin_user, password):
    password_only(client, admin_user, password)
    response = client.post(BEGIN_REGISTRATION, HTTP_HOST="localhost")
    assert response.status_code == 200, response.content
    options = response.json()
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == admin_user.username
    assert "challenge" in options


def test_a_key_cannot_be_added_past_a_factor_not_yet_passed(client, admin_user, password):
    """Otherwise a stolen password would be enough to add the thief's own key."""
    authenticator_of(admin_user)
    password_only(client, admin_user, password)
    response = client.post(BEGIN_REGISTRATION, HTTP_HOST="localhost")
    assert response.status_code == 403
    assert "verify your identity" in response.json()["detail"]
    assert not WebAuthnCredential.objects.filter(user=admin_user).exists()


def test_a_key_is_checked_only_for_someone_signed_in(client):
    """A key never stands in for the password here."""
    response = client.post(BEGIN_CHECK, HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_refused_key_is_a_failed_sign_in_in_the_log(client, admin_user, password):
    key_of(admin_user)
    password_only(client, admin_user, password)
    begun = client.post(BEGIN_CHECK, HTTP_HOST="localhost")
    assert begun.status_code == 200
    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"),
        data={"id": "forged", "rawId": "forged", "type": "public-key", "response": {}},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code >= 400
    failed = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED, actor=admin_user)
    assert failed.get().details["device"] == "security key"
    # Still not through: a data page sends them back to the second factor.
    page = client.get(reverse("home"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("second-factor"))


def test_the_code_page_offers_the_key_to_someone_who_has_one(client, admin_user, password):
    key_of(admin_user)
    password_only(client, admin_user, password)
    page = client.get(reverse("second-factor"), HTTP_HOST="localhost")
    assert page.status_code == 200
    assert b'id="passkey-verification-button"' in page.content
    assert b"Or enter a recovery code" in page.content
    on_a_number = client.get(reverse("second-factor"), HTTP_HOST="127.0.0.1")
    assert b'id="passkey-verification-button"' not in on_a_number.content
    assert b"not by a number" in on_a_number.content


def test_the_enrol_page_offers_a_key_beside_the_app(client, admin_user, password):
    password_only(client, admin_user, password)
    page = client.get(reverse("second-factor-enrol"), {"next": "/inspections/"})
    assert b'id="passkey-register-button"' in page.content
    # Once registered, on to recovery codes and then to the page first asked for.
    assert f'data-after-register="{RECOVERY}?next=%2Finspections%2F"'.encode() in page.content


def test_recovery_codes_are_made_once_asked_and_replace_the_old(client, admin_user):
    client.force_login(admin_user)
    old = second_factor.new_recovery_codes(admin_user)
    page = client.get(RECOVERY)
    assert b"You have 10 unused recovery codes" in page.content
    made = client.post(RECOVERY, {"next": MANAGE})
    assert made.status_code == 200
    codes = made.context["codes"]
    assert len(codes) == 10 and not set(codes) & set(old)
    stored = StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True)
    assert set(stored) == set(codes)
    assert b"the old ones no longer work" in made.content
    event = AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_ENROLLED).latest("pk")
    assert event.details["device"] == "recovery codes"


def test_someone_sees_and_removes_their_own_keys(client, admin_user):
    client.force_login(admin_user)
    authenticator_of(admin_user)
    kept, removed = key_of(admin_user, "Desk key"), key_of(admin_user, "Spare key")
    page = client.get(MANAGE, HTTP_HOST="localhost")
    assert b"Desk key" in page.content and b"Spare key" in page.content
    assert b"Add a security key" in page.content
    response = client.post(reverse("security-key-remove", args=[removed.pk]))
    assert response.status_code == 302
    assert list(WebAuthnCredential.objects.filter(user=admin_user)) == [kept]
    event = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_RESET)
    assert event.actor == admin_user and event.details["name"] == "Spare key"


def test_the_last_way_to_sign_in_is_not_removed(client, admin_user):
    only = key_of(admin_user)
    second_factor.new_recovery_codes(admin_user)  # codes alone are no day-to-day factor
    client.force_login(admin_user)
    # Signed in with the key itself: the authenticator force_login gives is not theirs.
    TOTPDevice.objects.filter(user=admin_user).delete()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = only.persistent_id
    session.save()
    response = client.post(reverse("security-key-remove", args=[only.pk]), follow=True)
    assert WebAuthnCredential.objects.filter(pk=only.pk).exists()
    assert b"the only way you have to sign in" in response.content
    assert not AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_RESET).exists()


def test_nobody_removes_another_persons_key(client, admin_user, lead_user):
    theirs = key_of(lead_user)
    key_of(lead_user, "second")
    client.force_login(admin_user)
    assert client.post(reverse("security-key-remove", args=[theirs.pk])).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


def test_an_admins_reset_removes_keys_too(admin_user, lead_user):
    key_of(lead_user)
    authenticator_of(lead_user)
    assert second_factor.reset(lead_user, by=admin_user) == 2
    assert not second_factor.has_confirmed_factor(lead_user)

"""The second factor: no page with data opens before it is passed; codes are checked as an
authenticator app makes them, each good once; an admin's reset forces a new enrolment.

Sessions here start at the sign-in form (the password only): ``force_login`` would pass
the second factor too (tests/conftest.py).
"""

import re
import time
from base64 import b32decode
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspect_app.accounts import second_factor
from inspect_app.accounts.models import AuditAction, AuditEvent, User
from tests.authenticator import authenticator_of, code_now, fresh_code
from tests.management import run_command
from tests.security.test_access_matrix import EXPECTED, PARAMETERS, sides  # noqa: F401

pytestmark = pytest.mark.django_db

VERIFY = reverse("second-factor")
ENROL = reverse("second-factor-enrol")


def password_only(client, user, password):
    """Sign in through the form, which asks only the password; the code comes next."""
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content


def enrolled(client, user, password):
    """``user`` set up (an authenticator and recovery codes), signed in with the password."""
    device = authenticator_of(user)
    codes = second_factor.new_recovery_codes(user)
    password_only(client, user, password)
    return device, codes


def data_pages(parameters_of):
    """Every project URL but those an unverified person may open, with its method."""
    for name, (method, parameters, _) in EXPECTED.items():
        if name in second_factor.EXEMPT_URL_NAMES:
            continue
        # The security-key ceremonies are how an unverified person passes or sets up a
        # key: tests/accounts/test_security_keys.py covers what they let through.
        if name.split(":")[0] in second_factor.EXEMPT_NAMESPACES and ":" in name:
            continue
        yield name, method, reverse(name, kwargs=PARAMETERS[parameters](parameters_of))


@pytest.mark.parametrize("has_device", [False, True], ids=["to enrol", "to verify"])
def test_every_data_page_sends_an_unverified_person_on(
    client,
    admin_user,
    password,
    sides,  # noqa: F811 (the access table's fixture, imported above)
    has_device,
):
    if has_device:
        authenticator_of(admin_user)
    password_only(client, admin_user, password)
    goal = VERIFY if has_device else ENROL
    wrong = []
    for name, method, url in data_pages(sides["A"]):
        response = client.get(url) if method == "GET" else client.post(url, {})
        # A program polls these, and a .json download is read by one: each gets an
        # answer it can read, not a form (``second_factor.wants_json``).
        polled = ("batch-status", "inspection-extract-import-status", "publication-pdf-state")
        if name in polled or url.endswith(".json"):
            if response.status_code != 403 or response["Content-Type"] != "application/json":
                wrong.append(f"{url}: {response.status_code}")
        elif response.status_code != 302 or not response["Location"].startswith(goal):
            wrong.append(f"{method} {url}: {response.status_code} {response.get('Location')}")
    for model in admin_site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(goal):
            wrong.append(f"GET {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_page_asked_for_is_opened_once_the_code_is_passed(
    client, admin_user, password, inspection_a
):
    device, _ = enrolled(client, admin_user, password)
    response = client.get(inspection_a.get_absolute_url())
    location = urlparse(response["Location"])
    assert location.path == VERIFY
    assert parse_qs(location.query) == {"next": [inspection_a.get_absolute_url()]}
    response = client.post(
        response["Location"], {"code": fresh_code(device), "next": inspection_a.get_absolute_url()}
    )
    assert response.status_code == 302 and response["Location"] == inspection_a.get_absolute_url()
    assert client.get(inspection_a.get_absolute_url()).status_code == 200


def test_signing_in_and_out_stay_open(client, admin_user, password):
    password_only(client, admin_user, password)
    assert client.get(reverse("health")).status_code == 200
    assert client.get(ENROL).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_wrong_code_is_refused_with_a_message(client, lead_user, password):
    device, _ = enrolled(client, lead_user, password)
    wrong = "000000" if code_now(device) != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and 'href="#id_code"' in body
    assert "That code is not right" in body and "<title>Error: " in body
    assert not response.wsgi_request.user.is_verified()
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
    failed = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).get()
    assert failed.actor_username == lead_user.username
    assert failed.details == {"stage": "second factor"}


def test_an_empty_code_is_asked_for(client, lead_user, password):
    enrolled(client, lead_user, password)
    response = client.post(VERIFY, {"code": "  "})
    assert response.status_code == 400 and b"Enter the 6-digit code" in response.content


def test_a_code_cannot_be_used_twice(client, lead_user, password):
    device, _ = enrolled(client, lead_user, password)
    code = fresh_code(device)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    password_only(client, lead_user, password)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400 and b"already been used" in response.content
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


def test_a_recovery_code_works_once(client, lead_user, password):
    _, codes = enrolled(client, lead_user, password)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.post(VERIFY, {"code": codes[3].upper()}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    password_only(client, lead_user, password)
    assert client.post(VERIFY, {"code": codes[3]}).status_code == 400
    # A wrong code holds the codes back a second; one sent meanwhile is not even checked.
    held = client.post(VERIFY, {"code": codes[4]})
    assert held.status_code == 400 and b"wait a few seconds" in held.content
    time.sleep(1.1)
    assert client.post(VERIFY, {"code": codes[4]}).status_code == 302
    assert StaticDevice.objects.get(user=lead_user).token_set.count() == 8


def test_enrolment_confirms_the_app_and_shows_the_recovery_codes_once(client, lead_user, password):
    password_only(client, lead_user, password)
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=lead_user)
    assert not device.confirmed
    secret = re.search(r'id="secret-key"><code>([A-Z2-7 ]+)</code>', page).group(1)
    assert b32decode(secret.replace(" ", "")) == device.bin_key
    assert "otpauth://totp/" in page and "<svg" in page
    # A reload shows the same secret: the one already scanned is the one checked.
    assert secret in client.get(ENROL).content.decode()
    assert TOTPDevice.objects.filter(user=lead_user).count() == 1

    response = client.post(ENROL, {"code": fresh_code(device)})
    assert response.status_code == 200
    body = response.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", body)
    assert len(codes) == 10 and "Keep these codes safe" in body
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    # Not shown again: the set-up page now sends on to the service.
    assert client.get(ENROL).status_code == 302
    entry = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_ENROLLED)
    assert entry.actor_username == lead_user.username


def test_enrolment_refuses_a_wrong_code(client, lead_user, password):
    password_only(client, lead_user, password)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=lead_user)
    wrong = "000000" if code_now(device) != "000000" else "111111"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400 and b"There is a problem" in response.content
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.filter(user=lead_user).exists()


def test_an_admin_reset_forces_enrolment_again_and_is_audited(
    client, admin_user, lead_user, password
):
    lead_client = type(client)()
    device, _ = enrolled(lead_client, lead_user, password)
    assert lead_client.post(VERIFY, {"code": fresh_code(device)}).status_code == 302
    assert lead_client.get(reverse("home")).status_code == 200

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [lead_user.pk]},
        follow=True,
    )
    assert b"Second factor reset for" in response.content
    assert not TOTPDevice.objects.filter(user=lead_user).exists()
    assert not StaticDevice.objects.filter(user=lead_user).exists()
    entry = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_RESET)
    assert entry.actor_username == admin_user.username
    assert entry.target == f"user {lead_user.username}" and entry.details == {"devices": 2}
    # The session verified with the removed device no longer counts.
    assert lead_client.get(reverse("home"))["Location"].startswith(ENROL)


def test_only_admins_may_reset(client, lead_user):
    client.force_login(lead_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [lead_user.pk]},
    )
    assert response.status_code == 302 and "login" in response["Location"]


def test_create_user_totp_prints_an_otpauth_uri_whose_secret_verifies(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "a-long-enough-passphrase")
    status, out, _ = run_command("create_user", "tess", "--role", "inspector", "--totp")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "created inspector tess" and len(lines) == 2
    uri = urlparse(lines[1])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/Crime-recording%20inspections%3Atess"
    query = parse_qs(uri.query)
    secret = b32decode(query["secret"][0])
    assert query["digits"] == ["6"] and query["period"] == ["30"]
    # The owner's app, given only the URI, makes codes the device accepts.
    app = TOTP(secret, step=30, digits=6)
    device = TOTPDevice.objects.get(user__username="tess")
    assert device.confirmed and device.verify_token(f"{app.token():06d}")
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_ENROLLED, target="user tess"
    ).exists()

    # Again: a new authenticator replaces the old one.
    status, out, _ = run_command("create_user", "tess", "--role", "inspector", "--totp")
    assert status == 0 and out.splitlines()[1] != lines[1]
    assert TOTPDevice.objects.filter(user__username="tess").count() == 1


def test_create_user_without_totp_prints_one_line(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "a-long-enough-passphrase")
    status, out, _ = run_command("create_user", "tess", "--role", "inspector")
    assert status == 0 and out.splitlines() == ["created inspector tess"]
    assert not TOTPDevice.objects.filter(user=User.objects.get(username="tess")).exists()

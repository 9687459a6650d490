"""The second factor every account signs in with: an authenticator app, or a recovery code.

django-otp keeps the devices: a TOTP device (the authenticator app's shared secret) and
a static device holding ten recovery codes, each good once. A session is verified
when django-otp's ``login`` has stored the device that passed in it; until then the
middleware below lets the person reach nothing but signing in and out and these pages.

Every change to someone's factor goes through here, so the page, the admin and the
command line leave the same audit entries.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction

#: How many recovery codes an enrolment hands out.
RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"

#: Pages an unverified person may still open: to sign in or out, to pass or set up a
#: second factor, and the two addresses machines ask for. Everything else holds data.
EXEMPT_URL_NAMES = frozenset(
    {"login", "logout", "health", "favicon", "second-factor", "second-factor-enrol"}
)
#: The security-key ceremonies: they are how an unverified person passes or sets up a
#: key. The library refuses to register a key for someone who has a factor and has not
#: passed it, and checks a key only for the person signed in.
EXEMPT_NAMESPACES = frozenset({"otp_webauthn"})


# --- devices -------------------------------------------------------------------------------


def has_confirmed_factor(user):
    """Whether ``user`` has an authenticator (or recovery codes) that can verify them."""
    return user_has_device(user, confirmed=True)


def pending_authenticator(user):
    """The authenticator being set up for ``user``: kept across reloads of the enrol page,
    so the secret someone has just scanned stays the one that is checked."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def secret_of(device):
    """The device's secret in base32, as an authenticator app asks for it typed in."""
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def grouped(secret, size=4):
    """``secret`` in groups of ``size`` characters, so it can be read out and typed."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def qr_svg(uri):
    """An SVG QR code of ``uri`` for the page (segno draws it; no image library needed)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#0b0c0c")


@transaction.atomic
def confirm_authenticator(user, device, code, request=None):
    """Confirm the pending ``device`` with a current ``code``; returns the new recovery
    codes (to be shown once), or None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(_digits(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator at a time: any other left half set up is dropped.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = new_recovery_codes(user)
    if request is not None:
        otp_login(request, device)
    record_enrolment(user, AUTHENTICATOR, request=request)
    return codes


def record_enrolment(user, device, request=None):
    """The audit entry of ``user`` setting up a second factor (``device`` says which)."""
    audit.record(
        AuditAction.SECOND_FACTOR_ENROLLED,
        actor=user,
        request=request,
        subject=user,
        target=f"user {user.get_username()}",
        device=device,
    )


def new_recovery_codes(user):
    """Replace ``user``'s recovery codes with ten new ones and return them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user):
    """How many of ``user``'s recovery codes are still unused."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def has_authenticator(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def renew_recovery_codes(user, request=None):
    """Ten new recovery codes for ``user`` in place of any left (asked for on their own
    sign-in page, or after setting up a security key); returns them, to be shown once."""
    codes = new_recovery_codes(user)
    record_enrolment(user, RECOVERY, request=request)
    return codes


@transaction.atomic
def enrol_from_command_line(user):
    """Give ``user`` a new, confirmed authenticator in place of any they had; returns it.

    For an administrator to hand its ``otpauth://`` URI to its owner: no code can be
    entered on the command line, so it is confirmed as made.
    """
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=True)
    audit.record_change(
        AuditAction.SECOND_FACTOR_ENROLLED,
        by=None,
        target=f"user {user.get_username()}",
        device="authenticator",
    )
    return device


def verify(request, code):
    """Check ``code`` (from the app, or a recovery code) for ``request.user``; on success
    the session is verified and True returned. A failure is audited."""
    user = request.user
    digits = _digits(code)
    # Six digits are the app's; a recovery code has letters (base32), so never six digits:
    # each code is tried on one kind of device, and a mistyped one throttles only that.
    if digits.isdigit() and len(digits) == 6:
        kind, token = TOTPDevice, digits
    else:
        kind, token = StaticDevice, digits.lower()
    for device in kind.objects.devices_for_user(user, confirmed=True):
        # Each device is locked while it checks, so two requests cannot both spend the
        # same recovery code or the same time step of the app.
        with transaction.atomic():
            locked = kind.objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                otp_login(request, locked)
                return True
    audit.record(
        AuditAction.SIGN_IN_FAILED,
        actor=user,
        request=request,
        stage="second factor",
    )
    return False


def held_back(user):
    """Whether a wrong code has just been entered for ``user``, so that django-otp makes
    them wait (a second, doubling with each wrong code) before another is checked."""
    for device in devices_for_user(user, confirmed=None):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return True
    return False


def _digits(code):
    """``code`` without the spaces people type into a six-digit code."""
    return "".join(str(code).split())


@transaction.atomic
def reset(user, *, by, request=None):
    """Delete every device of ``user`` (a lost phone, used-up codes): their next request
    is sent to enrol again. Returns how many devices went."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    audit.record_change(
        AuditAction.SECOND_FACTOR_RESET,
        by=by,
        request=request,
        target=f"user {user.get_username()}",
        devices=removed,
    )
    return removed


# --- the gate -------------------------------------------------------------------------------


def wants_json(request):
    """Whether the request is a program's (the batch page polling its status), which
    follows no redirect to a form."""
    return request.path.endswith(".json") or (
        "application/json" in request.headers.get("Accept", "")
        and "text/html" not in request.headers.get("Accept", "")
    )


class SecondFactorRequiredMiddleware:
    """Sends a signed-in person who has not passed a second factor in this session to
    verify (when they have a device) or to enrol (when not), before any page with data.

    After django-otp's OTPMiddleware, which sets ``request.user.is_verified()``, and after
    the session limits, so an expired session is ended rather than asked for a code.
    A program's request gets a 403 instead: it cannot follow the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in EXEMPT_URL_NAMES and not match.namespace:
            return None
        if match is not None and match.namespace in EXEMPT_NAMESPACES:
            return None
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        if wants_json(request):
            return JsonResponse({"error": "second factor required"}, status=403)
        name = "second-factor" if has_confirmed_factor(user) else "second-factor-enrol"
        # A form posted before the check is not replayed; a page is returned to.
        target = request.get_full_path() if request.method == "GET" else ""
        url = reverse(name)
        if target and target != reverse(settings.LOGIN_REDIRECT_URL):
            url += "?" + urlencode({"next": target})
        return redirect(url)


def safe_next(request, default=None):
    """Where to go once the second factor is passed: ``next`` if it is this site's."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)

"""An authenticator app for tests and benchmarks: the code a phone would show now.

The code is computed from the device's secret exactly as an app computes it (RFC 6238,
through django-otp's own ``TOTP``), with no clock drift. A code is good once: when the
current time step has been used already (the same person signing in twice within one
step), this waits for the next step as a person would, rather than going round the
server's check.
"""

import time
from base64 import b32decode
from urllib.parse import parse_qs, urlparse

from django_otp.oath import TOTP


def authenticator_of(user):
    """``user``'s confirmed authenticator, set up as ``create_user --totp`` would if they
    have none yet (written directly: a fixture's set-up is not an audited event)."""
    # Here, not above: a benchmark imports this module before it sets Django up.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def app(device):
    """What the app holds: the secret, step, start and length; no drift (a phone's clock)."""
    return TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)


def code_now(device, at=None):
    """The code the app shows at ``at`` (now by default)."""
    totp = app(device)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def fresh_code(device):
    """A code the server has not yet accepted from ``device``: now's, or the next step's
    once it begins (waiting for it, at most one step)."""
    device.refresh_from_db()
    totp = app(device)
    while True:
        now = time.time()
        totp.time = now
        if totp.t() > device.last_t:
            return f"{totp.token():0{device.digits}d}"
        # Into the next step by a little, so the server's clock is there too.
        time.sleep(device.step - (now - device.t0) % device.step + 0.05)


def fresh_code_for(user):
    """A fresh code from ``user``'s authenticator (set one up if they have none)."""
    return fresh_code(authenticator_of(user))


def code_from_uri(uri, at=None):
    """The code an app given only ``uri`` (an ``otpauth://totp/...`` URI, as ``create_user
    --totp`` and ``load_demo`` print it) shows at ``at`` (now by default)."""
    query = parse_qs(urlparse(uri).query)
    digits = int(query.get("digits", ["6"])[0])
    totp = TOTP(
        b32decode(query["secret"][0]), step=int(query.get("period", ["30"])[0]), digits=digits
    )
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{digits}d}"

"""Security keys and passkeys as a second factor (WebAuthn), beside the authenticator app.

django-otp-webauthn keeps the credentials as django-otp devices and runs the two WebAuthn
ceremonies: registering a key, and checking one when someone who has signed in with their
password is asked for their second factor. It is used as a second factor only: a key never
replaces the password here (passwordless sign-in is off), so sign-in throttling keeps
guarding every way in.

What this module adds to the library: where the ceremonies may run (the relying party is
the host the person opened, once ``ALLOWED_HOSTS`` has admitted it), the audit entries for
a key set up, a key used wrongly and a key removed, and the lists the pages show.
"""

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from inspect_app.accounts import audit, second_factor
from inspect_app.accounts.models import AuditAction

SECURITY_KEY = "security key"


class LastFactorError(Exception):
    """Removing this key would leave its owner with no second factor at all."""


def relying_party_id(request):
    """The relying party a key is bound to: the host name the person opened (its port
    aside). Django has already refused any host ``ALLOWED_HOSTS`` does not list."""
    return request.get_host().rsplit(":", 1)[0].strip("[]") if request else ""


def works_on(request):
    """Whether a browser will run a ceremony for this address: a relying party must be a
    name, so a page opened at an IP address (``http://127.0.0.1:8000``) cannot use keys."""
    host = relying_party_id(request)
    return bool(host) and not host.replace(".", "").isdigit() and ":" not in host


class SecurityKeyHelper(WebAuthnHelper):
    """The library's ceremonies, with the origins a key may answer from: those listed in
    ``WEBAUTHN_ORIGINS`` when it is set, else this site's own address as the request
    reached it (its host already checked against ``ALLOWED_HOSTS``)."""

    def get_allowed_origins(self):
        configured = list(getattr(settings, "WEBAUTHN_ORIGINS", []) or [])
        if configured:
            return configured
        return [f"{self.request.scheme}://{self.request.get_host()}"]


def keys_of(user):
    """``user``'s registered keys, the most recently used first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
        "-last_used_at", "-created_at"
    )


def has_key(user):
    return keys_of(user).exists()


@transaction.atomic
def remove(user, key_id, *, request=None):
    """Remove one of ``user``'s own keys, refusing the last second factor they have: they
    would otherwise be sent to set one up again at their next sign-in."""
    key = WebAuthnCredential.objects.select_for_update().get(pk=key_id, user=user)
    others = [
        device
        for device in devices_for_user(user, confirmed=True)
        if device.persistent_id != key.persistent_id
    ]
    # Recovery codes alone are no way to sign in day to day.
    if not any(not isinstance(device, StaticDevice) for device in others):
        raise LastFactorError
    name = key.name
    key.delete()
    audit.record_change(
        AuditAction.SECOND_FACTOR_RESET,
        by=user,
        request=request,
        target=f"user {user.get_username()}",
        device=SECURITY_KEY,
        name=name,
    )
    return name


class CompleteRegistration(CompleteCredentialRegistrationView):
    """The library's registration, audited: a new key is a second factor set up."""

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        second_factor.record_enrolment(self.request.user, SECURITY_KEY, request=self.request)
        return response


class CompleteAuthentication(CompleteCredentialAuthenticationView):
    """The library's check of a key, with a refused key audited as a failed sign-in, as a
    wrong code is."""

    def handle_exception(self, exc):
        user = self.request.user if self.request.user.is_authenticated else None
        audit.record(
            AuditAction.SIGN_IN_FAILED,
            actor=user,
            request=self.request,
            stage="second factor",
            device=SECURITY_KEY,
        )
        return super().handle_exception(exc)

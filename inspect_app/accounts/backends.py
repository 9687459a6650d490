"""Signing in with a username and password, and finding the person again on each request.

A signed-in request needs two things of the database before any page: who the person is
(with their force, which every page's header names) and the second-factor device their
session passed. ``OTPMiddleware`` reads both in one query, the device with its person, and
hands that person to the backend for the request it is reading; Django's checks then run
on them as on any person read afresh (active, and the session's hash of their password).
Nothing is kept between requests: a person deactivated, signed out everywhere or whose
second factor is reset is refused on their next request.
"""

import contextvars

from django.apps import apps
from django.contrib.auth import SESSION_KEY, backends
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from inspect_app.core import written

#: The device read with its person for the request being read now (not across requests).
_read_with_person = contextvars.ContextVar("device_read_with_person", default=None)


class ModelBackend(backends.ModelBackend):
    """Django's own backend, reading the person's force in the same query: every page's
    header names it, so it would otherwise cost a query of its own on every request.
    Every check is Django's: an inactive person is still refused."""

    def get_user(self, user_id):
        model = backends.UserModel
        device = _read_with_person.get()
        user = device.user if device is not None else None
        if user is None or str(user.pk) != str(user_id):
            user = model._default_manager.select_related("force").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``), reading the session's device
    and the person it belongs to in one query instead of one each.

    Every check is django-otp's: a device that is gone, unconfirmed or someone else's
    verifies nobody. When the device cannot be read with its person (none in the session, a
    kind of device without a person), both are read as django-otp and Django read them.
    """

    def _verify_user_sync(self, request, user):
        device = _device_with_person(request)
        token = _read_with_person.set(device)
        try:
            # Reading the person (the lazy ``user``) happens inside: the backend finds
            # them on the device.
            return super()._verify_user_sync(request, user)
        finally:
            _read_with_person.reset(token)

    def _device_from_persistent_id(self, persistent_id):
        device = _read_with_person.get()
        if device is not None and device.persistent_id == self._normalize_persistent_id(
            persistent_id
        ):
            return device
        return super()._device_from_persistent_id(persistent_id)


def _device_with_person(request):
    """The device the session names, with its person and their force, if it is the
    session's person's; None when it cannot be read so (django-otp then reads it)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    user_id = session.get(SESSION_KEY)
    if not persistent_id or user_id is None:
        return None
    try:
        label, pk = otp_middleware.OTPMiddleware._normalize_persistent_id(persistent_id).rsplit(
            "/", 1
        )
        model = apps.get_model(label)
        person = model._meta.get_field("user")
        if not issubclass(model, Device) or person.related_model is not backends.UserModel:
            return None
        # Written SQL (core.written): the ORM would spend longer building this query than
        # the database answering it, on every request.
        return written.first(
            model,
            ("user", "force"),
            pk=model._meta.pk.to_python(pk),
            user_id=backends.UserModel._meta.pk.to_python(user_id),
        )
    except (ValueError, LookupError, FieldDoesNotExist, ValidationError):
        return None

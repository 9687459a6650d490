"""Writing the audit log: one call, ``record``, for every event worth accounting for."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from inspect_app.accounts.models import AuditEvent, User

logger = logging.getLogger("inspect_app.audit")


def client_address(request):
    """The address the request came from (REMOTE_ADDR: set a trusted proxy to pass it on)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(action, *, actor=None, username="", request=None, target="", **details):
    """Add one event to the audit log and to the application log."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    name = username or (actor.get_username() if actor is not None else "")
    event = AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_username=name[:150],
        ip_address=client_address(request),
        target=str(target)[:255],
        details=details,
    )
    logger.info("audit %s by %s on %s %s", action, name or "-", target or "-", details or "")
    return event


#: How a change made without a person (``by`` is None) came in.
COMMAND_LINE = "command line"


def record_change(action, *, by, request=None, target, **details):
    """Record a change to the audit data, made by ``by`` through a page (``request`` gives the
    address) or, without a person, from the command line: every door leaves the same entry."""
    if by is None:
        details["via"] = COMMAND_LINE
    return record(action, actor=by, request=request, target=target, **details)


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record(AuditEvent.Action.SIGN_IN, actor=user, request=request)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Action.SIGN_OUT, actor=user, request=request)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # The password is never kept; the username is, as it was typed.
    record(
        AuditEvent.Action.SIGN_IN_FAILED, username=credentials.get("username", ""), request=request
    )


@receiver(pre_save, sender=User)
def _remember_role(sender, instance, **kwargs):
    previous = User.objects.filter(pk=instance.pk).values("role", "force_id").first()
    instance._role_before = previous


@receiver(post_save, sender=User)
def _role_changed(sender, instance, created, **kwargs):
    before = getattr(instance, "_role_before", None)
    after = {"role": instance.role, "force_id": instance.force_id}
    if created or (before is not None and before != after):
        record(
            AuditEvent.Action.ROLE_CHANGE,
            target=f"user {instance.get_username()}",
            before=None if created else before,
            after=after,
        )

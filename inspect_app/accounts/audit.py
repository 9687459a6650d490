"""Writing the audit log: one call, ``record``, for every event worth accounting for.

``consulted`` and ``disclosed`` name the two the law asks of every reading
(DPA 2018, s.62): a case shown to someone, and casework or live figures handed
out. Each entry is one INSERT, so the case page can afford one on every view.
"""

import functools
import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from inspect_app.accounts.models import AuditAction, AuditEvent, User

logger = logging.getLogger("inspect_app.audit")


def client_address(request):
    """The address the request came from (REMOTE_ADDR: set a trusted proxy to pass it on)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action,
    *,
    actor=None,
    username="",
    request=None,
    target="",
    subject=None,
    durable=True,
    **details,
):
    """Add one event to the audit log and to the application log.

    ``subject`` is the object it was done to (its model name and primary key are kept, so
    the log answers "who read this case"); ``target`` says it in words, by default the
    subject's own name.

    ``durable=False`` (consultations: one on every view of a case) lets PostgreSQL
    answer before the entry reaches the disk, when it is written on its own: waiting
    for the disk was most of a kept case page's time. An entry still lands whole or
    not at all, and only a crash of the database server within a fraction of a second
    of it could lose it; every change, and anything written inside a transaction,
    keeps the usual guarantee.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    name = username or (actor.get_username() if actor is not None else "")
    if subject is not None and not target:
        target = describe(subject)
    fields = dict(
        action=action,
        actor=actor,
        actor_username=name[:150],
        ip_address=client_address(request),
        object_type=subject._meta.model_name if subject is not None else "",
        object_id=subject.pk if subject is not None else None,
        target=str(target)[:255],
        details=details,
    )
    if durable or connection.vendor != "postgresql" or connection.in_atomic_block:
        event = AuditEvent.objects.create(**fields)
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            event = AuditEvent.objects.create(**fields)
    logger.info("audit %s by %s on %s %s", action, name or "-", target or "-", details or "")
    return event


def describe(subject):
    """``subject`` in a few words: its kind and the name people know it by, read from
    fields already loaded (a case page loads only a few of the case's)."""
    kind = subject._meta.verbose_name
    for field in ("reference", "slug", "username"):
        if field in subject.__dict__:
            return f"{kind} {subject.__dict__[field]}"
    return f"{kind} {subject.pk}"


def consulted(request, subject, **details):
    """``request``'s reader was shown ``subject`` (a case, its narrative, its reviews).

    Called before a kept copy of the page is looked up, so a page served from the
    cache is recorded as surely as one built afresh, and for the reader asking.
    """
    return record(
        AuditAction.CONSULTATION,
        actor=request.user,
        request=request,
        subject=subject,
        durable=False,
        **details,
    )


def disclosed(request, subject=None, **details):
    """Casework or live figures left the service for ``request``'s reader: a download, a
    report, a response a program reads. ``details`` say what (the page, the format)."""
    details.setdefault("address", request.get_full_path()[:500])
    return record(
        AuditAction.DISCLOSURE, actor=request.user, request=request, subject=subject, **details
    )


def record_alteration(case, review, by):
    """``by`` saved ``review`` of ``case``: an alteration of casework, in its transaction.

    A review saved by someone other than its reviewer (a lead putting it right) is a
    correction, and says so.
    """
    return record(
        AuditAction.ALTERATION,
        actor=by,
        subject=case,
        review=review.kind,
        review_id=review.pk,
        version=review.version,
        correction=review.reviewer_id != by.pk,
    )


#: How a change made without a person (``by`` is None) came in.
COMMAND_LINE = "command line"


def disclosed_from_command_line(subject, **details):
    """A command printed casework or live figures about ``subject`` (no person to name)."""
    return record(AuditAction.DISCLOSURE, subject=subject, via=COMMAND_LINE, **details)


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
            subject=instance,
            before=None if created else before,
            after=after,
        )


# --- the append-only trigger and the test runner's flush, on SQLite ---------------------------
# PostgreSQL empties a test database with TRUNCATE, which fires no row trigger; SQLite has
# no TRUNCATE and deletes row by row, which the trigger refuses. Its DELETE trigger asks
# ``audit_log_emptying()`` (accounts migration 0006), answered here: yes only while Django
# flushes the test runner's own database. A production database is never that database.


@receiver(connection_created)
def _answer_the_trigger(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "audit_log_emptying", 0, functools.partial(_emptying, connection)
    )
    if not getattr(connection.ops, "_audit_flush_marked", False):
        connection.ops.execute_sql_flush = _marking_flush(connection, connection.ops)
        connection.ops._audit_flush_marked = True


def _emptying(connection):
    return int(getattr(connection, "_audit_flushing", False) and _is_test_database(connection))


def _is_test_database(connection):
    return connection.settings_dict["NAME"] == connection.creation._get_test_db_name()


def _marking_flush(connection, ops):
    flush = ops.execute_sql_flush

    @functools.wraps(flush)
    def execute_sql_flush(sql_list):
        connection._audit_flushing = True
        try:
            return flush(sql_list)
        finally:
            connection._audit_flushing = False

    return execute_sql_flush

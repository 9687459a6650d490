"""How long a signed-in session lasts.

A session ends after ``SESSION_IDLE_TIMEOUT`` without a request, and
``SESSION_COOKIE_AGE`` seconds after sign-in whatever the activity: the
person is signed out and sent to sign in again with a line saying why. A
person who is deactivated loses every session at once, not at its next
expiry.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import timezone

from inspect_app.accounts.models import User

#: Keys this module keeps in the session: when the person signed in and when
#: they were last seen, as POSIX seconds (the session serialiser stores JSON).
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"

#: The last-seen time is written at most this often, so an ordinary page view
#: does not also rewrite its session row; the idle timeout is kept to within it.
ACTIVITY_RESOLUTION = timedelta(minutes=1)

IDLE_MESSAGE = "You were signed out because you had not used the service for {minutes}. "
ABSOLUTE_MESSAGE = "You were signed out because you signed in more than {hours} ago. "
UNTIMED_MESSAGE = "You were signed out because your session had ended. "
AGAIN = "Sign in again to carry on."


def _minutes(delta):
    count = round(delta.total_seconds() / 60)
    return f"{count} minute" if count == 1 else f"{count} minutes"


def _hours(seconds):
    hours = seconds / 3600
    count = int(hours) if hours == int(hours) else round(hours, 1)
    return f"{count} hour" if count == 1 else f"{count} hours"


def expiry_reason(session, now):
    """Why a signed-in session has ended at ``now``, as a sentence; None while it lasts.

    A session without its sign-in time (one started before these limits, or
    written by anything but a sign-in) counts as ended: it cannot show it is
    within them.
    """
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT, signed_in_at)
    if signed_in_at is None or last_seen_at is None:
        return UNTIMED_MESSAGE + AGAIN
    seconds = now.timestamp()
    if seconds - signed_in_at >= settings.SESSION_COOKIE_AGE:
        return ABSOLUTE_MESSAGE.format(hours=_hours(settings.SESSION_COOKIE_AGE)) + AGAIN
    if seconds - last_seen_at >= settings.SESSION_IDLE_TIMEOUT.total_seconds():
        return IDLE_MESSAGE.format(minutes=_minutes(settings.SESSION_IDLE_TIMEOUT)) + AGAIN
    return None


@receiver(user_logged_in)
def _start_the_clocks(sender, request, user, **kwargs):
    stamp = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = stamp
    request.session[LAST_SEEN_AT] = stamp


class SessionLimitsMiddleware:
    """Signs out a session past its idle or absolute limit, and notes each visit.

    Placed after the authentication and message middleware (it needs both)
    and before any view runs, so an expired session never reaches a page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            reason = expiry_reason(request.session, now)
            if reason is not None:
                return self._sign_out(request, reason)
            last_seen_at = request.session.get(LAST_SEEN_AT, 0)
            if now.timestamp() - last_seen_at >= ACTIVITY_RESOLUTION.total_seconds():
                request.session[LAST_SEEN_AT] = now.timestamp()
        return self.get_response(request)

    def _sign_out(self, request, reason):
        # Only a page can be returned to: a form posted after the limit is not replayed.
        path = request.get_full_path()
        logout(request)
        # Added after the sign-out, which empties the session the message would be kept in.
        messages.info(request, reason)
        if request.method != "GET":
            return redirect(settings.LOGIN_URL)
        return redirect_to_login(path, settings.LOGIN_URL)


def end_sessions_of(user):
    """Deletes every stored session signed in as ``user``; returns how many.

    Sessions are stored in the database (Django's default engine, or its
    cached variant); there is no index by user, so the unexpired ones are
    read through, which is a few rows per person signed in today.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    unexpired = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in unexpired.values_list("session_key", "session_data").iterator():
        if store().decode(data).get(SESSION_KEY) == str(user.pk):
            store(session_key=key).delete()
            ended += 1
    return ended


@receiver(post_save, sender=User)
def _end_sessions_of_the_inactive(sender, instance, created, update_fields=None, **kwargs):
    # An inactive person keeps no session, however they became inactive (the
    # admin page, the shell, a command); Django's backend already refuses them
    # on their next request, and this leaves nothing behind to refuse.
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    if not instance.is_active:
        end_sessions_of(instance)

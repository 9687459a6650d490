"""A published version's page, kept rendered for each reader between their requests.

What a version shows never changes (its body is kept for good: ``reading.kept_for_good``),
and around it the page shows only who the reader is (the header, the navigation) and
what their role lets them do. Rendering that frame costs more than everything else a
published page does, so once rendered for a reader it is kept in this process's memory,
under a key naming everything it was rendered from: the template, its context, the
reader (their id, names, role, force, flags) and the page's name (which section the
navigation marks).

Two things are the request's own and never kept. The CSRF token: the frame is kept with
a marker in its place, and each response carries the request's own token. Messages: a
page with any to show is rendered afresh (and so shows them once). The frame is kept in
memory only, never in the shared cache: it names this deployment's hashed static files.
The body is kept apart (in the frame, a marker stands for it), so memory holds each body
once however many readers read it.
"""

import hashlib
import secrets
import threading
from collections import OrderedDict

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

#: How many frames each process keeps, the most recently used (a few kilobytes each).
KEPT_IN_PROCESS = 1024
#: Stand in for the request's CSRF token and for the body while a frame is rendered: random,
#: so no page can hold them by chance; hexadecimal, so escaping leaves them as they are.
CSRF_MARKER = "csrf" + secrets.token_hex(16)
BODY_MARKER = "body" + secrets.token_hex(16)

_frames: OrderedDict = OrderedDict()
_lock = threading.Lock()


def reader_identity(request):
    """Everything the frame shows of, or decides by, the person reading it."""
    user = request.user
    match = request.resolver_match
    return (
        user.pk,
        user.get_username(),
        user.get_full_name(),
        getattr(user, "role", None),
        user.get_role_display() if hasattr(user, "get_role_display") else "",
        getattr(user, "force_id", None),
        str(user.force) if getattr(user, "force_id", None) else "",
        user.is_active,
        user.is_staff,
        user.is_superuser,
        user.is_verified() if hasattr(user, "is_verified") else False,
        (match.namespace, match.url_name) if match else None,
    )


def page(request, template, context, body, identity):
    """The response of ``template`` rendered with ``context`` around ``body`` (kept for good
    elsewhere): ``identity`` names what the context was made from, and the frame is kept
    under it with the reader's."""
    if len(messages.get_messages(request)):  # shown once: never kept
        return render(request, template, {**context, "body": mark_safe(body)})  # noqa: S308
    key = hashlib.sha256(repr((template, identity, reader_identity(request))).encode()).digest()
    with _lock:
        frame = _frames.get(key)
        if frame is not None:
            _frames.move_to_end(key)
    if frame is None:
        frame = render_to_string(
            template,
            {**context, "body": mark_safe(BODY_MARKER), "csrf_token": CSRF_MARKER},
            request,
        )
        with _lock:
            _frames[key] = frame
            while len(_frames) > KEPT_IN_PROCESS:
                _frames.popitem(last=False)
    content = frame.replace(CSRF_MARKER, get_token(request)).replace(BODY_MARKER, body)
    return HttpResponse(content)


def forget():
    """Drop every kept frame (a test starting afresh)."""
    with _lock:
        _frames.clear()

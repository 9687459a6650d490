"""Sign one person in against whatever database DATABASE_URL names, as the sign-in page does.

Run as ``python -m tests.operations.sign_in USERNAME`` with the password in
SIGN_IN_PASSWORD (never an argument, so it stays out of process lists). It goes
through Django's own ``authenticate()`` and ``login()`` with a request, so every
authentication backend (the lock-out check among them) has its say, the password is
checked against the stored hash, a session row is written and the sign-in lands in
the audit log: everything a sign-in needs from the database. Exits 0 when signed in,
1 when refused.
"""

import os
import sys


def main(username):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspect_app.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import authenticate, login
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.shortcuts import resolve_url
    from django.test import RequestFactory

    request = RequestFactory().post(resolve_url(settings.LOGIN_URL), REMOTE_ADDR="127.0.0.1")
    SessionMiddleware(lambda request: None).process_request(request)
    user = authenticate(request, username=username, password=os.environ["SIGN_IN_PASSWORD"])
    if user is None:
        print(f"{username}: refused", file=sys.stderr)
        return 1
    login(request, user)
    request.session.save()
    print(f"{username}: signed in, session {request.session.session_key[:6]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

"""Production settings, response headers, sign-in throttling and the audit log."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse
from django.views.static import serve as static_serve

from inspect_app.accounts.models import AuditEvent
from inspect_app.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "INSPECT_ENV_FILE": ""}


def run_with(variables, *argv):
    # Only the settings under test: nothing the test run itself set.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(variables)
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checklist():
    result = run_with(PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_http_only():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_AGE <= 86400)"
    )
    result = run_with({**PRODUCTION, "DJANGO_SETTINGS_MODULE": "inspect_app.settings"}, "-c", code)
    assert result.stdout.split() == ["True"] * 6, result.stderr


def test_uploaded_files_live_outside_anything_served():
    media = Path(settings.MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT).resolve()] + [
        Path(entry[1] if isinstance(entry, tuple) else entry).resolve()
        for entry in settings.STATICFILES_DIRS
    ]
    for directory in served:
        assert not media.is_relative_to(directory), directory
    # ...and no URL pattern serves files from disk.
    assert all(
        getattr(pattern, "callback", None) is not static_serve
        for pattern in get_resolver().url_patterns
    )


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("inspection-list"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_repeated_failures_lock_the_sign_in_out(client, admin_user, password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": admin_user.username, "password": "guess"})
    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": password}
    )
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_success_before_the_limit_clears_the_count(client, admin_user, password):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": admin_user.username, "password": "guess"})
    client.post(reverse("login"), {"username": admin_user.username, "password": password})
    client.logout()
    client.post(reverse("login"), {"username": admin_user.username, "password": "guess"})
    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": password}
    )
    assert response.status_code == 302


# --- audit log -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_ins_failures_and_sign_outs_are_logged(client, admin_user, password):
    client.post(
        reverse("login"),
        {"username": admin_user.username, "password": "wrong"},
        REMOTE_ADDR="10.1.2.3",
    )
    client.post(reverse("login"), {"username": admin_user.username, "password": password})
    client.post(reverse("logout"))
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_username"))
    assert events[-3:] == [
        ("sign_in_failed", admin_user.username),
        ("sign_in", admin_user.username),
        ("sign_out", admin_user.username),
    ]
    failed = AuditEvent.objects.get(action="sign_in_failed")
    assert failed.ip_address == "10.1.2.3" and failed.actor is None
    assert "wrong" not in str(failed.details)


@pytest.mark.django_db
def test_role_changes_are_logged_with_before_and_after(inspector_user, force_a):
    inspector_user.role = Role.LEAD_INSPECTOR
    inspector_user.save()
    event = (
        AuditEvent.objects.filter(action="role_change", target=f"user {inspector_user.username}")
        .order_by("pk")
        .last()
    )
    assert event.details["before"]["role"] == "inspector"
    assert event.details["after"]["role"] == "lead_inspector"
    inspector_user.save()  # no change: nothing more logged
    assert (
        AuditEvent.objects.filter(
            action="role_change", target=f"user {inspector_user.username}"
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_only_admins_read_the_audit_log_and_nobody_edits_it(client, admin_user, lead_user):
    url = reverse("admin:accounts_auditevent_changelist")
    client.force_login(lead_user)
    assert client.get(url).status_code == 302  # to the admin's sign-in
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.first()
    assert (
        client.get(reverse("admin:accounts_auditevent_delete", args=[event.pk])).status_code == 403
    )

"""Making, checking and revoking personal access tokens; each change is audited."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from inspect_app.accounts import access, audit
from inspect_app.accounts.models import AuditAction
from inspect_app.api.models import ApiToken
from inspect_app.core import written

PREFIX = "cri_"
LIFETIME_DAYS = (30, 90, 365)
DEFAULT_LIFETIME_DAYS = 90


class TokenError(Exception):
    """A token cannot be made, used or revoked: said in one sentence."""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(user, name, days=DEFAULT_LIFETIME_DAYS, request=None):
    """(token, the key shown once) for ``user``; the key itself is never stored."""
    if not access.may_hold_api_tokens(user):
        raise TokenError("Your role does not read figures, so it has no use for a token.")
    name = (name or "").strip()
    if not name:
        raise TokenError("Give the token a name, so you can tell it apart later.")
    if len(name) > 100:
        raise TokenError("The name is too long: at most 100 characters.")
    if days not in LIFETIME_DAYS:
        raise TokenError("Choose how long the token lasts: 30, 90 or 365 days.")
    key = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            owner=user,
            name=name,
            key_sha256=digest(key),
            prefix=key[: len(PREFIX) + 4],
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit.record(
            AuditAction.API_TOKEN_CREATED,
            actor=user,
            request=request,
            target=f"API token {token.prefix}… of {user.get_username()}",
            name=name,
            days=days,
        )
    return token, key


def revoke(user, token_id, request=None):
    """Revoke ``user``'s own token ``token_id``; anyone else's is not found."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(owner=user, pk=token_id).first()
        if token is None:
            raise TokenError("You have no such token.")
        if token.revoked_at is not None:
            raise TokenError("That token is already revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            AuditAction.API_TOKEN_REVOKED,
            actor=user,
            request=request,
            target=f"API token {token.prefix}… of {user.get_username()}",
        )
    return token


def holder_of(key):
    """The user a key acts for, or TokenError saying why it does not work."""
    # Asked on every API request: SQL written once (core.written), the token with its owner.
    token = written.first(ApiToken, ("owner",), key_sha256=digest(key))
    if token is None:
        raise TokenError("Unknown token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenError("This token has been revoked.")
    if token.expires_at <= now:
        raise TokenError("This token has expired: make a new one on “Your API tokens”.")
    if not token.owner.is_active:
        raise TokenError("This token's owner is deactivated.")
    # At most once a minute: a script polling the API writes almost nothing.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.owner, token


def tokens_of(user):
    return ApiToken.objects.filter(owner=user)

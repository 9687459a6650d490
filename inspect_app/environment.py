"""Typed reading of the settings that come from the environment.

Each reader raises ImproperlyConfigured with a one-line reason that names the
variable, so a bad value stops start-up with a message a person can act on
(manage.py prints it without a traceback).
"""

import os
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
REDIS_SCHEMES = {"redis", "rediss"}


def read_env_file(path):
    """Load KEY=value lines from ``path`` into the environment, never overriding what is set."""
    if path and os.path.isfile(path):
        environ.Env.read_env(path, overwrite=False)


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value (use true or false)")


def env_int(name, default, minimum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_float(name, default, low=None, high=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if (low is not None and value <= low) or (high is not None and value >= high):
        raise ImproperlyConfigured(f"{name}={raw!r} must be between {low} and {high}")
    return value


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_config(name, default_url):
    """A Django DATABASES entry from a URL: PostgreSQL (through psycopg2) or SQLite."""
    url = os.environ.get(name) or default_url
    scheme = urlsplit(url).scheme.lower()
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must be a postgres://user@host:port/name or sqlite:///path URL, got {url!r}"
        )
    try:
        config = environ.Env.db_url_config(url)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{name} is malformed ({error}): {url!r}") from None
    if scheme != "sqlite":
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name} names no database: {url!r}")
        config["ENGINE"] = "django.db.backends.postgresql"
        # Reuse connections, and check them before use so a restarted
        # PostgreSQL costs one failed check rather than a failed request.
        config.setdefault("CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_url(name):
    """The Redis URL, or None when Redis is not configured (tasks then run in-process)."""
    url = os.environ.get(name, "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a bad port: {url!r}") from None
    if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be a redis://host:port/db URL, got {url!r}")
    return url

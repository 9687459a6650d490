"""Start-up reads its settings from the environment and stops on a bad one with one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 50


def start(**variables):
    """Run `manage.py check` with only these settings variables (no .env file)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    env.update(INSPECT_ENV_FILE="", DEBUG="true")
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/audit"}, "DATABASE_URL must be a postgres://"),
        ({"DATABASE_URL": "postgres://u@db:notaport/audit"}, "DATABASE_URL is malformed"),
        ({"DATABASE_URL": "postgres://u@db:5432/"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL must be"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must be a redis://"),
        ({"REDIS_URL": "redis://cache:port/0"}, "REDIS_URL has a bad port"),
        ({"DEBUG": "perhaps"}, "DEBUG='perhaps' is not a yes/no value"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "development-only-not-secret"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({"DEBUG": "true", "SESSION_COOKIE_AGE": "an hour"}, "SESSION_COOKIE_AGE='an hour'"),
        ({"DEBUG": "true", "RELIABILITY_THRESHOLD": "2"}, "RELIABILITY_THRESHOLD='2' must be"),
    ],
)
def test_it_refuses_a_bad_setting_in_one_line(variables, reason):
    result = start(**variables)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert reason in lines[0]
    assert "Traceback" not in result.stderr


def test_it_starts_on_the_embedded_default_with_debug_on():
    result = start(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_starts_with_debug_off_given_a_real_secret_key():
    result = start(DEBUG="false", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr


def test_postgres_and_redis_urls_configure_the_database_cache_and_broker():
    code = (
        "from django.conf import settings as s;"
        "d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['HOST'], d['PORT'], d['CONN_HEALTH_CHECKS']);"
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        INSPECT_ENV_FILE="",
        DEBUG="true",
        DATABASE_URL="postgres://audit@db.internal:5433/inspections",
        REDIS_URL="redis://cache.internal:6379/2",
        DJANGO_SETTINGS_MODULE="inspect_app.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    database, celery = result.stdout.splitlines()
    assert database == "django.db.backends.postgresql inspections db.internal 5433 True"
    assert celery == (
        "redis://cache.internal:6379/2 False django.core.cache.backends.redis.RedisCache"
    )


def test_without_services_tasks_run_in_process_on_sqlite():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(INSPECT_ENV_FILE="", DEBUG="true", DJANGO_SETTINGS_MODULE="inspect_app.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"], result.stderr

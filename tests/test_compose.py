"""docker-compose.yml describes the production shape: web, worker, beat, PostgreSQL, Redis."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ON_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_it_runs_the_five_services_each_with_a_health_check(compose):
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_app_services_wait_for_healthy_database_and_broker(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
        environment = service["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["DEBUG"] == "false"
        # Secrets come from the operator's environment, never from this file.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_web_serves_with_gunicorn_and_workers_run_celery(compose):
    services = compose["services"]
    assert "gunicorn inspect_app.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A inspect_app worker")
    assert services["beat"]["command"].startswith("celery -A inspect_app beat")


def test_data_lives_in_named_volumes(compose):
    assert {"pgdata", "redisdata", "uploads"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "redisdata:/data" in compose["services"]["redis"]["volumes"]


@pytest.mark.skipif(
    shutil.which("docker-compose") is None and not ON_CI,
    reason="docker-compose is not installed (CI installs it)",
)
def test_docker_compose_accepts_the_file():
    env = {**os.environ, "SECRET_KEY": "s" * 50, "POSTGRES_PASSWORD": "p"}
    result = subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE),
            "config",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(
    shutil.which("docker-compose") is None and not ON_CI,
    reason="docker-compose is not installed (CI installs it)",
)
def test_docker_compose_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["POSTGRES_PASSWORD"] = "p"
    result = subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            "/nonexistent-dir-for-env",
            "-f",
            str(COMPOSE),
            "config",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "set SECRET_KEY" in result.stderr

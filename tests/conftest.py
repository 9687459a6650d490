"""Shared fixtures: a user of every role, two forces' inspections, and a real Celery worker.

Force A is Essex, force B Hertfordshire. The inspector is assigned to force
A's inspection only; the unassigned inspector to none; the commissioner
oversees force A.
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from inspect_app.accounts.roles import Role
from tests.factories import (
    PASSWORD,
    CaseReviewFactory,
    InspectionFactory,
    ProgrammeFactory,
    SampledCaseFactory,
    UserFactory,
    force,
)

ROOT = Path(__file__).resolve().parent.parent
ON_CI = os.environ.get("CI", "").lower() == "true"


def services_available():
    """Whether the suite is pointed at PostgreSQL and Redis (what the integration tests need)."""
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and bool(
        settings.REDIS_URL
    )


def pytest_configure(config):
    # Hashing passwords properly is slow by design; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages link static files by their plain names unless a test collects them: what a
    # `make run` in the same checkout collected into ./staticfiles must not change that.
    static_root = tempfile.mkdtemp(prefix="inspect-static-")
    atexit.register(shutil.rmtree, static_root, ignore_errors=True)
    settings.STATIC_ROOT = static_root
    if ON_CI and not services_available():
        raise pytest.UsageError(
            "CI=true but DATABASE_URL (PostgreSQL) and REDIS_URL are not both set: "
            "CI must run against the real services"
        )


def pytest_collection_modifyitems(config, items):
    if services_available():
        return
    skip = pytest.mark.skip(reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL; CI runs it")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """Outside integration tests, tasks run in the test's own process (no worker needed)."""
    from inspect_app.celery import app

    if "integration" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def no_cached_pages():
    """Each test starts without cached figure-page bodies.

    On Redis only those keys go: the same database carries Celery's queues,
    which a flush would take from under a running worker.
    """
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match="*dashboard-body:*"):
            client.delete(key)
    else:
        cache.clear()
    # Answers kept in this process's memory name a generation of the database, which a
    # rolled-back test may number again.
    from inspect_app.publication import lookups, whole_pages

    lookups.forget()
    whole_pages.forget()
    yield


@pytest.fixture(autouse=True)
def force_login_passes_the_second_factor(monkeypatch):
    """``client.force_login(user)`` also passes the second factor, with a device of the user's.

    force_login is the unit tests' shortcut past the sign-in form: it already skips the
    password, and now the code too, by storing a confirmed authenticator of the user's in
    the session as a right code would (django-otp's session key). The code itself is
    proved where it is typed: tests/accounts/test_second_factor.py and the browser tests,
    which sign in with a real code. ``client.login()`` is left as it was: a session it
    starts has passed only the password, as the tests of the gate need.
    """
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    force_login = Client.force_login

    def and_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        from tests.authenticator import authenticator_of

        session = self.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", and_second_factor)
    yield


# --- forces, inspections and people -------------------------------------------------------


@pytest.fixture
def force_a(db):
    return force("E23000028")  # Essex


@pytest.fixture
def force_b(db):
    return force("E23000027")  # Hertfordshire


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="test-programme")


@pytest.fixture
def inspection_a(programme, force_a):
    return InspectionFactory(programme=programme, force=force_a, slug="essex-test")


@pytest.fixture
def inspection_b(programme, force_b):
    return InspectionFactory(programme=programme, force=force_b, slug="hertfordshire-test")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="alice-admin", role=Role.ADMIN)


@pytest.fixture
def lead_user(db):
    return UserFactory(username="lee-lead", role=Role.LEAD_INSPECTOR)


@pytest.fixture
def inspector_user(inspection_a):
    user = UserFactory(username="isla-inspector", role=Role.INSPECTOR)
    inspection_a.inspectors.add(user)
    return user


@pytest.fixture
def unassigned_inspector(db):
    return UserFactory(username="uma-unassigned", role=Role.INSPECTOR)


@pytest.fixture
def commissioner_a(force_a):
    return UserFactory(username="cara-commissioner", role=Role.COMMISSIONER, force=force_a)


@pytest.fixture
def case_a(inspection_a):
    return SampledCaseFactory(
        inspection=inspection_a, reference="ESX-1", summary="Essex narrative: sensitive"
    )


@pytest.fixture
def case_b(inspection_b):
    return SampledCaseFactory(
        inspection=inspection_b, reference="HRT-1", summary="Hertfordshire narrative: sensitive"
    )


@pytest.fixture
def review_a(case_a, inspector_user):
    return CaseReviewFactory(
        case=case_a, reviewer=inspector_user, should_record=True, was_recorded=True
    )


@pytest.fixture
def review_b(case_b, lead_user):
    return CaseReviewFactory(
        case=case_b, reviewer=lead_user, should_record=True, was_recorded=False
    )


@pytest.fixture
def password():
    return PASSWORD


# --- a real Celery worker -------------------------------------------------------------------


def postgres_url(database):
    """A DATABASE_URL for the database Django is connected to now (the test database)."""
    credentials = quote(database["USER"] or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def start_celery_worker(transactional_db, tmp_path):
    """Start real worker processes over Redis, on the test database, on a queue of this test's
    own; ``start(**environment)`` returns one that is running and ready.

    Needs PostgreSQL (the worker is another process and must share the data)
    and Redis; tests using it are marked ``integration``. Every worker started
    is stopped when the test ends.
    """
    from inspect_app.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    started = []

    def start(**environment):
        node = f"{queue}-{len(started)}@localhost"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=postgres_url(connection.settings_dict),
            REDIS_URL=settings.REDIS_URL,
            CELERY_QUEUE=queue,
            SECRET_KEY=settings.SECRET_KEY,
            DEBUG="true",
            INSPECT_ENV_FILE="",
            **environment,
        )
        log_path = tmp_path / f"worker-{len(started)}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "inspect_app",
                    "worker",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--queues",
                    queue,
                    "--hostname",
                    node,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.queue, process.log_path = queue, log_path
        started.append(process)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()}")
        return process

    yield start
    app.conf.task_default_queue = previous_queue
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def celery_worker_process(start_celery_worker):
    """One real worker (see ``start_celery_worker``)."""
    return start_celery_worker()

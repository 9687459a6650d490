"""Benchmark: the figure pages under load, against the sign-in page on the same server.

Builds (with ``bench.recompute``'s data builder) a programme of 43 forces and
1,000,000 reviewed cases in a PostgreSQL database of its own,
``inspect_bench_dashboard``, and stores its figures. It then serves the app
with gunicorn (production settings: DEBUG off, a random SECRET_KEY, loopback
only) and, for each page, runs CLIENTS client threads for SECONDS seconds
(at most MAX_REQUESTS requests). The floor is the sign-in page, loaded the
same way. For each page it prints

    dashboard_<page>: ratio R (target 0.25)
    dashboard_<page>_p99_ms: ratio P (target 250)

where R is the page's throughput over the sign-in page's, and P its 99th
percentile latency in milliseconds.

DASHBOARD_CLIENTS, DASHBOARD_SECONDS and DASHBOARD_MAX_REQUESTS change the
bounds; BENCH_CASES the data size (``BENCH_SIZE=smoke``: 5,000 cases, 2 clients
for 1 s); BENCH_REUSE=1 keeps a database built by an
earlier run of the same size. The server comes from DATABASE_URL when it is a
PostgreSQL URL (see ``bench.recompute.server_url``).
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

# bench.recompute reads the database name when imported: this benchmark's own.
os.environ.setdefault("BENCH_DATABASE", "inspect_bench_dashboard")

from bench import recompute, sized  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = sized(16, 2, "DASHBOARD_CLIENTS")
SECONDS = sized(30.0, 1.0, "DASHBOARD_SECONDS", float)
MAX_REQUESTS = sized(200_000, 200_000, "DASHBOARD_MAX_REQUESTS")
RATIO_TARGET = 0.25
P99_TARGET_MS = 250
USERNAME = "bench-lead"
PROGRAMME = recompute.PROGRAMME_SLUG


def pages():
    """The pages measured, by name: each figure page as a lead inspector sees it."""
    return {
        "programme": f"/programmes/{PROGRAMME}/",
        "programme_export": f"/programmes/{PROGRAMME}/?_export=csv",
        "offence": f"/programmes/{PROGRAMME}/offences/rape/",
        "force": "/forces/essex/",
        "inspection": "/inspections/essex-bench/",
    }


def prepare(password):
    """The database with its million cases and stored figures, and a lead inspector."""
    url = recompute.server_url()
    reuse = os.environ.get("BENCH_REUSE") == "1" and recompute.database_exists(url)
    if not reuse:
        recompute.recreate_database(url)
    recompute.setup_django(url)

    from inspect_app.accounts.models import User
    from inspect_app.accounts.roles import Role
    from inspect_app.compliance import figures

    programme = recompute.existing_programme() if reuse else None
    if programme is None:
        if reuse:
            recompute.recreate_database(url)
            from django.db import connection

            connection.close()
        programme = recompute.build(PROGRAMME)
    started = time.perf_counter()
    figures.recompute_programme(programme.pk)
    print(f"dashboard: figures stored in {time.perf_counter() - started:.1f} s", flush=True)
    user, _ = User.objects.get_or_create(username=USERNAME, defaults={"role": Role.LEAD_INSPECTOR})
    user.set_password(password)
    user.save()
    return os.environ["DATABASE_URL"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url, redis_url=None):
    """gunicorn on a free loopback port with production settings; returns (process, port).

    Without Redis by default; ``redis_url`` gives the server the shared cache production
    has (sessions and page bodies in Redis)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_QUEUE"}}
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        INSPECT_ENV_FILE="",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "inspect_app.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(max(2, os.cpu_count() or 2)),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def sign_in(port, password, username=USERNAME, code=None):
    """Sign in through the real forms, the password and then a code from the user's
    authenticator; returns the Cookie header for later requests.

    ``code`` makes the code (a function of no arguments); by default it is computed from
    the user's device in the database this process has set up, as their app would.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    referer = f"http://127.0.0.1:{port}/accounts/login/"
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    body = response.read().decode()
    csrf = _cookie(response, "csrftoken")
    token = _form_token(body)
    if code is None:
        code = _code_from_database(username)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    response = _post(connection, "/accounts/login/", form, f"csrftoken={csrf}", referer)
    session = _cookie(response, "sessionid")
    if response.status != 302 or session is None:
        raise RuntimeError(f"could not sign in: HTTP {response.status}")
    # Signing in rotates the CSRF token; the second-factor form carries the new one.
    csrf = _cookie(response, "csrftoken") or csrf
    cookie = f"sessionid={session}; csrftoken={csrf}"
    connection.request("GET", "/accounts/second-factor/", headers={"Cookie": cookie})
    response = connection.getresponse()
    token = _form_token(response.read().decode())
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code()})
    response = _post(connection, "/accounts/second-factor/", form, cookie, referer)
    session = _cookie(response, "sessionid") or session
    connection.close()
    if response.status != 302 or "second-factor" in (response.getheader("Location") or ""):
        raise RuntimeError(f"the second factor was refused: HTTP {response.status}")
    return f"sessionid={session}; csrftoken={csrf}"


def _post(connection, path, form, cookie, referer):
    connection.request(
        "POST",
        path,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": referer,
        },
    )
    response = connection.getresponse()
    response.read()
    return response


def _cookie(response, name):
    found = re.search(rf"{name}=([^;]+)", response.getheader("Set-Cookie") or "")
    return found.group(1) if found else None


def _form_token(body):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


def _code_from_database(username):
    """The user's authenticator (one set up now, as ``create_user --totp`` would, if they
    have none), and a code maker reading its secret as the app holds it."""
    from inspect_app.accounts.models import User
    from tests.authenticator import authenticator_of, fresh_code

    device = authenticator_of(User.objects.get(username=username))
    return lambda: fresh_code(device)


def load(port, path, cookie=None, *, clients=None, seconds=None, max_requests=None, headers=None):
    """CLIENTS threads requesting ``path`` for SECONDS; returns (latencies, errors, seconds).

    Other benchmarks pass bounds (and headers, e.g. an API token) of their own."""
    clients = CLIENTS if clients is None else clients
    latencies, errors = [], []
    lock = threading.Lock()
    budget = iter(range(MAX_REQUESTS if max_requests is None else max_requests))
    headers = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    started = time.monotonic()
    deadline = started + (SECONDS if seconds is None else seconds)

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if next(budget, None) is None:
                    break
            begun = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                failed = response.status != 200
            except (OSError, http.client.HTTPException):
                failed = True
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - begun
            with lock:
                latencies.append(elapsed)
                if failed:
                    errors.append(path)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.monotonic() - started


def p99(latencies):
    ordered = sorted(latencies)
    return ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")


def main():
    password = secrets.token_urlsafe(24)
    database_url = prepare(password)
    server, port = serve(database_url)
    failed = False
    try:
        cookie = sign_in(port, password)
        for path in list(pages().values()) + ["/accounts/login/"]:  # warm every worker
            load_once = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            load_once.request("GET", path, headers={"Cookie": cookie})
            load_once.getresponse().read()
            load_once.close()
        floor, floor_errors, floor_seconds = load(port, "/accounts/login/")
        floor_rate = len(floor) / floor_seconds
        print(
            f"dashboard: floor (sign-in page) {len(floor)} requests, {floor_rate:.0f}/s, "
            f"p99 {p99(floor) * 1000:.0f} ms, {len(floor_errors)} errors",
            flush=True,
        )
        for name, path in pages().items():
            latencies, errors, seconds = load(port, path, cookie)
            rate = len(latencies) / seconds
            print(
                f"dashboard: {name} {len(latencies)} requests, {rate:.0f}/s, {len(errors)} errors",
                flush=True,
            )
            print(f"dashboard_{name}: ratio {rate / floor_rate:.3f} (target {RATIO_TARGET})")
            print(
                f"dashboard_{name}_p99_ms: ratio {p99(latencies) * 1000:.0f} "
                f"(target {P99_TARGET_MS})",
                flush=True,
            )
            failed = failed or bool(errors)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

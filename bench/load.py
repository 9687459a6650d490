"""Load: 50 concurrent clients for 60 seconds against the dashboard and review pages.

Serves the app with gunicorn (production settings, DEBUG off) on a loopback
port, on PostgreSQL (database ``inspect_bench_load``, rebuilt with the demo
programme and its stored figures), signs in once as the demo admin, then
runs 50 client threads that each request the pages in turn until 60 seconds
have passed or 200,000 requests have been made. Prints

    load_errors: ratio E (target 0)

where E is the share of requests that failed (an exception or a status of 400
or more), after a line with the request count, throughput and 99th-percentile
latency.

LOAD_CLIENTS, LOAD_SECONDS and LOAD_MAX_REQUESTS change the bounds
(``BENCH_SIZE=smoke``: 4 clients for 2 s); the
server comes from DATABASE_URL when it is a PostgreSQL URL.
"""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from bench import sized
from bench.dashboard import free_port, sign_in
from bench.recompute import server_url, with_database
from tests.authenticator import code_from_uri

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "inspect_bench_load"
CLIENTS = sized(50, 4, "LOAD_CLIENTS")
SECONDS = sized(60.0, 2.0, "LOAD_SECONDS", float)
MAX_REQUESTS = sized(200_000, 200_000, "LOAD_MAX_REQUESTS")
PASSWORD = "load-test-passphrase"

#: Dashboard and review pages of the demo programme, as an admin sees them.
PAGES = [
    "/inspections/",
    "/programmes/crime-recording-2014/",
    "/programmes/crime-recording-2014/?method=exact&confidence=0.99",
    "/programmes/crime-recording-2014/offences/rape/",
    "/inspections/essex-2014/",
    "/forces/essex/",
    "/forces/cheshire/",
    "/inspections/essex-2014/workspace/",
    "/inspections/essex-practice/workspace/",
    "/inspections/essex-2014/agreement/",
]


def case_pages(database_url):
    """A few case pages of the demo (their ids are only known once it is loaded)."""
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    connection = psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.slug, c.id FROM inspections_sampledcase c "
            "JOIN inspections_inspection i ON i.id = c.inspection_id "
            "WHERE i.slug IN ('essex-2014', 'essex-practice') ORDER BY c.id LIMIT 40"
        )
        rows = cursor.fetchall()
    connection.close()
    return [f"/inspections/{slug}/cases/{pk}/" for slug, pk in rows[::8]]


def app_environment():
    import psycopg2

    server = server_url()
    parts = urllib.parse.urlsplit(server)
    maintenance = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    maintenance.autocommit = True
    with maintenance.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    maintenance.close()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_QUEUE"}}
    env.update(
        INSPECT_ENV_FILE="",
        DATABASE_URL=with_database(server, DATABASE),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        DEMO_PASSWORD=PASSWORD,
        # The load signs in once; throttling is not what is measured.
        AXES_FAILURE_LIMIT="1000",
        LOG_LEVEL="WARNING",  # only the benchmark's own lines
    )
    return env


def manage(env, *argv):
    """Run a management command; returns what it printed."""
    return subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout


def authenticator_uri(demo_output, username):
    """The ``otpauth://`` URI load_demo printed beside ``username``'s password."""
    for line in demo_output.splitlines():
        words = line.split()
        if words[:1] == [username] and words[-1].startswith("otpauth://"):
            return words[-1]
    raise RuntimeError(f"load_demo printed no authenticator for {username}")


def run_clients(port, cookie):
    latencies, errors = [], []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS
    budget = iter(range(MAX_REQUESTS))

    def client(offset):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        step = offset
        while time.monotonic() < deadline:
            with lock:
                if next(budget, None) is None:
                    break
            path = PAGES[step % len(PAGES)]
            step += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                failed = response.status >= 400
            except (OSError, http.client.HTTPException) as error:
                failed = True
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                path = f"{path} ({error.__class__.__name__})"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if failed:
                    errors.append(path)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def main():
    env = app_environment()
    manage(env, "migrate", "--noinput")
    demo = manage(env, "load_demo")
    manage(env, "recompute_figures", "--all")
    PAGES.extend(case_pages(env["DATABASE_URL"]))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "inspect_app.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--backlog",
            "256",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Signed in as a person given the demo's output would: its URI in their app.
        uri = authenticator_uri(demo, "admin")
        cookie = sign_in(port, PASSWORD, username="admin", code=lambda: code_from_uri(uri))
        latencies, errors = run_clients(port, cookie)
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    total = len(latencies)
    p99 = latencies[int(0.99 * (total - 1))] if total else float("nan")
    print(
        f"load: {total} requests from {CLIENTS} clients in {SECONDS:.0f} s "
        f"({total / SECONDS:.0f}/s), {len(errors)} errors, p99 {p99 * 1000:.0f} ms"
    )
    if errors:
        print("  first errors: " + ", ".join(errors[:5]))
    print(f"load_errors: ratio {len(errors) / max(total, 1):.4f} (target 0)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())

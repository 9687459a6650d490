"""Benchmark: the first chart page in a fresh browser, against the sign-in page's first load.

Loads the 2014 demonstration programme into a PostgreSQL database of its
own, ``inspect_bench_first_load``, collects the static files as a deployment
does (hashed names, gzip copies) into a temporary folder, and serves the app
with gunicorn under production settings (``bench.dashboard.serve``). Then,
RUNS times each, Chromium opens in a fresh context (an empty cache):

- the sign-in page, until its load event (the floor: a page of HTML and CSS);
- the national programme page, signed in, until plotly has drawn its four
  charts (plotly.js, its 1.2 MB basic bundle or the 4.8 MB full one, arrives here
  for the first time).

It prints the bytes sent for plotly.js and then

    first_load: ratio R (target 3)

where R is the median chart-page time over the median sign-in time.
FIRST_LOAD_RUNS changes the number of runs (one under ``BENCH_SIZE=smoke``);
CHROMIUM_PATH the browser.
"""

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# bench.recompute reads the database name when imported: this benchmark's own.
os.environ.setdefault("BENCH_DATABASE", "inspect_bench_first_load")

from bench import dashboard, recompute, sized  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = sized(5, 1, "FIRST_LOAD_RUNS")
TARGET = 3
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
USERNAME = "lead"
CHART_PAGE = "/programmes/crime-recording-2014/"
# The browser tests' flags: headless, no sandbox, nothing fetched on its own.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def prepare(password):
    """A database holding the demo programme with its figures; returns its URL."""
    url = recompute.server_url()
    recompute.recreate_database(url)
    recompute.setup_django(url)
    from django.core.management import call_command

    from inspect_app.inspections.demo import load_demo

    call_command("migrate", verbosity=0)
    load_demo(password=password)
    return os.environ["DATABASE_URL"]


def collect_static(static_root):
    env = dict(os.environ, STATIC_ROOT=str(static_root), INSPECT_ENV_FILE="", DEBUG="true")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def sign_in_time(browser, base):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/accounts/login/", wait_until="load")
        return page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    finally:
        context.close()


def chart_page_time(browser, base, cookie):
    """Milliseconds from navigation to every chart drawn, and plotly.js's bytes on the wire."""
    context = browser.new_context()
    try:
        context.add_cookies(
            [
                {"name": name, "value": value, "url": base}
                for name, value in (part.split("=", 1) for part in cookie.split("; "))
            ]
        )
        page = context.new_page()
        page.goto(base + CHART_PAGE, wait_until="domcontentloaded")
        expected = page.locator("[data-chart-source]").count()
        page.wait_for_function(
            "n => document.querySelectorAll('[data-chart-drawn=\"true\"]').length === n",
            arg=expected,
            polling="raf",
            timeout=60_000,
        )
        elapsed = page.evaluate("performance.now()")
        timing = page.evaluate(
            """() => {
                const plotly = performance.getEntriesByType("resource")
                    .filter((entry) => entry.name.includes("/vendor/plotly"));
                return {
                    page: performance.getEntriesByType("navigation")[0].responseEnd,
                    plotly: Math.max(0, ...plotly.map((entry) => entry.responseEnd)),
                    sent: plotly.reduce((total, entry) => total + entry.transferSize, 0),
                };
            }"""
        )
        return elapsed, timing
    finally:
        context.close()


def main():
    from playwright.sync_api import sync_playwright

    password = secrets.token_urlsafe(24)
    database_url = prepare(password)
    with tempfile.TemporaryDirectory(prefix="first-load-static-") as static_root:
        collect_static(static_root)
        os.environ["STATIC_ROOT"] = static_root  # the server serves these copies
        server, port = dashboard.serve(database_url)
        base = f"http://127.0.0.1:{port}"
        try:
            cookie = dashboard.sign_in(port, password, username=USERNAME)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                sign_in_time(browser, base)  # warm the server's workers, not the browser
                chart_page_time(browser, base, cookie)
                floors = [sign_in_time(browser, base) for _ in range(RUNS)]
                loads = [chart_page_time(browser, base, cookie) for _ in range(RUNS)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    floor = statistics.median(floors)
    chart = statistics.median(elapsed for elapsed, _ in loads)
    sent = max(timing["sent"] for _, timing in loads)
    html = statistics.median(timing["page"] for _, timing in loads)
    fetched = statistics.median(timing["plotly"] for _, timing in loads)
    print(
        f"first_load: sign-in page {floor:.0f} ms; chart page {chart:.0f} ms (its HTML by "
        f"{html:.0f} ms, plotly.js by {fetched:.0f} ms, {sent / 1e6:.2f} MB sent; "
        f"medians of {RUNS})",
        flush=True,
    )
    print(f"first_load: ratio {chart / floor:.2f} (target {TARGET})")
    return 0 if sent > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

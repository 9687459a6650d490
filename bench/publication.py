"""Benchmark: published figures under load, and the force report's PDF against its page.

Builds (with ``bench.recompute``'s data builder) a programme of 43 forces in a
PostgreSQL database of its own, ``inspect_bench_publication``, signs off and publishes
Essex's inspection, and serves the app with gunicorn as ``bench.dashboard`` does. A
commissioner of Essex then reads, with CLIENTS client threads for SECONDS seconds each:
their force summary (the published version), the version's page, its CSV, and the
figures over the API with a personal token. The floor is the sign-in page. It prints

    publication_<page>: ratio R (target 0.5)

with R the page's throughput over the sign-in page's; published figures never change,
so they are cached for good. In-process it then times one force report's PDF against
rendering the same version's HTML page (best of RUNS; both read the version's rows as a
reader's request does, from the cache once read; the PDF is drawn afresh each time, its
charts as images, where the page leaves its charts to the browser):

    publication_pdf_seconds: ratio S (target 5)
    publication_pdf_over_html: ratio X (target 100)

BENCH_SIZE=smoke: 5,000 cases, 2 clients for 1 s. DASHBOARD_CLIENTS and
DASHBOARD_SECONDS change the load as for ``bench.dashboard``. The server has no Redis,
as in ``bench.dashboard``; PUBLICATION_BENCH_REDIS_URL gives it one, as production has
(which versions a reader may see is then kept in it: see docs/publication.md). The floor
and the clients are the same either way.
"""

import http.client
import os
import secrets
import sys
import time

os.environ.setdefault("BENCH_DATABASE", "inspect_bench_publication")

from bench import dashboard, sized  # noqa: E402

RATIO_TARGET = 0.5
PDF_SECONDS_TARGET = 5
PDF_OVER_HTML_TARGET = 100
RUNS = sized(5, 1)
COMMISSIONER = "bench-commissioner"
INSPECTION = "essex-bench"


def prepare(password):
    """The programme, Essex published, and a commissioner of Essex with a token."""
    database_url = dashboard.prepare(password)
    from django.utils import timezone

    from forces.models import Force
    from inspect_app.accounts.models import User
    from inspect_app.accounts.roles import Role
    from inspect_app.api import tokens
    from inspect_app.inspections.models import Inspection, InspectionStatus
    from inspect_app.publication.models import PublishedVersion
    from inspect_app.publication.publishing import publish

    inspection = Inspection.objects.get(slug=INSPECTION)
    lead = User.objects.get(username=dashboard.USERNAME)
    version = PublishedVersion.objects.filter(inspection=inspection).order_by("number").last()
    if version is None:
        Inspection.objects.filter(pk=inspection.pk).update(
            status=InspectionStatus.SIGNED_OFF, signed_off_by=lead, signed_off_at=timezone.now()
        )
        version = publish(Inspection.objects.get(pk=inspection.pk), lead)
    commissioner, _ = User.objects.get_or_create(
        username=COMMISSIONER,
        defaults={"role": Role.COMMISSIONER, "force": Force.objects.get(slug="essex")},
    )
    commissioner.set_password(password)
    commissioner.save()
    _, key = tokens.create(commissioner, "benchmark")
    return database_url, version, key


def pages(version):
    base = f"/inspections/{INSPECTION}/published/{version.number}"
    return {
        "force_summary": ("/forces/essex/", {}),
        "version_page": (f"{base}/", {}),
        "version_csv": (f"{base}.csv", {}),
    }


def time_pdf_against_html(version):
    """(seconds per PDF, seconds per HTML page), each the best of RUNS; the PDF drawn
    afresh, never its stored copy."""
    from django.template.loader import render_to_string

    from inspect_app.publication import reading, views
    from inspect_app.publication.report import force_report_pdf

    versions = list(reading.PublishedVersion.objects.filter(inspection=version.inspection))

    def best(work):
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return min(times)

    pdf = best(lambda: force_report_pdf(version))
    html = best(
        lambda: render_to_string(
            "publication/_version_body.html",
            views.version_context(version.inspection, version, versions, None),
        )
    )
    return pdf, html


def main():
    password = secrets.token_urlsafe(24)
    database_url, version, key = prepare(password)
    redis_url = os.environ.get("PUBLICATION_BENCH_REDIS_URL") or None
    server, port = dashboard.serve(database_url, redis_url=redis_url)
    print(f"publication: server {'with Redis' if redis_url else 'without Redis'}", flush=True)
    failed = False
    try:
        cookie = dashboard.sign_in(
            port, password, username=COMMISSIONER, code=dashboard._code_from_database(COMMISSIONER)
        )
        measured = {name: (path, {"Cookie": cookie}) for name, (path, _) in pages(version).items()}
        measured["api_figures"] = (
            f"/api/v1/inspections/{INSPECTION}/figures/",
            {"Authorization": f"Bearer {key}", "Accept": "application/json"},
        )
        for path, headers in [*measured.values(), ("/accounts/login/", {})]:  # warm up
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
            connection.close()
        floor, _, floor_seconds = dashboard.load(port, "/accounts/login/")
        floor_rate = len(floor) / floor_seconds
        print(f"publication: floor (sign-in page) {floor_rate:.0f}/s", flush=True)
        for name, (path, headers) in measured.items():
            latencies, errors, seconds = dashboard.load(port, path, headers=headers)
            rate = len(latencies) / seconds
            print(f"publication: {name} {rate:.0f}/s, {len(errors)} errors", flush=True)
            print(f"publication_{name}: ratio {rate / floor_rate:.3f} (target {RATIO_TARGET})")
            failed = failed or bool(errors)
    finally:
        server.terminate()
        server.wait(timeout=30)
    pdf, html = time_pdf_against_html(version)
    print(f"publication: one PDF {pdf:.3f} s, its HTML page {html * 1000:.1f} ms")
    print(f"publication_pdf_seconds: ratio {pdf:.3f} (target {PDF_SECONDS_TARGET})")
    print(f"publication_pdf_over_html: ratio {pdf / html:.1f} (target {PDF_OVER_HTML_TARGET})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the case page with its consultation entry against the same page without it.

Every view of a case leaves one audit entry (a ``consultation``, one INSERT), kept
page or not. The law asks for it; this says what it costs. In a PostgreSQL database
of its own, ``inspect_bench_audit_overhead``, it builds one inspection of CASES cases,
each with a first review, and has a lead inspector open case pages through Django's
test client, in process (no network between them, so the entry's share of the time is
as large as it can be). The kept copy of each page serves every view after the first,
which is the page at its fastest and so the hardest test.

ROUNDS times, REQUESTS pages are opened with the entry written and REQUESTS without
(``audit.consulted`` replaced by nothing), alternately, so both meet the same
machine. It prints the two medians per page and then

    audit_overhead: ratio R (target 1.1)

where R is the median time with the entry over the median without (at most 1.1:
no more than 10% slower). AUDIT_BENCH_ROUNDS, AUDIT_BENCH_REQUESTS and
AUDIT_BENCH_CASES change the bounds (``BENCH_SIZE=smoke``: 3 rounds of 20 over 200
cases). The server comes from DATABASE_URL when it is a PostgreSQL URL.
"""

import datetime
import os
import statistics
import sys
import time

# bench.recompute reads the database name when imported: this benchmark's own.
os.environ.setdefault("BENCH_DATABASE", "inspect_bench_audit_overhead")

from bench import recompute, sized  # noqa: E402

ROUNDS = sized(15, 3, "AUDIT_BENCH_ROUNDS")
REQUESTS = sized(200, 20, "AUDIT_BENCH_REQUESTS")
CASES = sized(2_000, 200, "AUDIT_BENCH_CASES")
TARGET = 1.1
SLUG = "essex-audit-bench"


def build():
    """An inspection under review, its lead, and CASES cases each with a first review."""
    from django.core.management import call_command
    from django.utils import timezone

    from forces.models import Force, OffenceGroup
    from inspect_app.accounts.models import User
    from inspect_app.accounts.roles import Role
    from inspect_app.inspections.decisions import RecordType
    from inspect_app.inspections.models import (
        CaseReview,
        Inspection,
        InspectionStatus,
        Programme,
        ReviewKind,
        SampledCase,
    )

    call_command("migrate", verbosity=0)
    programme = Programme.objects.create(slug="audit-bench", name="Audit benchmark")
    inspection = Inspection.objects.create(
        slug=SLUG,
        programme=programme,
        force=Force.objects.get(code="E23000028"),
        status=InspectionStatus.REVIEW,
    )
    lead = User.objects.create(username="bench-lead", role=Role.LEAD_INSPECTOR)
    group = OffenceGroup.objects.order_by("pk").first()
    reported = timezone.make_aware(datetime.datetime(2015, 11, 1))
    cases = SampledCase.objects.bulk_create(
        SampledCase(
            inspection=inspection,
            reference=f"AB-{number:06d}",
            record_type=RecordType.INCIDENT,
            reported_at=reported,
            offence_group=group,
            summary="Caller reports an incident; officers attended.",
            assigned_to=lead,
        )
        for number in range(CASES)
    )
    CaseReview.objects.bulk_create(
        CaseReview(
            case=case,
            kind=ReviewKind.FIRST,
            record_type=RecordType.INCIDENT,
            reviewer=lead,
            version=1,
            should_record=True,
            was_recorded=True,
            correctly_classified=True,
            on_time=True,
        )
        for case in cases
    )
    return inspection, lead, [case.pk for case in cases]


def timed(client, urls):
    """Seconds per page, opening each of ``urls`` once."""
    started = time.perf_counter()
    for url in urls:
        response = client.get(url, secure=True)  # production settings redirect to HTTPS
        if response.status_code != 200:
            raise SystemExit(f"audit_overhead: {url} answered {response.status_code}")
    return (time.perf_counter() - started) / len(urls)


def main():
    url = recompute.server_url()
    recompute.recreate_database(url)
    recompute.setup_django(url)
    from unittest import mock

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from inspect_app.accounts import audit
    from inspect_app.accounts.models import AuditEvent

    setup_test_environment()  # the test client's host is allowed
    inspection, lead, pks = build()
    client = Client()
    client.force_login(lead)
    # The password is skipped, not the second factor: a code from the lead's authenticator.
    from tests.authenticator import fresh_code_for

    response = client.post(reverse("second-factor"), {"code": fresh_code_for(lead)}, secure=True)
    if response.status_code != 302:
        raise RuntimeError(f"the second factor was refused: HTTP {response.status_code}")
    urls = [
        reverse("review-case", kwargs={"slug": SLUG, "pk": pks[n % len(pks)]})
        for n in range(REQUESTS)
    ]
    timed(client, urls)  # every page kept once, connections and caches warm
    with_entry, without = [], []
    entries_before = AuditEvent.objects.count()
    for _ in range(ROUNDS):
        with_entry.append(timed(client, urls))
        with mock.patch.object(audit, "consulted", lambda request, subject, **details: None):
            without.append(timed(client, urls))
    written = AuditEvent.objects.count() - entries_before
    if written != ROUNDS * REQUESTS:
        raise SystemExit(f"audit_overhead: {written} entries for {ROUNDS * REQUESTS} pages")
    slow, fast = statistics.median(with_entry), statistics.median(without)
    print(
        f"audit_overhead: case page {fast * 1000:.2f} ms without the entry, "
        f"{slow * 1000:.2f} ms with it ({written:,} entries written)"
    )
    print(f"audit_overhead: ratio {slow / fast:.3f} (target {TARGET})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

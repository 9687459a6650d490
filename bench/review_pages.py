"""Benchmark: the review pages of a 100,000-case inspection under load, against the sign-in page.

Builds, in a PostgreSQL database of its own (``inspect_bench_review_pages``),
one inspection of 100,000 cases in SQL: 95% assigned among eight
inspectors, 90% with a complete first review, the 10% double-review sample
drawn as the workflow draws it, with second reviewers named and 80% of its
second reviews made, about one pair in seven disagreeing, and half of those
adjudicated by a second lead inspector. It then serves the app the way
``bench.dashboard`` does (gunicorn, production settings) and loads each page
with CLIENTS client threads for SECONDS seconds:

    workspace_lead   the workspace as a lead inspector first sees it (every case)
    workspace_mine   an inspector's "Assigned to me" queue
    case             a double-reviewed case's page, as a lead inspector sees it
    agreement        the agreement between the blind reviews

The floor is the sign-in page, loaded the same way. For each page it prints

    review_<page>: ratio R (target 0.25)
    review_<page>_p99: ratio P (target 1)

where R is the page's throughput over the sign-in page's and P is 250 ms
over the page's 99th-percentile latency (1 or more: p99 within 250 ms).

REVIEW_BENCH_CLIENTS, REVIEW_BENCH_SECONDS and REVIEW_BENCH_CASES change
the bounds and the size (``BENCH_SIZE=smoke``: 3,000 cases, 2 clients for
1 s); BENCH_REUSE=1 keeps a database built by an earlier
run of the same size. The server comes from DATABASE_URL when it is a
PostgreSQL URL (see ``bench.recompute.server_url``).
"""

import http.client
import os
import secrets
import sys
import time

# bench.recompute reads the database name when imported: this benchmark's own.
os.environ.setdefault("BENCH_DATABASE", "inspect_bench_review_pages")

from bench import dashboard, recompute, sized  # noqa: E402

CLIENTS = sized(16, 2, "REVIEW_BENCH_CLIENTS")
SECONDS = sized(30.0, 1.0, "REVIEW_BENCH_SECONDS", float)
CASES = sized(100_000, 3_000, "REVIEW_BENCH_CASES")
RATIO_TARGET = 0.25
P99_TARGET_MS = 250
SLUG = "essex-review-bench"
LEAD = "bench-lead"
INSPECTOR = "bench-inspector-0"
INSPECTORS = 8
SHARE = "0.100"

# Case g: assigned to inspector g mod 8 except one in twenty (nobody); first
# review complete unless g mod 10 is 9 (so the unassigned are unreviewed too).
CASES_SQL = """
WITH groups AS (SELECT array_agg(id ORDER BY id) AS ids FROM forces_offencegroup)
INSERT INTO inspections_sampledcase
    (inspection_id, reference, record_type, reported_at, offence_group_id, summary,
     assigned_to_id, created_at, updated_at)
SELECT %(inspection)s,
       'RB-' || lpad(g::text, 6, '0'),
       kind.record_type,
       timestamptz '2015-11-01 00:00+00' + (g %% 260000) * interval '1 minute',
       CASE WHEN kind.record_type IN ('no_crime', 'oocd') OR g %% 10 <> 0
            THEN groups.ids[1 + (g / 7) %% cardinality(groups.ids)] END,
       'Caller reports an incident; officers attended.',
       CASE WHEN g %% 20 <> 19 THEN (%(inspectors)s::bigint[])[1 + g %% 8] END,
       now(), now()
FROM generate_series(0, %(cases)s - 1) AS g
CROSS JOIN groups
CROSS JOIN LATERAL (
    SELECT CASE WHEN g %% 20 < 13 THEN 'incident'
                WHEN g %% 20 < 17 THEN 'other_system'
                WHEN g %% 20 < 19 THEN 'no_crime'
                ELSE 'oocd' END AS record_type
) AS kind
"""

FIRST_REVIEWS_SQL = """
INSERT INTO inspections_casereview
    (case_id, kind, record_type, reviewer_id, should_record, was_recorded, correctly_classified,
     on_time, cancellation_correct, victim_informed, disposal_appropriate, notes, version,
     created_at, updated_at)
SELECT id, 'first', record_type, assigned_to_id,
       CASE WHEN crime THEN should END,
       CASE WHEN crime AND should THEN recorded END,
       CASE WHEN crime AND should AND recorded THEN r3 < 0.94 END,
       CASE WHEN crime AND should AND recorded THEN r4 < 0.91 END,
       CASE WHEN record_type = 'no_crime' THEN r3 < 0.8 END,
       CASE WHEN record_type = 'no_crime' THEN r4 < 0.8 END,
       CASE WHEN record_type = 'oocd' THEN r3 < 0.86 END,
       '', 1, now(), now()
FROM (
    SELECT c.id, c.record_type, c.assigned_to_id,
           c.record_type IN ('incident', 'other_system') AS crime,
           random() < 0.85 AS should, random() < 0.8 AS recorded,
           random() AS r3, random() AS r4
    FROM inspections_sampledcase c
    WHERE c.inspection_id = %(inspection)s AND c.assigned_to_id IS NOT NULL
      AND substring(c.reference FROM 4)::int %% 10 <> 9
) AS drawn
"""

# The sample as the workflow draws it (the function and its index come with the
# migrations); its reviewed cases get a second reviewer, the next inspector along.
SECOND_REVIEWERS_SQL = """
UPDATE inspections_sampledcase c
SET second_reviewer_id =
    (%(inspectors)s::bigint[])[1 + (substring(c.reference FROM 4)::int + 1) %% 8]
WHERE c.inspection_id = %(inspection)s
  AND inspections_review_draw(c.inspection_id, c.reference) < %(limit)s
  AND EXISTS (SELECT 1 FROM inspections_casereview f WHERE f.case_id = c.id AND f.kind = 'first')
"""

# Four second reviews in five; one in seven changes an answer nothing depends on.
SECOND_REVIEWS_SQL = """
INSERT INTO inspections_casereview
    (case_id, kind, record_type, reviewer_id, should_record, was_recorded, correctly_classified,
     on_time, cancellation_correct, victim_informed, disposal_appropriate, notes, version,
     created_at, updated_at)
SELECT f.case_id, 'second', f.record_type, c.second_reviewer_id,
       f.should_record, f.was_recorded, f.correctly_classified,
       CASE WHEN c.id %% 7 = 0 AND f.on_time IS NOT NULL THEN NOT f.on_time ELSE f.on_time END,
       f.cancellation_correct,
       CASE WHEN c.id %% 7 = 0 AND f.victim_informed IS NOT NULL
            THEN NOT f.victim_informed ELSE f.victim_informed END,
       CASE WHEN c.id %% 7 = 0 AND f.disposal_appropriate IS NOT NULL
            THEN NOT f.disposal_appropriate ELSE f.disposal_appropriate END,
       '', 1, now(), now()
FROM inspections_casereview f
JOIN inspections_sampledcase c ON c.id = f.case_id
WHERE c.inspection_id = %(inspection)s AND f.kind = 'first'
  AND c.second_reviewer_id IS NOT NULL AND c.id %% 5 <> 0
"""

# Half the disagreements adjudicated, siding with the first review.
ADJUDICATIONS_SQL = """
INSERT INTO inspections_casereview
    (case_id, kind, record_type, reviewer_id, should_record, was_recorded, correctly_classified,
     on_time, cancellation_correct, victim_informed, disposal_appropriate, notes, version,
     created_at, updated_at)
SELECT f.case_id, 'adjudicated', f.record_type, %(adjudicator)s,
       f.should_record, f.was_recorded, f.correctly_classified, f.on_time,
       f.cancellation_correct, f.victim_informed, f.disposal_appropriate,
       'The first review stands.', 1, now(), now()
FROM inspections_casereview f
JOIN inspections_casereview s ON s.case_id = f.case_id AND s.kind = 'second'
JOIN inspections_sampledcase c ON c.id = f.case_id
WHERE c.inspection_id = %(inspection)s AND f.kind = 'first' AND f.case_id %% 2 = 0
  AND (f.on_time IS DISTINCT FROM s.on_time
       OR f.victim_informed IS DISTINCT FROM s.victim_informed
       OR f.disposal_appropriate IS DISTINCT FROM s.disposal_appropriate)
"""


def build():
    """The inspection, its team and its cases and reviews; returns the inspection."""
    from django.core.management import call_command
    from django.db import connection

    from forces.models import Force
    from inspect_app.accounts.models import User
    from inspect_app.accounts.roles import Role
    from inspect_app.inspections.models import Inspection, InspectionStatus, Programme
    from inspect_app.inspections.workflow import sample

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    programme = Programme.objects.create(slug="review-bench", name="Review benchmark")
    inspection = Inspection.objects.create(
        slug=SLUG,
        programme=programme,
        force=Force.objects.get(code="E23000028"),
        status=InspectionStatus.REVIEW,
        double_review_fraction=SHARE,
    )
    inspectors = [
        User.objects.create(username=f"bench-inspector-{n}", role=Role.INSPECTOR)
        for n in range(INSPECTORS)
    ]
    User.objects.create(username=LEAD, role=Role.LEAD_INSPECTOR)
    adjudicator = User.objects.create(username="bench-lead-2", role=Role.LEAD_INSPECTOR)
    inspection.inspectors.add(*inspectors)
    limit = sample._first_key_outside(float(SHARE)).to_bytes(8, "big")
    values = {
        "inspection": inspection.pk,
        "inspectors": [user.pk for user in inspectors],
        "cases": CASES,
        "limit": limit,
        "adjudicator": adjudicator.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2015)")
        for statement in (
            CASES_SQL,
            FIRST_REVIEWS_SQL,
            SECOND_REVIEWERS_SQL,
            SECOND_REVIEWS_SQL,
            ADJUDICATIONS_SQL,
        ):
            cursor.execute(statement, values)
        # As autovacuum would leave it: statistics for the planner, visibility map.
        cursor.execute("VACUUM ANALYZE")
    print(
        f"review_pages: built {CASES:,} cases in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return inspection


def existing_inspection():
    from inspect_app.inspections.models import Inspection

    inspection = Inspection.objects.filter(slug=SLUG).first()
    if inspection is not None and inspection.cases.count() == CASES:
        return inspection
    return None


def prepare(password):
    """The database with its inspection, the two people signed in, and the pages' paths."""
    url = recompute.server_url()
    reuse = os.environ.get("BENCH_REUSE") == "1" and recompute.database_exists(url)
    if not reuse:
        recompute.recreate_database(url)
    recompute.setup_django(url)

    from inspect_app.accounts.models import User
    from inspect_app.inspections.models import CaseReview, ReviewKind

    inspection = existing_inspection() if reuse else None
    if inspection is None:
        if reuse:
            from django.db import connection

            connection.close()
            recompute.recreate_database(url)
        inspection = build()
    for username in (LEAD, INSPECTOR):
        user = User.objects.get(username=username)
        user.set_password(password)
        user.save()
    # A case with both blind reviews, from the middle of the inspection.
    pairs = CaseReview.objects.filter(case__inspection=inspection, kind=ReviewKind.SECOND)
    case_id = pairs.order_by("case__reference").values_list("case_id", flat=True)[
        pairs.count() // 2
    ]
    pages = {
        "workspace_lead": (LEAD, f"/inspections/{SLUG}/workspace/"),
        "workspace_mine": (INSPECTOR, f"/inspections/{SLUG}/workspace/?queue=mine"),
        "case": (LEAD, f"/inspections/{SLUG}/cases/{case_id}/"),
        "agreement": (LEAD, f"/inspections/{SLUG}/agreement/"),
    }
    return os.environ["DATABASE_URL"], pages


def warm(port, path, cookie):
    """A few requests on fresh connections, so every worker has served the page once."""
    for _ in range(8):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")


def main():
    password = secrets.token_urlsafe(24)
    database_url, pages = prepare(password)
    server, port = dashboard.serve(database_url)
    bounds = {"clients": CLIENTS, "seconds": SECONDS}
    failed = False
    try:
        cookies = {name: dashboard.sign_in(port, password, name) for name in (LEAD, INSPECTOR)}
        warm(port, "/accounts/login/", None)
        for username, path in pages.values():
            warm(port, path, cookies[username])
        floor, floor_errors, floor_seconds = dashboard.load(port, "/accounts/login/", **bounds)
        floor_rate = len(floor) / floor_seconds
        print(
            f"review_pages: floor (sign-in page) {len(floor)} requests, {floor_rate:.0f}/s, "
            f"p99 {dashboard.p99(floor) * 1000:.0f} ms, {len(floor_errors)} errors",
            flush=True,
        )
        for name, (username, path) in pages.items():
            latencies, errors, seconds = dashboard.load(port, path, cookies[username], **bounds)
            rate = len(latencies) / seconds
            p99_ms = dashboard.p99(latencies) * 1000
            print(
                f"review_pages: {name} {len(latencies)} requests, {rate:.0f}/s, "
                f"p99 {p99_ms:.0f} ms, {len(errors)} errors",
                flush=True,
            )
            print(f"review_{name}: ratio {rate / floor_rate:.3f} (target {RATIO_TARGET})")
            print(f"review_{name}_p99: ratio {P99_TARGET_MS / p99_ms:.2f} (target 1)", flush=True)
            failed = failed or bool(errors)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

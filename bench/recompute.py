"""Benchmark: recomputing a programme's figures from a million reviewed cases.

Builds, in a PostgreSQL database of its own (``inspect_bench``, dropped and
created afresh), a programme of 43 forces with 1,000,000 sampled cases, a
first review of each, a blind second review of one in ten and an adjudicated
review of one in thirty; two batches per inspection, one of them withdrawn.
It then times the real recompute (``figures.recompute_programme``: count,
roll up, replace the stored set) against a floor: one hand-written SQL
GROUP BY that counts the same numerators and denominators from the same rows
and does nothing else. It prints

    recompute: ratio R (target 3)

where R is recompute time / floor time (the best of five runs each), and the
recompute's peak memory.

The server comes from DATABASE_URL when that is a PostgreSQL URL, otherwise
postgres://postgres@127.0.0.1:5432/bench; only the database name is replaced.
BENCH_CASES changes the number of cases (5,000 under ``BENCH_SIZE=smoke``, with
one run each); BENCH_REUSE=1 keeps a database built by an earlier run of the
same size; BENCH_DATABASE names the database.
"""

import os
import resource
import secrets
import sys
import time
import tracemalloc
from urllib.parse import urlsplit, urlunsplit

from bench import sized

TARGET = 3
RUNS = sized(5, 1)
CASES = sized(1_000_000, 5_000, "BENCH_CASES")
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "inspect_bench")
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/bench"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
PROGRAMME_SLUG = "bench-recompute"


def server_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in POSTGRES_SCHEMES else DEFAULT_SERVER


def with_database(url, name):
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def connect_maintenance(url):
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    return connection


def database_exists(url):
    connection = connect_maintenance(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def recreate_database(url):
    from psycopg2 import sql

    connection = connect_maintenance(url)
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(BENCH_DATABASE)
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        connection.close()


def setup_django(url):
    # Settings are read at import, so the environment is set first; no Redis,
    # so nothing is queued to a real worker.
    os.environ["DATABASE_URL"] = with_database(url, BENCH_DATABASE)
    os.environ.pop("REDIS_URL", None)
    os.environ["DEBUG"] = "false"  # as in production: no query log kept in memory
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # only the benchmark's own lines
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspect_app.settings")
    import django

    django.setup()


# --- building the data ----------------------------------------------------------------------

CASES_SQL = """
WITH inspections AS (
    SELECT array_agg(i.id ORDER BY i.id) AS ids,
           array_agg(kept.id ORDER BY i.id) AS kept_batches,
           array_agg(withdrawn.id ORDER BY i.id) AS withdrawn_batches
    FROM inspections_inspection i
    JOIN inspections_samplebatch kept ON kept.inspection_id = i.id AND kept.status = 'imported'
    JOIN inspections_samplebatch withdrawn
        ON withdrawn.inspection_id = i.id AND withdrawn.status = 'withdrawn'
    WHERE i.programme_id = %(programme)s
), groups AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM forces_offencegroup
)
INSERT INTO inspections_sampledcase
    (inspection_id, batch_id, reference, record_type, reported_at, offence_group_id, summary,
     created_at, updated_at)
SELECT inspections.ids[1 + g %% cardinality(inspections.ids)],
       CASE WHEN (g / 43) %% 100 = 0
            THEN inspections.withdrawn_batches[1 + g %% cardinality(inspections.ids)]
            ELSE inspections.kept_batches[1 + g %% cardinality(inspections.ids)] END,
       'BENCH-' || g,
       kind.record_type,
       timestamptz '2013-01-01 00:00+00' + (g %% 525600) * interval '1 minute',
       CASE WHEN kind.record_type IN ('no_crime', 'oocd') OR g %% 10 <> 0
            THEN groups.ids[1 + (g / 43) %% cardinality(groups.ids)] END,
       '',
       now(),
       now()
FROM generate_series(0, %(cases)s - 1) AS g
CROSS JOIN inspections
CROSS JOIN groups
CROSS JOIN LATERAL (
    SELECT CASE WHEN g %% 20 < 13 THEN 'incident'
                WHEN g %% 20 < 17 THEN 'other_system'
                WHEN g %% 20 < 19 THEN 'no_crime'
                ELSE 'oocd' END AS record_type
) AS kind
"""

# Decisions drawn at random but always consistent (the table's check
# constraints refuse any other); each force records at its own rate.
REVIEWS_SQL = """
WITH groups AS (SELECT array_agg(id ORDER BY id) AS ids FROM forces_offencegroup)
INSERT INTO inspections_casereview
    (case_id, kind, record_type, reviewer_id, should_record, was_recorded, correctly_classified,
     on_time, cancellation_correct, victim_informed, disposal_appropriate,
     corrected_offence_group_id, notes, version, created_at, updated_at)
SELECT drawn.id, %(kind)s, drawn.record_type, %(reviewer)s,
       CASE WHEN crime THEN should END,
       CASE WHEN crime AND should AND decided THEN recorded END,
       CASE WHEN crime AND should AND decided AND recorded THEN r3 < 0.94 END,
       CASE WHEN crime AND should AND decided AND recorded THEN r4 < 0.91 END,
       CASE WHEN drawn.record_type = 'no_crime' THEN r2 < 0.8 END,
       CASE WHEN drawn.record_type = 'no_crime' THEN r3 < 0.8 END,
       CASE WHEN drawn.record_type = 'oocd' THEN r2 < 0.86 END,
       CASE WHEN r5 < 0.02 THEN groups.ids[1 + floor(r5 * 50 * cardinality(groups.ids))::int] END,
       '', 1, now(), now()
FROM (
    SELECT c.id, c.record_type,
           c.record_type IN ('incident', 'other_system') AS crime,
           random() < 0.85 AS should,
           random() < 0.98 AS decided,
           random() < 0.72 + 0.025 * (c.inspection_id %% 10) AS recorded,
           random() AS r2, random() AS r3, random() AS r4, random() AS r5
    FROM inspections_sampledcase c
    JOIN inspections_inspection i ON i.id = c.inspection_id
    WHERE i.programme_id = %(programme)s AND c.id %% %(every)s = 0
) AS drawn
CROSS JOIN groups
"""

REVIEW_KINDS = (("first", 1), ("second", 10), ("adjudicated", 30))


def build(programme_slug):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from forces.models import Force
    from inspect_app.accounts.models import User
    from inspect_app.accounts.roles import Role
    from inspect_app.inspections.models import Inspection, Programme, SampleBatch

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    programme = Programme.objects.create(slug=programme_slug, name="Benchmark programme")
    reviewer = User.objects.create(username="bench-inspector", role=Role.INSPECTOR)
    forces = list(Force.objects.order_by("code"))
    inspections = Inspection.objects.bulk_create(
        Inspection(slug=f"{force.slug}-bench", programme=programme, force=force) for force in forces
    )
    batches = []
    for inspection in inspections:  # most cases in a live batch, 1% in a withdrawn one
        for status, withdrawn_at in (("imported", None), ("withdrawn", timezone.now())):
            batches.append(
                SampleBatch(
                    inspection=inspection,
                    original_filename=f"{inspection.slug}-{status}.csv",
                    content_sha256=f"{len(batches):064x}",
                    status=status,
                    withdrawn_at=withdrawn_at,
                )
            )
    SampleBatch.objects.bulk_create(batches)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2014)")
        cursor.execute(CASES_SQL, {"programme": programme.pk, "cases": CASES})
        for kind, every in REVIEW_KINDS:
            cursor.execute(
                REVIEWS_SQL,
                {"programme": programme.pk, "kind": kind, "every": every, "reviewer": reviewer.pk},
            )
        # As autovacuum would leave it: statistics for the planner, visibility map.
        cursor.execute("VACUUM ANALYZE")
    print(
        f"recompute: built {CASES:,} cases across {len(forces)} forces in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return programme


def existing_programme():
    from inspect_app.inspections.models import Programme, SampledCase

    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    if programme and SampledCase.objects.filter(inspection__programme=programme).count() == CASES:
        return programme
    return None


# --- the floor ------------------------------------------------------------------------------

# The same rules as figures.counting_reviews and figures.METRIC_RULES, by hand.
FLOOR_SQL = """
SELECT c.inspection_id,
       COALESCE(r.corrected_offence_group_id, c.offence_group_id) AS offence_group_id,
       count(*) FILTER (WHERE r.record_type IN ('incident', 'other_system')
                        AND r.should_record AND r.was_recorded) AS recording_k,
       count(*) FILTER (WHERE r.record_type IN ('incident', 'other_system')
                        AND r.should_record AND r.was_recorded IS NOT NULL) AS recording_n,
       count(*) FILTER (WHERE r.record_type IN ('incident', 'other_system')
                        AND r.was_recorded AND r.correctly_classified) AS classification_k,
       count(*) FILTER (WHERE r.record_type IN ('incident', 'other_system')
                        AND r.was_recorded AND r.correctly_classified IS NOT NULL)
                        AS classification_n,
       count(*) FILTER (WHERE r.record_type IN ('incident', 'other_system')
                        AND r.was_recorded AND r.on_time) AS timeliness_k,
       count(*) FILTER (WHERE r.record_type IN ('incident', 'other_system')
                        AND r.was_recorded AND r.on_time IS NOT NULL) AS timeliness_n,
       count(*) FILTER (WHERE r.record_type = 'no_crime' AND r.cancellation_correct)
                        AS no_crime_k,
       count(*) FILTER (WHERE r.record_type = 'no_crime' AND r.cancellation_correct IS NOT NULL)
                        AS no_crime_n,
       count(*) FILTER (WHERE r.record_type = 'no_crime' AND r.victim_informed) AS victim_k,
       count(*) FILTER (WHERE r.record_type = 'no_crime' AND r.victim_informed IS NOT NULL)
                        AS victim_n,
       count(*) FILTER (WHERE r.record_type = 'oocd' AND r.disposal_appropriate) AS disposal_k,
       count(*) FILTER (WHERE r.record_type = 'oocd' AND r.disposal_appropriate IS NOT NULL)
                        AS disposal_n
FROM inspections_casereview r
JOIN inspections_sampledcase c ON c.id = r.case_id
JOIN inspections_inspection i ON i.id = c.inspection_id
LEFT JOIN inspections_samplebatch b ON b.id = c.batch_id
WHERE i.programme_id = %s
  AND r.kind IN ('first', 'adjudicated')
  AND b.status IS DISTINCT FROM 'withdrawn'
  AND NOT EXISTS (
      SELECT 1 FROM inspections_casereview a
      WHERE a.case_id = r.case_id AND a.kind = 'adjudicated' AND a.id <> r.id
  )
GROUP BY 1, 2
"""


def run_floor(programme_id):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [programme_id])
        return cursor.fetchall()


def best_times(*timed):
    """The best of RUNS timings of each (function, argument) pair, taken in turn.

    Taking them in turn, rather than all of one then all of the other, keeps
    a slow patch of the machine (another process, a checkpoint) from landing
    on one side only.
    """
    best = [float("inf")] * len(timed)
    for _ in range(RUNS):
        for position, (function, argument) in enumerate(timed):
            started = time.perf_counter()
            function(argument)
            best[position] = min(best[position], time.perf_counter() - started)
    return best


def check_agreement(programme_id, floor_rows):
    """The stored inspection figures must equal the floor's counts, or the race is void."""
    from collections import Counter

    from inspect_app.compliance.models import ComplianceFigure, Metric, Scope

    expected = Counter()
    for row in floor_rows:
        expected[row[0], "k"] += row[2]
        expected[row[0], "n"] += row[3]
    stored = ComplianceFigure.objects.filter(
        programme_id=programme_id, scope=Scope.INSPECTION, metric=Metric.RECORDING_RATE
    )
    found = Counter()
    for figure in stored:
        found[figure.inspection_id, "k"] += figure.numerator
        found[figure.inspection_id, "n"] += figure.denominator
    return found == expected


def main():
    url = server_url()
    reuse = os.environ.get("BENCH_REUSE") == "1" and database_exists(url)
    if not reuse:
        recreate_database(url)
    setup_django(url)

    from django.db import connection

    from inspect_app.compliance import figures

    programme = existing_programme() if reuse else None
    if programme is None:
        if reuse:  # built for another size: start again
            connection.close()
            recreate_database(url)
        programme = build(PROGRAMME_SLUG)

    # Warm both (caches, plans) before timing either.
    floor_rows = run_floor(programme.pk)
    stored = figures.recompute_programme(programme.pk)
    if not check_agreement(programme.pk, floor_rows):
        print("recompute: stored figures differ from the floor's counts", file=sys.stderr)
        return 1

    floor_seconds, recompute_seconds = best_times(
        (run_floor, programme.pk), (figures.recompute_programme, programme.pk)
    )

    tracemalloc.start()
    figures.recompute_programme(programme.pk)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    resident_peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inspections_casereview")
        (reviews,) = cursor.fetchone()
    print(
        f"recompute: {CASES:,} cases, {reviews:,} reviews, {stored:,} figures stored; "
        f"recompute {recompute_seconds:.3f} s, floor (one SQL GROUP BY) {floor_seconds:.3f} s "
        f"(best of {RUNS})"
    )
    print(
        f"recompute: peak memory {traced_peak / 2**20:.1f} MiB allocated by Python during a "
        f"recompute; process peak resident {resident_peak_kb / 1024:.0f} MiB"
    )
    print(f"recompute: ratio {recompute_seconds / floor_seconds:.2f} (target {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

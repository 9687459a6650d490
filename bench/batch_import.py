"""Benchmark: importing a sample batch, against PostgreSQL's COPY of the same rows.

``main()`` prints two lines:

* ``batch_import: ratio R (target 3)`` — seconds to validate and import a
  100,000-row CSV with decisions (``receiving.receive`` + ``processing.process_batch``,
  the path an upload takes) over seconds for PostgreSQL to COPY the same
  rows into equivalent tables: the cases and reviews the import wrote,
  copied into tables made ``LIKE`` the real ones (the same columns, types,
  checks, indexes and foreign keys). The floor is what the database itself
  needs to store these rows as the project stores them; the ratio is what
  reading, checking, staging and the review history cost on top. Each side
  is the median of three runs;
* ``batch_import_memory: ratio R (target 1.2)`` — peak resident memory of an
  import of 1,000,000 rows over that of 100,000 rows (the median of the speed
  runs): streaming means the first is barely bigger. The ``#`` line beside it
  gives the peak of a 10-row import too: most of the peak is the Django
  process itself, and it moves by some 20 MB from process to process
  whatever the file's size.

A ``#`` line also gives the COPY of the CSV file into a bare table (text and
boolean columns, no key, index or check): no path that writes tables with
keys and constraints comes near it, so it is shown, not targeted.

Each import runs in a fresh subprocess (``--child``) so its peak memory
(``ru_maxrss``) is its own. It uses a database of its own,
``inspect_bench_import`` on ``BENCH_POSTGRES`` (default
postgres://postgres@127.0.0.1:5432), created and migrated if missing.
``BENCH_SIZE=smoke`` imports 2,000 rows once, and 10,000 for the memory ratio.
"""

import csv
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import sized

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "inspect_bench_import"
SPEED_ROWS = sized(100_000, 2_000)
MEMORY_ROWS = (SPEED_ROWS, sized(1_000_000, 10_000))
BASELINE_ROWS = 10
RUNS = sized(3, 1)
TIME_TARGET = 3
MEMORY_TARGET = 1.2
REVIEWER = "bench-inspector"
HEADER = (
    "reference",
    "record_type",
    "reported_at",
    "offence_group",
    "summary",
    "should_record",
    "was_recorded",
    "correctly_classified",
    "on_time",
    "cancellation_correct",
    "victim_informed",
    "reviewer",
    "review_notes",
)
BARE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_floor_batch (
    reference varchar(64), record_type varchar(20), reported_at timestamptz,
    offence_group text, summary text,
    should_record boolean, was_recorded boolean, correctly_classified boolean, on_time boolean,
    cancellation_correct boolean, victim_informed boolean, reviewer text, review_notes text
)
"""


def child_environment():
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # tasks in-process; the benchmark stubs the recompute out
    env.update(
        DATABASE_URL=f"{SERVER}/{DATABASE}",
        DJANGO_SETTINGS_MODULE="inspect_app.settings",
        INSPECT_ENV_FILE="",
        # As in production: DEBUG off (it would keep every query's text).
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_COOKIES="false",
        # One folder for every run: an import deletes its file when it is done.
        MEDIA_ROOT=os.path.join(tempfile.gettempdir(), "inspect-bench-batch-media"),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


def ensure_database():
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=child_environment(),
        check=True,
    )


def write_batch_file(path, rows):
    """A CSV of ``rows`` reviewed records: ISO dates (so COPY reads them too), decisions."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            day, minute = 1 + n % 28, n % 60
            if n % 10 == 9:
                writer.writerow(
                    (
                        f"NC-{n:07d}",
                        "no_crime",
                        f"2014-02-{day:02d} 10:{minute:02d}",
                        "VAP",
                        f"Crime {n} cancelled after further information.",
                        "",
                        "",
                        "",
                        "",
                        "yes",
                        "no" if n % 3 else "yes",
                        REVIEWER,
                        "",
                    )
                )
            else:
                recorded = "yes" if n % 5 else "no"
                writer.writerow(
                    (
                        f"INC-{n:07d}",
                        "incident",
                        f"2014-03-{day:02d} 14:{minute:02d}",
                        "",
                        f"Caller reports incident {n} outside a shop on the high street",
                        "yes",
                        recorded,
                        recorded if recorded == "yes" else "",
                        "yes" if recorded == "yes" else "",
                        "",
                        "",
                        REVIEWER,
                        "checked" if n % 7 == 0 else "",
                    )
                )


def run_child(path):
    """Import ``path`` in a fresh process; returns its seconds, peak memory and count."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(path)],
        cwd=ROOT,
        env=child_environment(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the import of {path} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def copy_into_bare_table(path):
    """Seconds for PostgreSQL to COPY the file into a bare table of the same columns."""
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/{DATABASE}")
    try:
        with connection.cursor() as cursor:
            cursor.execute(BARE_TABLE)
            cursor.execute("TRUNCATE bench_floor_batch")
            connection.commit()
            started = time.perf_counter()
            with open(path, encoding="utf-8") as handle:
                cursor.copy_expert(
                    "COPY bench_floor_batch FROM STDIN WITH (FORMAT csv, HEADER true)", handle
                )
            connection.commit()
            return time.perf_counter() - started
    finally:
        connection.close()


#: The tables an import fills, and the stand-ins the floor COPYs into.
EQUIVALENTS = {
    "inspections_sampledcase": "bench_floor_case",
    "inspections_casereview": "bench_floor_review",
}


def make_equivalent_tables(cursor):
    """Empty tables like the cases and reviews tables: columns, checks, indexes, foreign keys.

    ``LIKE … INCLUDING ALL`` copies all but the foreign keys; those are added
    from the catalogue, the reviews' key to cases pointing at the stand-in.
    """
    for stand_in in reversed(EQUIVALENTS.values()):
        cursor.execute(f"DROP TABLE IF EXISTS {stand_in}")
    for table, stand_in in EQUIVALENTS.items():
        cursor.execute(f"CREATE TABLE {stand_in} (LIKE {table} INCLUDING ALL)")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = %s::regclass",
            [table],
        )
        for (definition,) in cursor.fetchall():
            for real, other in EQUIVALENTS.items():
                definition = definition.replace(f"REFERENCES {real}(", f"REFERENCES {other}(")
            cursor.execute(f"ALTER TABLE {stand_in} ADD {definition}")


def copy_into_equivalent_tables(batch_id):
    """Seconds for PostgreSQL to COPY the batch's cases and reviews into equivalent tables.

    The rows are the ones the import stored, read back in COPY's own format;
    the timed part is the two COPYs and their commit (where the deferred
    foreign-key checks run, as they do for the import).
    """
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/{DATABASE}")
    try:
        with connection.cursor() as cursor:
            rows = {}
            for table, condition in (
                ("inspections_sampledcase", f"batch_id = {int(batch_id)}"),
                (
                    "inspections_casereview",
                    "case_id IN (SELECT id FROM inspections_sampledcase "
                    f"WHERE batch_id = {int(batch_id)})",
                ),
            ):
                rows[table] = io.StringIO()
                cursor.copy_expert(
                    f"COPY (SELECT * FROM {table} WHERE {condition} ORDER BY id) TO STDOUT",
                    rows[table],
                )
            make_equivalent_tables(cursor)
            connection.commit()
            started = time.perf_counter()
            for table, stand_in in EQUIVALENTS.items():
                rows[table].seek(0)
                cursor.copy_expert(f"COPY {stand_in} FROM STDIN", rows[table])
            connection.commit()
            seconds = time.perf_counter() - started
            for stand_in in reversed(EQUIVALENTS.values()):
                cursor.execute(f"DROP TABLE {stand_in}")
            connection.commit()
            return seconds
    finally:
        connection.close()


def child(path):
    """In the subprocess: a clean inspection, then the upload's own path, timed."""
    import resource
    from unittest import mock

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # A million rows is about 110 MB: above the upload limit, which is not
    # what this measures.
    settings.BATCH_MAX_BYTES = 1 << 31

    from forces.models import Force
    from inspect_app.accounts.models import User
    from inspect_app.accounts.roles import Role
    from inspect_app.compliance import tasks as compliance_tasks
    from inspect_app.inspections.models import Inspection, Programme
    from inspect_app.uploads import processing, receiving

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inspections_historicalcasereview, inspections_casereview, "
            "inspections_sampledcase, inspections_samplebatch CASCADE"
        )
    programme, _ = Programme.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    inspection, _ = Inspection.objects.get_or_create(
        slug="bench-essex", defaults={"programme": programme, "force": Force.objects.first()}
    )
    reviewer, _ = User.objects.get_or_create(username=REVIEWER, defaults={"role": Role.INSPECTOR})
    inspection.inspectors.add(reviewer)

    # The figures' recompute is another benchmark's business.
    with mock.patch.object(compliance_tasks.recompute_programme_figures, "apply_async"):
        started = time.perf_counter()
        batch = receiving.receive(inspection, path, filename=os.path.basename(path))
        outcome = processing.process_batch(batch.pk)
        seconds = time.perf_counter() - started
    if not outcome.ok:
        raise SystemExit(f"the benchmark file did not import: {outcome.errors[:5]}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_kb": peak_kb,
                "imported": outcome.imported,
                "batch": outcome.batch.pk,
            }
        )
    )


def main():
    ensure_database()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        files = {}
        for rows in sorted({BASELINE_ROWS, SPEED_ROWS, *MEMORY_ROWS}):
            files[rows] = Path(folder) / f"batch-{rows}.csv"
            write_batch_file(files[rows], rows)

        imports, floors, speed_peaks = [], [], []
        for _ in range(RUNS):
            speed = run_child(files[SPEED_ROWS])
            imports.append(speed["seconds"])
            speed_peaks.append(speed["peak_kb"])
            floors.append(copy_into_equivalent_tables(speed["batch"]))
        bare = statistics.median(copy_into_bare_table(files[SPEED_ROWS]) for _ in range(RUNS))
        seconds, floor = statistics.median(imports), statistics.median(floors)
        print(
            f"# {SPEED_ROWS:,} rows, median of {RUNS}: import {seconds:.2f} s; COPY into "
            f"equivalent tables {floor:.2f} s; COPY of the file into a bare table {bare:.2f} s "
            f"(import / bare table: {seconds / bare:.1f})",
            file=sys.stderr,
        )
        print(f"batch_import: ratio {seconds / floor:.2f} (target {TIME_TARGET})")

        small, large = MEMORY_ROWS
        # A process's peak moves by some megabytes from run to run: the median
        # of the speed runs, not whichever came last.
        peaks = {small: statistics.median(speed_peaks) if small == SPEED_ROWS else None}
        for rows in (BASELINE_ROWS, *MEMORY_ROWS):
            if peaks.get(rows) is None:
                peaks[rows] = run_child(files[rows])["peak_kb"]
        print(
            f"# peak memory: {peaks[small] / 1024:.0f} MB at {small:,} rows (median of "
            f"{', '.join(f'{peak / 1024:.0f}' for peak in speed_peaks)} MB), "
            f"{peaks[large] / 1024:.0f} MB at {large:,} rows; an import of "
            f"{BASELINE_ROWS} rows peaks at {peaks[BASELINE_ROWS] / 1024:.0f} MB",
            file=sys.stderr,
        )
        print(
            f"batch_import_memory: ratio {peaks[large] / peaks[small]:.2f} (target {MEMORY_TARGET})"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()

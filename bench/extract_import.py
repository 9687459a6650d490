"""Benchmark: importing a force's whole extract, and drawing a sample from it.

``main()`` prints three lines:

* ``extract_import: ratio R (target 3)`` — seconds to check and store a
  1,000,000-record extract (``extracts.import_extract``, the path the page
  and ``import_population`` take) over seconds for PostgreSQL to COPY the
  same file into a bare table of text columns, in the same run;
* ``extract_import_memory: ratio R (target 1.2)`` — peak resident memory of
  that import over the peak of an import of 100,000 records: it streams;
* ``extract_draw: ratio R (target 1)`` — seconds of work to draw a sample of
  1,500 from the 1,000,000 records (``drawing.draw_sample``: the extract's
  references read and put in order, the choice, and the drawn cases made), over
  one second.

Each import runs in a fresh subprocess so its peak memory is its own, against
a database of its own, ``inspect_bench_extract`` on ``BENCH_POSTGRES``
(default postgres://postgres@127.0.0.1:5432). ``BENCH_SIZE=smoke`` uses
20,000 and 2,000 records.

The ``#`` line on stderr also gives the processor seconds behind each figure:
the importing process's own, and (when the server runs on this machine) its
database connection's. The ratios are of elapsed seconds; on a machine busy
with other work the processor seconds say where the time went.
"""

import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import sized

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "inspect_bench_extract"
LARGE = sized(1_000_000, 20_000)
SMALL = sized(100_000, 2_000)
TIME_TARGET = 3
MEMORY_TARGET = 1.2
DRAW_TARGET = 1
BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_floor_extract (reference text, record_type text, "
    "reported_at text, offence_group text, route text, summary text)"
)


def child_environment():
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"{SERVER}/{DATABASE}",
        DJANGO_SETTINGS_MODULE="inspect_app.settings",
        INSPECT_ENV_FILE="",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_COOKIES="false",
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


def write_extract(path, rows):
    """An extract as forces send them: mostly incidents, some no-crimes and disposals."""
    kinds = ("incident",) * 7 + ("other_system",) + ("no_crime", "oocd")
    routes = ("control room", "front desk", "online")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ("reference", "record_type", "reported_at", "offence_group", "route", "summary")
        )
        for number in range(rows):
            kind = kinds[number % len(kinds)]
            writer.writerow(
                (
                    f"EX-{number:08d}",
                    kind,
                    f"2016-{1 + number % 12:02d}-{1 + number % 28:02d} {number % 24:02d}:30",
                    "VAP" if kind in ("no_crime", "oocd") else "",
                    routes[number % 3],
                    f"record {number}",
                )
            )


def run_child(*arguments):
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *arguments],
        cwd=ROOT,
        env=child_environment(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the benchmark child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def server_seconds(cursor):
    """Processor seconds the database connection's server process has used so far, or None
    when that process cannot be read (a server on another machine)."""
    cursor.execute("SELECT pg_backend_pid()")
    try:
        with open(f"/proc/{cursor.fetchone()[0]}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def used(before, after):
    return None if before is None or after is None else after - before


def cpu_text(seconds):
    return "?" if seconds is None else f"{seconds:.2f}"


def copy_into_bare_table(path):
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/{DATABASE}")
    try:
        with connection.cursor() as cursor:
            cursor.execute(BARE_TABLE)
            cursor.execute("TRUNCATE bench_floor_extract")
            connection.commit()
            server_before = server_seconds(cursor)
            started = time.perf_counter()
            with open(path, encoding="utf-8") as handle:
                cursor.copy_expert(
                    "COPY bench_floor_extract FROM STDIN WITH (FORMAT csv, HEADER true)", handle
                )
            connection.commit()
            seconds = time.perf_counter() - started
            return seconds, used(server_before, server_seconds(cursor))
    finally:
        connection.close()


def child(path, draw):
    import resource

    import django

    django.setup()
    from django.db import connection

    from forces.models import Force
    from inspect_app.inspections.models import Inspection, Programme
    from inspect_app.sampling import drawing, extracts, planning

    # TRUNCATE, not delete(): a delete of the last run's million records would load them
    # all and leave the process's peak memory nothing to do with the import. TRUNCATE
    # drops no table: the last runs' extracts' own tables of records are dropped first.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'sampling_populationrecord'::regclass"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE {table}")
        cursor.execute(
            "TRUNCATE sampling_drawncase, sampling_topup, sampling_draw, sampling_stratum, "
            "sampling_sampleplan, sampling_populationrecord, sampling_populationextract, "
            "inspections_casereview, inspections_historicalcasereview, inspections_sampledcase "
            "CASCADE"
        )
    programme, _ = Programme.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    inspection, _ = Inspection.objects.get_or_create(
        slug="bench-extract", defaults={"programme": programme, "force": Force.objects.first()}
    )
    with connection.cursor() as cursor:
        server_before = server_seconds(cursor)
    started, own_before = time.perf_counter(), time.process_time()
    outcome = extracts.import_extract(path, inspection, filename=os.path.basename(path))
    seconds, own = time.perf_counter() - started, time.process_time() - own_before
    with connection.cursor() as cursor:
        server = used(server_before, server_seconds(cursor))
    result = {
        "seconds": seconds,
        "cpu": own,
        "server_cpu": server,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "records": outcome.records,
    }
    if draw == "draw":
        plan = planning.save(
            planning.propose(inspection, stratify_by="record_type", margin=0.015, minimum=30)
        )
        with connection.cursor() as cursor:
            server_before = server_seconds(cursor)
        started, own_before = time.perf_counter(), time.process_time()
        drawing.draw_sample(inspection, 2014)
        result["draw_seconds"] = time.perf_counter() - started
        result["draw_cpu"] = time.process_time() - own_before
        with connection.cursor() as cursor:
            result["draw_server_cpu"] = used(server_before, server_seconds(cursor))
        result["drawn"] = plan.total_sample
    print(json.dumps(result))


def main():
    ensure_database()
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as folder:
        large, small = Path(folder) / "large.csv", Path(folder) / "small.csv"
        write_extract(large, LARGE)
        write_extract(small, SMALL)
        imported = run_child(str(large), "draw")
        bare, bare_server = copy_into_bare_table(large)
        small_run = run_child(str(small), "import")
        print(
            f"# {LARGE:,} records: import {imported['seconds']:.2f} s, COPY of the file into a "
            f"bare table {bare:.2f} s; peak {imported['peak_kb'] / 1024:.0f} MB against "
            f"{small_run['peak_kb'] / 1024:.0f} MB at {SMALL:,}; drew {imported['drawn']:,} in "
            f"{imported['draw_seconds']:.2f} s; processor seconds (this process + its database "
            f"connection): import {imported['cpu']:.2f} + {cpu_text(imported['server_cpu'])}, "
            f"COPY {cpu_text(bare_server)} (server), draw {imported['draw_cpu']:.2f} + "
            f"{cpu_text(imported['draw_server_cpu'])}",
            file=sys.stderr,
        )
        print(f"extract_import: ratio {imported['seconds'] / bare:.2f} (target {TIME_TARGET})")
        memory = imported["peak_kb"] / small_run["peak_kb"]
        print(f"extract_import_memory: ratio {memory:.2f} (target {MEMORY_TARGET})")
        print(f"extract_draw: ratio {imported['draw_seconds']:.2f} (target {DRAW_TARGET})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())

"""Backing up and restoring a database the way docs/operations.md tells an operator to,
and the checks that say whether a restored copy is the database that was dumped.

Everything here talks to PostgreSQL over a connection URL, never through Django's own
connection: the databases compared are not the test database, and the app itself runs
against them only in subprocesses, as it would in production.
"""

import subprocess
import sys

import psycopg2
from psycopg2 import sql

from tests.faults.services import ROOT, postgres_bin

#: The client programs a backup and a restore need, with the server to run them on.
TOOLS = ("pg_dump", "pg_restore", "initdb", "pg_ctl")


def missing_tools():
    """The programs of TOOLS that this machine lacks."""
    return [name for name in TOOLS if not postgres_bin(name)]


def database_url(server_url, name):
    """The URL of database ``name`` on the server that ``server_url`` points at."""
    return server_url.rsplit("/", 1)[0] + "/" + name


def create_database(server_url, name):
    """A new, empty database on that server; its URL."""
    # Not in a ``with`` block: that opens a transaction, and CREATE DATABASE refuses one.
    connection = psycopg2.connect(server_url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()
    return database_url(server_url, name)


def run(*argv, stdin=None, stdout=None, timeout=300):
    """Run a PostgreSQL client program (its bytes in from ``stdin``, out to ``stdout``,
    both open files); its failure carries what it printed."""
    result = subprocess.run(
        [postgres_bin(argv[0]), *map(str, argv[1:])],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {result.returncode}:\n{result.stderr.decode()}")


def dump(url, path):
    """Back up the database at ``url`` into ``path`` in PostgreSQL's custom format.

    To standard output, as docs/operations.md pipes it into encryption: such a dump has
    no offsets to seek to, and must restore all the same.
    """
    with open(path, "wb") as output:
        run("pg_dump", "-Fc", "-d", url, stdout=output)
    return path


def restore(path, url, *extra):
    """Restore ``path`` into the (fresh) database at ``url``, from standard input as
    docs/operations.md does after decrypting.

    One transaction, stopping at the first error: a restore that cannot be whole
    leaves nothing behind rather than a database that looks restored.
    """
    with open(path, "rb") as backup:
        run(
            "pg_restore",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *extra,
            "-d",
            url,
            stdin=backup,
        )


def operator_check(url):
    """The lines docs/operations.md's ``restore-check.sql`` prints for the database at ``url``.

    Read from the page itself, so the check an operator is told to run is the one
    proven here to pass on a whole restore and to notice a broken one.
    """
    page = (ROOT / "docs" / "operations.md").read_text()
    start = page.index("-- restore-check.sql")
    query = page[start : page.index("```", start)]
    return [line for (line,) in execute(url, query)]


def execute(url, statement, params=None):
    """Run one statement on the database at ``url`` and return its rows (if any)."""
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall() if cursor.description else None
    connection.close()
    return rows


def row_counts(url):
    """Every table of the application's schema and the rows it holds."""
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
    connection.close()
    return counts


def sequence_positions(url):
    """Where each id sequence stands: a copy whose sequences lag behind its rows would
    refuse the next insert (a sign-in's audit entry) with a duplicate key."""
    rows = execute(
        url,
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'",
    )
    return dict(rows)


def all_rows(url, table):
    """(column names, every row ordered by id) of one table."""
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table)))
        columns = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    connection.close()
    return columns, rows


#: What the database defines, one fact a row, read from PostgreSQL's catalogue rather
#: than from pg_dump's SQL: PostgreSQL prints some CHECK expressions differently once
#: they have been through a dump and a restore, though they mean the same.
SCHEMA_FACTS = {
    "column": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull::text, a.attidentity::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraint": """
        SELECT c.relname, k.conname, k.contype::text
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'""",
    "index": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'",
    "trigger": """
        SELECT c.relname, t.tgname, t.tgenabled::text
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal""",
    "function": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'""",
}


def schema(url):
    """The definitions of the application's schema (tables' columns, constraints,
    indexes, triggers and functions), as a set of one-line facts."""
    return {
        f"{kind} {'.'.join(row)}"
        for kind, query in SCHEMA_FACTS.items()
        for row in execute(url, query)
    }


def differences(source_url, restored_url, audit_table):
    """What the restored copy lacks or has changed, in words; empty when it is whole.

    Its definitions (a lost trigger or constraint holds no rows, so counts miss it), row
    counts of every table, where every sequence stands, and the audit log row by row and
    column by column: the record of who did what must come back exactly.
    """
    source_schema, restored_schema = schema(source_url), schema(restored_url)
    found = [f"schema: {fact} lost" for fact in sorted(source_schema - restored_schema)]
    found += [f"schema: {fact} added" for fact in sorted(restored_schema - source_schema)]
    source_counts, restored_counts = row_counts(source_url), row_counts(restored_url)
    for table in sorted(source_counts.keys() | restored_counts.keys()):
        before, after = source_counts.get(table), restored_counts.get(table)
        if before != after:
            found.append(f"{table}: {before} rows dumped, {after} restored")
    source_sequences = sequence_positions(source_url)
    restored_sequences = sequence_positions(restored_url)
    for sequence in sorted(source_sequences.keys() | restored_sequences.keys()):
        before, after = source_sequences.get(sequence), restored_sequences.get(sequence)
        if before != after:
            found.append(f"sequence {sequence}: at {before} when dumped, {after} restored")
    if audit_table not in restored_counts:
        return [*found, f"{audit_table}: missing from the restored copy"]
    source_columns, source_rows = all_rows(source_url, audit_table)
    restored_columns, restored_rows = all_rows(restored_url, audit_table)
    if source_columns != restored_columns:
        found.append(f"{audit_table}: columns {source_columns} became {restored_columns}")
    for before, after in zip(source_rows, restored_rows, strict=False):
        if before != after:
            found.append(f"{audit_table}: row {before} restored as {after}")
    return found


def manage(env, *argv, timeout=300):
    """``manage.py`` in a subprocess: (exit status, what it printed)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result.returncode, result.stdout + result.stderr


def sign_in(env, username, password):
    """Sign ``username`` in against the database in ``env``; (exit status, output)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.operations.sign_in", username],
        cwd=ROOT,
        env={**env, "SIGN_IN_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr

"""Where an extract's records live: on PostgreSQL, a partition of the records table each.

A force's extract is written once, read by its inspection only, and replaced or
deleted whole, so each extract's records are a table of their own, attached as
a list partition of ``sampling_populationrecord`` on the extract's id. The import
loads a new, unindexed table by COPY and only then builds its key: an index built
from a sort of all the rows costs a fraction of one kept up row by row, and a
repeated reference is found there, once. Replacing or deleting an extract drops
its table instead of deleting millions of rows one by one.

Queries go to the parent table as for any other model; PostgreSQL reads only
the extract's partition. On SQLite (the embedded default, small extracts) the
records are one plain table and nothing here is needed.
"""

from __future__ import annotations

from django.db import connection

PARENT = "sampling_populationrecord"
#: The columns COPY fills; the extract's id comes from the partition's default.
#: The statistics target of the first ANALYZE of a loaded extract (300 rows read per unit).
STATISTICS_SAMPLE = 10
COLUMNS = ("reference", "record_type", "reported_at", "offence_group_id", "route", "summary")


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def partition_name(extract_id) -> str:
    return f"{PARENT}_{int(extract_id)}"


def start_partition(cursor, extract_id) -> str:
    """A new, empty table for the extract's records, not yet part of the records table.

    Any table left by an extract of the same id is dropped first: the extract row
    is new, so whatever such a table holds belonged to an extract that is gone.
    """
    extract_id = int(extract_id)
    name = partition_name(extract_id)
    cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{PARENT}" INCLUDING DEFAULTS)')
    # The check lets ATTACH skip its scan of every row for the partition's bound.
    cursor.execute(
        f'ALTER TABLE "{name}" ALTER COLUMN extract_id SET DEFAULT {extract_id}, '
        f'ADD CONSTRAINT "{name}_of_extract" CHECK (extract_id = {extract_id})'
    )
    return name


def clear_partition(cursor, extract_id) -> None:
    """Empty the extract's unattached table (the rows will be loaded again)."""
    cursor.execute(f'TRUNCATE "{partition_name(extract_id)}"')


def finish_partition(cursor, extract_id) -> None:
    """Build the loaded table's key and attach it to the records table.

    Raises the database's unique violation (23505) when a reference is repeated.
    """
    extract_id = int(extract_id)
    name = partition_name(extract_id)
    cursor.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY (extract_id, reference)')
    cursor.execute(f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{name}" FOR VALUES IN ({extract_id})')
    # Statistics from a small sample at once, not when autovacuum comes round: without
    # them the planner takes the new table for a small one and reads all of it to find
    # the few hundred records a draw asks for by reference.
    cursor.execute(f"SET LOCAL default_statistics_target = {STATISTICS_SAMPLE}")
    cursor.execute(f'ANALYZE "{name}"')
    cursor.execute("RESET default_statistics_target")


def drop_records(extract_id) -> None:
    """Remove every record of the extract at once (PostgreSQL); elsewhere, delete them."""
    if partitioned():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{partition_name(extract_id)}"')
    else:
        from inspect_app.sampling.models import PopulationRecord

        records = PopulationRecord.objects.filter(extract_id=extract_id)
        records._raw_delete(records.db)


def drop_partition_of_deleted_extract(sender, instance, **kwargs) -> None:
    """An extract deleted by any path (its inspection deleted, say) takes its table with it:
    the delete of its rows has already emptied it, and nothing else would remove it."""
    if partitioned() and instance.pk is not None:
        drop_records(instance.pk)

"""A record is known by its extract and reference; on PostgreSQL each extract is a partition.

The drawn case keeps the reference it was drawn by instead of the record's id,
the records table loses its id, and (on PostgreSQL) becomes a table partitioned
by extract, each extract's records moved into a partition of their own.
"""

from django.db import migrations, models

TABLE = "sampling_populationrecord"
COLUMNS = "extract_id, reference, record_type, reported_at, offence_group_id, route, summary"


def _references_of_drawn_cases(apps, schema_editor):
    schema_editor.execute(
        "UPDATE sampling_drawncase SET reference = (SELECT r.reference FROM "
        f"{TABLE} r WHERE r.id = sampling_drawncase.record_id)"
    )


def _records_keyed_by_reference(apps, schema_editor):
    # On PostgreSQL references compare byte by byte (collation "C"): the key is built by
    # sorting every reference of an extract, far quicker so than by a language's rules,
    # and its order is then the code-point order a draw takes the records in.
    execute = schema_editor.execute
    execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_by_id")
    columns = (
        "extract_id bigint NOT NULL, reference varchar(64){collation} NOT NULL, "
        "record_type varchar(20) NOT NULL, reported_at {moment} NOT NULL, "
        "offence_group_id bigint NULL, route varchar(64) NOT NULL, summary text NOT NULL, "
        "PRIMARY KEY (extract_id, reference)"
    )
    if schema_editor.connection.vendor != "postgresql":
        execute(f"CREATE TABLE {TABLE} ({columns.format(collation='', moment='datetime')})")
        execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE}_by_id")
        execute(f"DROP TABLE {TABLE}_by_id")
        return
    partitioned = columns.format(collation=' COLLATE "C"', moment="timestamp with time zone")
    execute(f"CREATE TABLE {TABLE} ({partitioned}) PARTITION BY LIST (extract_id)")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT extract_id FROM {TABLE}_by_id")
        extract_ids = [int(row[0]) for row in cursor.fetchall()]
    for extract_id in extract_ids:
        name = f"{TABLE}_{extract_id}"
        execute(f'CREATE TABLE "{name}" (LIKE {TABLE} INCLUDING DEFAULTS)')
        execute(
            f'ALTER TABLE "{name}" ALTER COLUMN extract_id SET DEFAULT {extract_id}, '
            f'ADD CONSTRAINT "{name}_of_extract" CHECK (extract_id = {extract_id})'
        )
        execute(
            f'INSERT INTO "{name}" ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE}_by_id '
            f"WHERE extract_id = {extract_id}"
        )
        execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY (extract_id, reference)')
        execute(f'ALTER TABLE {TABLE} ATTACH PARTITION "{name}" FOR VALUES IN ({extract_id})')
    execute(f"DROP TABLE {TABLE}_by_id")


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0008_programme_retention_and_erasure"),
        ("sampling", "0003_records_without_offence_group_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="drawncase",
            name="reference",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(_references_of_drawn_cases, migrations.RunPython.noop),
        migrations.RemoveField(model_name="drawncase", name="record"),
        migrations.AlterModelOptions(
            name="drawncase", options={"ordering": ["draw", "stratum", "reference"]}
        ),
        migrations.AddConstraint(
            model_name="drawncase",
            constraint=models.UniqueConstraint(
                fields=("draw", "reference"), name="drawn_once_in_a_draw"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="populationrecord", name="population_reference_unique_in_extract"
                ),
                migrations.RemoveField(model_name="populationrecord", name="id"),
                migrations.AddField(
                    model_name="populationrecord",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "extract",
                        "reference",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_records_keyed_by_reference)],
        ),
    ]

"""The import benchmark's floor: COPY into tables equivalent to the ones an import fills.

The ratio is only honest while the stand-in tables carry everything the real
ones do (checks, indexes, foreign keys): a schema change must reach them.
"""

import pytest
from django.db import connection

from bench.batch_import import EQUIVALENTS, make_equivalent_tables

pytestmark = pytest.mark.django_db


def table_shape(cursor, table):
    """(index definitions, constraint definitions) of ``table``, with its own name taken out."""
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
    indexes = sorted(
        # Index names differ; what is indexed, how, and whether it is unique must not.
        definition.split(" USING ", 1)[1] + (" unique" if " UNIQUE " in definition else "")
        for (definition,) in cursor.fetchall()
    )
    cursor.execute(
        "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass",
        [table],
    )
    constraints = []
    for kind, definition in cursor.fetchall():
        for real, stand_in in EQUIVALENTS.items():
            definition = definition.replace(f"REFERENCES {stand_in}(", f"REFERENCES {real}(")
        constraints.append((kind, definition))
    return indexes, sorted(constraints)


def test_the_stand_in_tables_match_the_real_ones():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark measures PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        make_equivalent_tables(cursor)
        for table, stand_in in EQUIVALENTS.items():
            real_indexes, real_constraints = table_shape(cursor, table)
            copy_indexes, copy_constraints = table_shape(cursor, stand_in)
            assert copy_indexes == real_indexes
            assert copy_constraints == real_constraints
            # Keys, uniques, checks and references: all there to be compared.
            assert {"p", "u", "c", "f"} <= {kind for kind, _ in real_constraints}

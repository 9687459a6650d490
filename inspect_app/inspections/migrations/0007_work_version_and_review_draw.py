"""Review pages that scale: a work version on each inspection, and the double-review draw
in the database.

``work_version`` changes whenever the inspection's cases or reviews do; the
review pages keep their counts in the cache under it.

On PostgreSQL, ``inspections_review_draw(inspection id, reference)`` gives
the eight bytes of SHA-256 the workflow's ``double_review_draw`` is read
from, and an index on it finds an inspection's double-review sample without
hashing every case. It is declared IMMUTABLE although ``convert_to`` is only
STABLE: converting to UTF-8 in a database whose encoding is fixed gives the
same bytes for the same text every time, which is what an index needs. (On
SQLite the workflow registers the same function on each connection; no
index there.)
"""

import uuid

from django.db import migrations, models

DRAW_FUNCTION = """
CREATE OR REPLACE FUNCTION inspections_review_draw(inspection_id bigint, reference text)
RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT substring(sha256(convert_to(inspection_id::text || ':' || reference, 'UTF8'))
                       FROM 1 FOR 8) $$
"""
DRAW_INDEX = """
CREATE INDEX inspections_case_review_draw ON inspections_sampledcase
    (inspection_id, inspections_review_draw(inspection_id, reference))
"""


def create_draw(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DRAW_FUNCTION)
        schema_editor.execute(DRAW_INDEX)


def drop_draw(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS inspections_case_review_draw")
        schema_editor.execute("DROP FUNCTION IF EXISTS inspections_review_draw(bigint, text)")


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0006_inspection_team_offers_reviewers_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="work_version",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(create_draw, drop_draw),
    ]

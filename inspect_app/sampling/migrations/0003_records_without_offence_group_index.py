import django.db.models.deletion
from django.db import migrations, models


def _cache_record_ids(apps, schema_editor):
    # An id taken from the sequence one at a time is a locked update of the sequence for
    # every row COPY writes; a session takes a thousand at once instead (a session that
    # ends early leaves a gap in the ids, nothing more).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE sampling_populationrecord ALTER COLUMN id SET CACHE 1000"
        )


def _uncache_record_ids(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE sampling_populationrecord ALTER COLUMN id SET CACHE 1")


class Migration(migrations.Migration):
    dependencies = [
        ("forces", "0001_initial"),
        ("sampling", "0002_extract_import_jobs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="populationrecord",
            name="offence_group",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="forces.offencegroup",
            ),
        ),
        migrations.RunPython(_cache_record_ids, _uncache_record_ids),
    ]

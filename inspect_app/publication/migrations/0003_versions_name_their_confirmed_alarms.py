"""A published version names the confirmed outlier alarms of its force, frozen with it.

A column that may be empty, so that SQLite adds it in place and keeps the triggers of
migration 0002 (a new NOT NULL column would make it copy the table)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publication", "0002_published_versions_are_frozen"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedversion",
            name="confirmed_alarms",
            field=models.JSONField(
                blank=True,
                help_text="The force's confirmed outlier alarms the report names: metric and side.",
                null=True,
            ),
        ),
    ]

"""The generations of the answers to which published versions a reader may see
(``publication.lookups``), with a first one."""

import secrets

from django.db import migrations, models


def first_token(apps, schema_editor):
    apps.get_model("publication", "LookupGeneration").objects.create(token=secrets.token_hex(16))


class Migration(migrations.Migration):
    dependencies = [
        ("publication", "0004_published_figures_keep_their_design_and_judgement"),
    ]

    operations = [
        migrations.CreateModel(
            name="LookupGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_token, migrations.RunPython.noop),
    ]

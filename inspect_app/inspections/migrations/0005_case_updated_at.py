from django.db import migrations, models


def date_existing_cases_from_their_creation(apps, schema_editor):
    # Not the migration's own time: that would look like a change made after
    # every import, and no batch imported before it could be withdrawn.
    SampledCase = apps.get_model("inspections", "SampledCase")
    SampledCase.objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0004_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="sampledcase",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.RunPython(date_existing_cases_from_their_creation, migrations.RunPython.noop),
    ]

"""The team picker (Django's admin included) offers only inspectors and lead inspectors.

``limit_choices_to`` lives in Python alone: this changes nothing in the
database. The database's own refusal is in accounts migration 0003.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0005_case_updated_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="inspection",
            name="inspectors",
            field=models.ManyToManyField(
                blank=True,
                help_text="Inspectors and lead inspectors who review this inspection's cases.",
                limit_choices_to={"role__in": ["inspector", "lead_inspector"]},
                related_name="assigned_inspections",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]

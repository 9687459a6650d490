"""A published figure keeps its design (and the unweighted rate beside a weighted one) and
how it was judged against the programme, as compliance_report gives them.

Columns that may be empty: SQLite adds them in place and keeps migration 0002's triggers."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publication", "0003_versions_name_their_confirmed_alarms"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedfigure",
            name="design",
            field=models.CharField(
                blank=True, help_text="simple, or stratified (weighted).", max_length=20, null=True
            ),
        ),
        migrations.AddField(
            model_name="publishedfigure",
            name="judgement",
            field=models.JSONField(
                blank=True,
                help_text="How compliance_report judged the row when published: versus_programme, funnel, funnel_side and, with grade bands, grade, grade_certainty, grades_possible.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="publishedfigure",
            name="unweighted_rate",
            field=models.FloatField(
                help_text="The plain k / n beside a design-weighted rate.", null=True
            ),
        ),
    ]

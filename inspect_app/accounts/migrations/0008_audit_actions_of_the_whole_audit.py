"""The audit log names the steps at both ends of the audit: an extract imported, a sample
planned, drawn and topped up; figures published; API tokens made and revoked; grade
bands set, outlier cases moved on and findings recorded.

As in migration 0007, SQLite copies the table to change the constraint, so the
append-only triggers are made again after it.
"""

from importlib import import_module

from django.db import migrations, models

append_only = import_module("inspect_app.accounts.migrations.0006_audit_log_is_append_only")


def triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in append_only.SQLITE_BACKWARD + append_only.SQLITE_FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_second_factor"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, triggers_again),
        migrations.RemoveConstraint(
            model_name="auditevent",
            name="audit_event_action_is_known",
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("consultation", "Consulted casework"),
                    ("disclosure", "Disclosed casework or live figures"),
                    ("collection", "Collected a batch"),
                    ("alteration", "Altered casework"),
                    ("erasure", "Erased casework"),
                    ("sign_in", "Signed in"),
                    ("sign_in_failed", "Failed sign-in"),
                    ("sign_out", "Signed out"),
                    ("sign_off", "Signed off an inspection"),
                    ("reopen", "Reopened an inspection"),
                    ("role_change", "Changed a role"),
                    ("programme_created", "Created a programme"),
                    ("inspection_created", "Created an inspection"),
                    ("team_change", "Changed an inspection's team"),
                    ("double_review_share", "Changed the share double reviewed"),
                    ("second_factor_enrolled", "Set up a second factor"),
                    ("second_factor_reset", "Reset a second factor"),
                    ("extract_imported", "Imported a force's extract"),
                    ("sample_planned", "Saved a sample plan"),
                    ("sample_drawn", "Drew a sample"),
                    ("sample_topped_up", "Topped up a stratum of a sample"),
                    ("published", "Published an inspection's figures"),
                    ("api_token_created", "Created an API token"),
                    ("api_token_revoked", "Revoked an API token"),
                    ("grade_bands_set", "Set a programme's grade bands"),
                    ("outlier_step", "Moved an outlier case on"),
                    ("finding_change", "Recorded or moved on a finding"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "consultation",
                            "disclosure",
                            "collection",
                            "alteration",
                            "erasure",
                            "sign_in",
                            "sign_in_failed",
                            "sign_out",
                            "sign_off",
                            "reopen",
                            "role_change",
                            "programme_created",
                            "inspection_created",
                            "team_change",
                            "double_review_share",
                            "second_factor_enrolled",
                            "second_factor_reset",
                            "extract_imported",
                            "sample_planned",
                            "sample_drawn",
                            "sample_topped_up",
                            "published",
                            "api_token_created",
                            "api_token_revoked",
                            "grade_bands_set",
                            "outlier_step",
                            "finding_change",
                        ],
                    )
                ),
                name="audit_event_action_is_known",
            ),
        ),
        migrations.RunPython(triggers_again, migrations.RunPython.noop),
    ]

"""The audit log names second factors set up and reset.

Changing the actions' CheckConstraint makes SQLite copy the audit table to a new one,
which drops the append-only triggers of migration 0006 with the old table: they are
made again here. PostgreSQL alters the table in place and keeps its trigger.
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
        ("accounts", "0006_audit_log_is_append_only"),
    ]

    operations = [
        # Undone last: going back, the old constraint rebuilds the table once more.
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
                        ],
                    )
                ),
                name="audit_event_action_is_known",
            ),
        ),
        migrations.RunPython(triggers_again, migrations.RunPython.noop),
    ]

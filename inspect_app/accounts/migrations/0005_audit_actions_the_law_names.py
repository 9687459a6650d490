"""The audit log speaks the law's words (DPA 2018, s.62) and names what each entry is about.

Uploads become ``collection``. A withdrawal removed the batch's cases, so it becomes
``erasure`` (its details say it was a withdrawal). Each entry gains the model name and
primary key of what it was about, read back from the words of its ``target``. The user
it names is no longer a constraint that a deleted user would rewrite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

RENAMED = {"upload": "collection", "withdrawal": "erasure"}


def rename_and_locate(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    for event in AuditEvent.objects.filter(action__in=RENAMED).iterator():
        if event.action == "withdrawal":
            event.details = {**event.details, "reason": "withdrawal"}
        event.action = RENAMED[event.action]
        event.save(update_fields=["action", "details"])
    for event in AuditEvent.objects.exclude(target="").iterator():
        found = _object_of(apps, event.target)
        if found is not None:
            event.object_type, event.object_id = found
            event.save(update_fields=["object_type", "object_id"])


def _object_of(apps, target):
    """(model name, primary key) of the thing ``target`` names, or None if it is gone."""
    kind, _, rest = target.partition(" ")
    if kind == "batch":
        number = rest.split(" ", 1)[0]
        return ("samplebatch", int(number)) if number.isdigit() else None
    models_by_kind = {
        "inspection": (("inspections", "Inspection"), "slug"),
        "programme": (("inspections", "Programme"), "slug"),
        "user": (("accounts", "User"), "username"),
    }
    if kind not in models_by_kind:
        return None
    (app, name), field = models_by_kind[kind]
    model = apps.get_model(app, name)
    pk = model.objects.filter(**{field: rest}).values_list("pk", flat=True).first()
    return None if pk is None else (model._meta.model_name, pk)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_double_review_share"),
        # The targets name programmes, inspections and batches by slug or number.
        ("inspections", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="auditevent",
            name="audit_event_action_is_known",
        ),
        migrations.AddField(
            model_name="auditevent",
            name="object_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="object_type",
            field=models.CharField(blank=True, max_length=100),
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
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(rename_and_locate, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_username", "occurred_at"], name="audit_event_actor"),
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
                        ],
                    )
                ),
                name="audit_event_action_is_known",
            ),
        ),
    ]

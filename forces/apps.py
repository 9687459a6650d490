from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ForcesConfig(AppConfig):
    name = "forces"
    verbose_name = "Forces and offence groups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from forces.reference import load_reference_data_after_migrate

        # Reference data follows the shipped CSV files: every migrate brings
        # the database up to date with them, so a new force code or a
        # corrected volume lands without a hand-written data migration.
        post_migrate.connect(load_reference_data_after_migrate, sender=self)

from django.apps import AppConfig
from django.db.models.signals import post_delete


class SamplingConfig(AppConfig):
    name = "inspect_app.sampling"
    label = "sampling"
    verbose_name = "Population extracts, sample plans and reproducible draws"

    def ready(self):
        from inspect_app.sampling import storage
        from inspect_app.sampling.models import PopulationExtract

        post_delete.connect(
            storage.drop_partition_of_deleted_extract,
            sender=PopulationExtract,
            dispatch_uid="drop_partition_of_deleted_extract",
        )

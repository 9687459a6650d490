from django.core.management.base import BaseCommand, CommandError

from inspect_app.compliance.tasks import recompute_programme_figures
from inspect_app.inspections.models import Inspection, Programme


class Command(BaseCommand):
    help = (
        "Recompute the stored compliance figures now, in this process, exactly as the "
        "background worker does. An inspection's figures are part of its programme's, so "
        "--inspection recomputes the whole programme. With no option, every programme."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--inspection", metavar="SLUG", help="the inspection's programme")
        which.add_argument("--programme", metavar="SLUG", help="one programme")
        which.add_argument(
            "--all",
            action="store_true",
            dest="all_programmes",
            help="every programme (the default)",
        )

    def handle(self, inspection=None, programme=None, **options):
        if inspection:
            found = Inspection.objects.select_related("programme").filter(slug=inspection).first()
            if found is None:
                raise CommandError(f"no inspection with slug {inspection!r}")
            programmes = [found.programme]
            self.stdout.write(
                f"inspection {inspection} is part of programme {found.programme.slug}"
            )
        elif programme:
            found = Programme.objects.filter(slug=programme).first()
            if found is None:
                raise CommandError(f"no programme with slug {programme!r}")
            programmes = [found]
        else:
            programmes = list(Programme.objects.order_by("slug"))
            if not programmes:
                self.stdout.write("no programmes: nothing to recompute")
        for each in programmes:
            # Called directly, the task runs here and now rather than on a worker.
            stored = recompute_programme_figures(each.pk)
            if stored is None:
                self.stdout.write(f"programme {each.slug} was deleted meanwhile: skipped")
            else:
                self.stdout.write(f"recomputed programme {each.slug}: {stored} figures stored")

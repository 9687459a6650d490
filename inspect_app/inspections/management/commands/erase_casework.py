"""``manage.py erase_casework SLUG --confirm``: erase an inspection's casework text."""

from django.core.management.base import BaseCommand, CommandError

from inspect_app.inspections import erasure
from inspect_app.inspections.models import Inspection


class Command(BaseCommand):
    help = (
        "Erase an inspection's casework: the records' narratives, the reviewers' notes, the "
        "reviews' earlier versions, the batches' checking errors and uploaded files. Its "
        "decisions and figures stay. Without --confirm, says what would go and erases nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the inspection, e.g. essex-2014")
        parser.add_argument("--confirm", action="store_true", help="erase it (it cannot be undone)")

    def handle(self, slug, confirm, **options):
        inspection = (
            Inspection.objects.select_related("programme", "force").filter(slug=slug).first()
        )
        if inspection is None:
            raise CommandError(f"there is no inspection called {slug!r}")
        refusal = erasure.erasure_refusal(inspection)
        if refusal:
            raise CommandError(refusal)
        if not confirm:
            counts = erasure.what_would_go(inspection)
            raise CommandError(
                f"nothing erased: {describe(counts)} would go from {slug}; "
                "run again with --confirm to erase them"
            )
        try:
            counts = erasure.erase_casework(inspection)
        except erasure.ErasureRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"erased from {slug}: {describe(counts)}")


def describe(counts) -> str:
    return (
        f"{counts.narratives} narratives, {counts.notes} review notes, "
        f"{counts.review_versions} earlier review versions, "
        f"{counts.batch_error_lists} batch error lists, {counts.files} uploaded files"
    )

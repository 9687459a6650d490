"""``manage.py import_batch FILE --inspection SLUG [--dry-run]``: the upload page's path, scripted.

Every error is printed on its own line as ``row N, column C: message`` and
the command exits with status 1; on success it prints how many rows it
imported. On an inspection whose sample was drawn, the file is a completed
workbook of the drawn cases, and ``--dry-run`` makes the checks its import
makes and says how many reviews it would record. The upload is recorded in
the audit log as the page records one, as made from the command line.
"""

import logging
import os
import sys
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts import audit
from inspect_app.inspections.models import Inspection
from inspect_app.uploads import processing, receiving

#: The parent of every uploads module's logger, and the audit log's.
UPLOADS_LOGGER = "inspect_app.uploads"
AUDIT_LOGGER = audit.logger.name


class Command(BaseCommand):
    help = "Validate a sample batch file (CSV or XLSX) and import it into an inspection."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the batch file, .csv (UTF-8) or .xlsx")
        parser.add_argument("--inspection", required=True, help="the inspection's slug")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="make every check, import nothing and record no batch",
        )
        parser.add_argument(
            "--ignore-column",
            action="append",
            default=[],
            metavar="NAME",
            help="a column to ignore rather than refuse as unknown (may be repeated)",
        )

    def handle(self, file, inspection, dry_run, ignore_column, **options):
        if not os.path.isfile(file):
            raise CommandError(f"no such file: {file}")
        try:
            inspection_obj = Inspection.objects.select_related("force", "programme").get(
                slug=inspection
            )
        except Inspection.DoesNotExist:
            raise CommandError(f"no inspection with slug {inspection!r}") from None
        filename = os.path.basename(file)

        if dry_run:
            outcome = processing.check_file(
                file,
                inspection_obj,
                filename=filename,
                ignored_columns=ignore_column,
                max_errors=None,
            )
            if outcome.ok:
                would = ""
                if outcome.reviews is not None:
                    summaries = _count(outcome.summaries, "missing summary", "missing summaries")
                    would = (
                        f"; it would record {_count(outcome.reviews, 'review')} of drawn cases"
                        f" and fill in {summaries}"
                    )
                self.stdout.write(
                    f"{_rows(outcome.rows)} checked: no errors{would} (dry run, nothing imported)"
                )
                return
            self._fail(outcome.errors)

        with self._quiet_logs(options["verbosity"]):
            try:
                batch = receiving.receive(
                    inspection_obj, file, filename=filename, ignored_columns=ignore_column
                )
            except receiving.BatchRefused as refusal:
                self._fail(refusal.errors)
            outcome = processing.process_batch(batch.pk, max_errors=None)
        if not outcome.ok:
            self._fail(outcome.errors)
        self.stdout.write(f"{_rows(outcome.imported)} imported into {inspection_obj.slug}")

    @contextmanager
    def _quiet_logs(self, verbosity):
        """An unexpected failure is logged with its traceback for the worker's operators,
        a task run in-process logs that it ran, and the audit entry is echoed to the
        application log; here the person gets the one-line errors instead, unless they
        ask (-v 2). The audit entry itself is written either way."""
        loggers = [logging.getLogger(name) for name in (UPLOADS_LOGGER, AUDIT_LOGGER, "celery")]
        previous = [logger.level for logger in loggers]
        if verbosity < 2:
            for logger in loggers:
                logger.setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            for logger, level in zip(loggers, previous, strict=True):
                logger.setLevel(level)

    def _fail(self, errors):
        for error in errors:
            self.stderr.write(error.line())
        sys.exit(1)


def _rows(count) -> str:
    return _count(count, "row")


def _count(count, one, many=None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"

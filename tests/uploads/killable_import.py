"""Runs one batch import in its own process and stops dead in the middle of the write.

Used by test_atomicity.py: ``python tests/uploads/killable_import.py BATCH_ID MARKER``
imports in small chunks; after the first chunk is written (inside the
import's transaction, not committed) it creates the MARKER file and waits
to be killed.
"""

import os
import sys
import time
from pathlib import Path

import django


def main(batch_id, marker):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspect_app.settings")
    django.setup()
    from inspect_app.uploads import processing, progress, writing

    writing.WRITE_CHUNK = 5
    report = progress.Progress.report

    def report_then_hang(self, phase, fraction, rows_done, rows_total=None):
        report(self, phase, fraction, rows_done, rows_total)
        if phase == "importing" and rows_done < (rows_total or 0):
            Path(marker).write_text(str(rows_done))
            time.sleep(600)  # killed long before this ends

    progress.Progress.report = report_then_hang
    processing.process_batch(batch_id)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])

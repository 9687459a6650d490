"""Time and peak memory of refusing each hostile file: ``python -m tests.uploads.hostile.measure``.

Each file is built in a scratch folder and read in a process of its own, so
its peaks are its own: the Python memory traced while reading it, and the
process's maximum resident size (Django's start-up included, about 60 MB).
Only the reading layer runs: no database. tracemalloc slows reading down,
so the times are upper bounds.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from tests.uploads.hostile import CORPUS


def read_one(path, filename):
    """Read the file as an import does; print seconds, peak growth and the refusal."""
    import django

    django.setup()
    from inspect_app.uploads.reading import UnreadableFile, open_rows

    tracemalloc.start()
    start = time.perf_counter()
    message = None
    try:
        for _ in open_rows(path, filename):
            pass
    except UnreadableFile as refusal:
        message = refusal.message
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak / (1 << 20),
                "resident_mb": resident,
                "message": message,
            }
        )
    )


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspect_app.settings")
    with tempfile.TemporaryDirectory() as folder:
        for case in CORPUS:
            path = case.build(Path(folder) / case.filename)
            result = subprocess.run(
                [sys.executable, "-m", "tests.uploads.hostile.measure", str(path), case.filename],
                capture_output=True,
                text=True,
                check=True,
            )
            got = json.loads(result.stdout.strip().splitlines()[-1])
            size = path.stat().st_size / (1 << 20)
            print(
                f"{got['seconds']:6.2f} s {got['peak_mb']:7.1f} MB traced "
                f"{got['resident_mb']:6.0f} MB resident {size:7.2f} MB file  "
                f"{case.id}: {got['message']}"
            )
            path.unlink()


if __name__ == "__main__":
    if len(sys.argv) == 3:
        read_one(sys.argv[1], sys.argv[2])
    else:
        main()

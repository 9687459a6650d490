"""How far a batch has got, kept in the cache for the progress page to poll (``core.progress``)."""

from inspect_app.core import progress as cached

#: How often the checking pass reports, in rows.
PROGRESS_EVERY_ROWS = 1000
PROGRESS_TIMEOUT_SECONDS = cached.PROGRESS_TIMEOUT_SECONDS


def progress_key(batch_id) -> str:
    return f"uploads:batch-progress:{batch_id}"


def read_progress(batch_id) -> dict:
    return cached.read(progress_key(batch_id))


def forget_progress(batch_id) -> None:
    cached.forget(progress_key(batch_id))


class Progress:
    """Tells the page how far a batch has got: checking is the first half, writing the second.

    Without a batch (a dry run) it reports nothing.
    """

    def __init__(self, batch_id=None):
        self.batch_id = batch_id

    def report(self, phase, fraction, rows_done, rows_total=None):
        if self.batch_id is None:
            return
        share = 0.5 * fraction if phase == "checking" else 0.5 + 0.5 * fraction
        cached.write(
            progress_key(self.batch_id),
            {
                "phase": phase,
                "percent": max(0, min(100, int(share * 100))),
                "rows_done": rows_done,
                "rows_total": rows_total,
            },
        )

"""Withdrawing an imported batch: its cases and reviews go, while nobody has worked on them.

A completed workbook of an inspection's drawn cases brought no cases, only
their first reviews (and some summaries): withdrawing it removes exactly the
reviews it recorded and empties the summaries it filled in (its
``DrawnCaseEntry`` rows say which), and the drawn cases stay in the sample.
The same rule decides whether either kind may go: while what the batch wrote
stands as the import left it.

The withdrawal is recorded in the audit log, with who did it; saving the
batch's new status is what asks for its programme's figures to be
recomputed (the batch's post_save signal, in compliance).
"""

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    Inspection,
    ReviewKind,
    SampleBatch,
    SampledCase,
)
from inspect_app.sampling.models import Draw
from inspect_app.uploads import auditing, writing
from inspect_app.uploads.models import DrawnCaseEntry

#: Reviews removed per statement: within every database's limit on parameters.
ID_CHUNK = 500


class WithdrawalRefused(Exception):
    """The batch cannot be withdrawn; the message says why."""


#: A workbook of drawn cases imported before each one's reviews were noted with it.
LEGACY_WORKBOOK = (
    "it recorded reviews of drawn cases before the service noted which reviews each "
    "workbook recorded, so they cannot be told apart from others' work: correct the "
    "reviews in the app instead"
)


def _is_drawn(inspection_id) -> bool:
    return Draw.objects.filter(inspection_id=inspection_id).exists()


def withdrawal_blockers(batch) -> list[str]:
    """Why the batch cannot be withdrawn; empty when it can.

    A batch can be withdrawn while its cases stand exactly as the import
    left them. The rule, kept robust by checking several independent traces:

    * it is imported (not pending, failed or already withdrawn);
    * every review of its cases is a first review the import created:
      version 1, created and last updated no later than the import
      finished (a review added in the app is created after it);
    * no history of those cases' reviews is dated after the import (an
      edit, or a review deleted in the app, leaves one even where the
      version was not raised);
    * no case record was saved after the import (a correction in the admin).

    For a workbook of drawn cases "its cases" are the drawn cases it wrote
    to, and each may have no review but the one it recorded (a second or
    adjudicated review, or another first review, is later work).
    """
    if batch.status != BatchStatus.IMPORTED:
        status = batch.get_status_display().lower()
        return [f"only an imported batch can be withdrawn; this one is {status}"]
    # A batch imported before finish times were kept is judged from its upload.
    finished = batch.finished_at or batch.uploaded_at
    entries = DrawnCaseEntry.objects.filter(batch=batch)
    worked_on = (
        ~Q(kind=ReviewKind.FIRST)
        | Q(version__gt=1)
        | Q(created_at__gt=finished)
        | Q(updated_at__gt=finished)
    )
    if entries.exists():
        # A workbook of drawn cases: the cases it wrote to (a review of them made in
        # the app since is created after the import, like one of a plain batch's).
        cases = SampledCase.objects.filter(pk__in=entries.values("case_id"))
    else:
        cases = SampledCase.objects.filter(batch=batch)
        if batch.row_count and not cases.exists() and _is_drawn(batch.inspection_id):
            return [LEGACY_WORKBOOK]
    reviewed = CaseReview.objects.filter(case__in=cases).filter(worked_on)
    histories = CaseReview.history.filter(case_id__in=cases.values("pk"), history_date__gt=finished)
    changed = cases.filter(
        Q(updated_at__gt=finished)
        | Q(pk__in=reviewed.values("case_id"))
        | Q(pk__in=histories.values("case_id"))
    )
    count = changed.count()
    if not count:
        return []
    examples = list(changed.order_by("reference").values_list("reference", flat=True)[:3])
    verb = "has" if count == 1 else "have"
    return [
        f"{count:,} of its cases {verb} been reviewed or changed in the app since the import"
        + (f" (for example {', '.join(examples)})" if examples else "")
        + ": withdrawing it would lose that work"
    ]


def assigned_cases(batch) -> int:
    """How many of the batch's cases are assigned to an inspector.

    Assignments are not reviewing work, so they do not stop a withdrawal;
    the admin is told they go with the cases.
    """
    return batch.cases.filter(
        Q(assigned_to__isnull=False) | Q(second_reviewer__isnull=False)
    ).count()


def withdraw(batch, by=None, *, request=None) -> int:
    """Remove what the batch brought and mark it withdrawn; returns how many cases it removed
    or, for a workbook of drawn cases, how many reviews.

    ``by`` is who withdraws it (None from the command line); ``request``, if
    given, gives the audit entry its address. Raises
    :class:`WithdrawalRefused` with the reason when it cannot be done.
    """
    with transaction.atomic():
        locked = (
            SampleBatch.objects.select_for_update(of=("self",))
            .select_related("inspection")
            .get(pk=batch.pk)
        )
        # A review is saved under a lock on its inspection's row: taking it here
        # means a save in progress either lands before the check below (and
        # blocks the withdrawal) or waits and finds its case gone, never lost
        # silently in between. (The batch first: an import locks it first too.)
        Inspection.objects.select_for_update().get(pk=locked.inspection_id)
        reasons = withdrawal_blockers(locked)
        if reasons:
            raise WithdrawalRefused("; ".join(reasons))
        if is_workbook_of_drawn_cases(locked):
            removed, cleared = _take_back_drawn(locked, by)
            details = {"cases_removed": 0, "reviews_removed": removed, "summaries_cleared": cleared}
        else:
            removed = SampledCase.objects.filter(batch=locked).count()
            SampledCase.objects.filter(batch=locked).delete()
            details = {"cases_removed": removed}
        locked.status = BatchStatus.WITHDRAWN
        locked.withdrawn_by = by
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
        auditing.record(
            # Its cases or reviews are deleted: to the law, an erasure (the details say why).
            AuditAction.ERASURE,
            locked,
            by=by,
            request=request,
            reason="withdrawal",
            **details,
        )
    batch.refresh_from_db()
    return removed


def is_workbook_of_drawn_cases(batch) -> bool:
    """Whether the batch recorded reviews of drawn cases rather than bringing cases."""
    return DrawnCaseEntry.objects.filter(batch=batch).exists()


def what_goes(batch) -> dict:
    """What withdrawing the batch would remove, for the page that asks to confirm it."""
    entries = DrawnCaseEntry.objects.filter(batch=batch)
    if not entries.exists():
        return {"drawn": False, "cases": batch.row_count}
    return {
        "drawn": True,
        "reviews": entries.filter(review__isnull=False).count(),
        "summaries": entries.filter(filled_summary=True).count(),
    }


def _take_back_drawn(batch, by) -> tuple[int, int]:
    """Delete the reviews the workbook recorded and empty the summaries it filled in;
    the drawn cases stay. Returns (reviews removed, summaries emptied).

    Like the import, it writes in a few statements rather than one per review:
    each review's "deleted" history record is copied from it first, saying why
    and by whom, then the reviews go. Saving the batch's new status asks for
    the figures to be recomputed, as for any withdrawal.
    """
    entries = DrawnCaseEntry.objects.filter(batch=batch)
    review_ids = sorted(entries.filter(review__isnull=False).values_list("review_id", flat=True))
    filled = list(entries.filter(filled_summary=True).values_list("case_id", flat=True))
    quote = connection.ops.quote_name
    values = writing.history_values(
        timezone.now(), withdrawal_reason(batch), by.pk if by is not None else None
    )
    # The entries stay, as the trace of what the workbook wrote; their reviews are gone.
    entries.update(review=None)
    with connection.cursor() as cursor:
        for start in range(0, len(review_ids), ID_CHUNK):
            chunk = review_ids[start : start + ID_CHUNK]
            listed = f"WHERE review.{quote('id')} IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(writing.history_copy_sql("-", listed), [*values, *chunk])
            cursor.execute(
                f"DELETE FROM {quote(CaseReview._meta.db_table)} "
                f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
    # The extract had no summary for these cases: they go back to having none. An
    # update, as the import's was, so the case's own change time stays the draw's.
    SampledCase.objects.filter(pk__in=filled).update(summary="")
    return len(review_ids), len(filled)


def withdrawal_reason(batch) -> str:
    """The change reason of each review's history record when its workbook is withdrawn."""
    return f"Withdrawn with sample batch {batch.pk} ({batch.original_filename})"[:100]

"""Withdrawing an imported batch: its cases and reviews go, while nobody has worked on them.

The withdrawal is recorded in the audit log, with who did it; saving the
batch's new status is what asks for its programme's figures to be
recomputed (the batch's post_save signal, in compliance).
"""

from django.db import transaction
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
from inspect_app.uploads import auditing


class WithdrawalRefused(Exception):
    """The batch cannot be withdrawn; the message says why."""


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
    """
    if batch.status != BatchStatus.IMPORTED:
        status = batch.get_status_display().lower()
        return [f"only an imported batch can be withdrawn; this one is {status}"]
    # A batch imported before finish times were kept is judged from its upload.
    finished = batch.finished_at or batch.uploaded_at
    cases = SampledCase.objects.filter(batch=batch)
    reviewed = CaseReview.objects.filter(case__batch=batch).filter(
        ~Q(kind=ReviewKind.FIRST)
        | Q(version__gt=1)
        | Q(created_at__gt=finished)
        | Q(updated_at__gt=finished)
    )
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
    """Remove the batch's cases and reviews and mark it withdrawn; returns the cases removed.

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
        removed = SampledCase.objects.filter(batch=locked).count()
        SampledCase.objects.filter(batch=locked).delete()
        locked.status = BatchStatus.WITHDRAWN
        locked.withdrawn_by = by
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
        auditing.record(
            # Its cases are deleted: to the law, an erasure (the details say why).
            AuditAction.ERASURE,
            locked,
            by=by,
            request=request,
            reason="withdrawal",
            cases_removed=removed,
        )
    batch.refresh_from_db()
    return removed

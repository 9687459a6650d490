"""Erasing an inspection's casework when its retention ends.

The text of the casework is what the law protects: the records' narratives
(victims' accounts), the reviewers' notes, the saved earlier versions of each
review, the checking errors that quote a batch file's cells, and the uploaded
files themselves. Erasure removes all of that. What it keeps is what the
published figures are made of: each case's record type, offence group and
dates, and each review's decisions. So the figures stay what they were, can be
recomputed and still agree, and nothing anybody could read about a person is
left.

One transaction, under the inspection's row lock, so a review being saved
either lands before (and is erased) or is refused after. The audit entry says
how many of each thing went, never what they said.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    SampleBatch,
    SampledCase,
    batch_file_storage,
    casework_changed,
)


class ErasureRefused(Exception):
    """The casework cannot be erased now; the message says why and what to do."""


@dataclass(frozen=True)
class ErasureCounts:
    """How much an erasure removed (or would remove): numbers only, never the text."""

    narratives: int
    notes: int
    review_versions: int
    batch_error_lists: int
    files: int

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def erasure_refusal(inspection) -> str:
    """Why ``inspection``'s casework cannot be erased now; '' when it can."""
    if inspection.is_open_for_review:
        return (
            f"This inspection is {inspection.get_status_display().lower()}: its cases are still "
            "being reviewed. Erase its casework once it is signed off."
        )
    if SampleBatch.objects.filter(
        inspection=inspection,
        status__in=(SampleBatch.Status.PENDING, SampleBatch.Status.PROCESSING),
    ).exists():
        return "A batch of this inspection is still being processed: wait for it to finish."
    return ""


def retention_passed(inspection, today=None) -> bool | None:
    """Whether its programme's retention date has passed; None when it has none."""
    until = inspection.programme.retention_until
    if until is None:
        return None
    return (today or timezone.localdate()) > until


def what_would_go(inspection) -> ErasureCounts:
    """What erasing ``inspection``'s casework now would remove."""
    cases = SampledCase.objects.filter(inspection=inspection)
    reviews = CaseReview.objects.filter(case__inspection=inspection)
    batches = SampleBatch.objects.filter(inspection=inspection)
    return ErasureCounts(
        narratives=cases.exclude(summary="").count(),
        notes=reviews.exclude(notes="").count(),
        review_versions=CaseReview.history.filter(case_id__in=cases.values("pk")).count(),
        batch_error_lists=batches.exclude(errors=[]).count(),
        files=batches.exclude(stored_file="").count(),
    )


def erase_casework(inspection, *, by=None, request=None) -> ErasureCounts:
    """Erase ``inspection``'s casework text, keeping its decisions and figures.

    Refused (``ErasureRefused``) while the inspection is open for review or a
    batch is being processed. Safe to run twice: the second time finds nothing
    and says so in its own audit entry.
    """
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        refusal = erasure_refusal(locked)
        if refusal:
            raise ErasureRefused(refusal)
        cases = SampledCase.objects.filter(inspection=locked)
        reviews = CaseReview.objects.filter(case__inspection=locked)
        batches = SampleBatch.objects.filter(inspection=locked)
        # The version first, as every writer does: the review pages' kept copies
        # (which hold narratives) are never read again.
        casework_changed(locked.pk)
        files = list(batches.exclude(stored_file="").values_list("pk", "stored_file"))
        # Updates in bulk send no signals: the figures, made of the decisions that
        # stay, are not recomputed, and no new history copy is written.
        counts = ErasureCounts(
            narratives=cases.exclude(summary="").update(summary=""),
            notes=reviews.exclude(notes="").update(notes=""),
            review_versions=CaseReview.history.filter(case_id__in=cases.values("pk")).delete()[0],
            batch_error_lists=batches.exclude(errors=[]).update(errors=[]),
            files=batches.filter(pk__in=[pk for pk, _ in files]).update(stored_file=""),
        )
        Inspection.objects.filter(pk=locked.pk).update(casework_erased_at=timezone.now())
        audit.record_change(
            AuditAction.ERASURE,
            by=by,
            request=request,
            target=f"inspection {locked.slug}",
            subject=locked,
            **asdict(counts),
        )
        # The files go once the rows no longer name them, and only if all of it held.
        transaction.on_commit(lambda: _delete_files(name for _, name in files))
    return counts


def _delete_files(names):
    storage = batch_file_storage()
    for name in names:
        storage.delete(name)

"""A completed audit workbook for an inspection whose sample was drawn from its extract.

The cases exist already (the draw made them), so a row records its decisions
as the first review of the drawn case with its reference, and fills in the
case's summary where the extract had none. No case is created: a reference
outside the drawn sample is an error at its row, as is a record type that is
not the drawn case's, or a case already reviewed. All or nothing, in one
transaction, like any batch. The dry run checks the same rules through the
same code (:func:`check_drawn`), and what the import wrote to each case is
noted so that withdrawing the workbook takes back exactly that
(:mod:`withdrawal`).
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from inspect_app.inspections.decisions import DECISION_FIELDS
from inspect_app.inspections.models import CaseReview, ReviewKind, SampledCase
from inspect_app.sampling.models import Draw
from inspect_app.uploads import writing
from inspect_app.uploads.checking import rows_after_header
from inspect_app.uploads.columns import COLUMN_NAMES
from inspect_app.uploads.errors import WHOLE_FILE, UnreadableFile
from inspect_app.uploads.header import Header
from inspect_app.uploads.lookups import Lookups
from inspect_app.uploads.models import DrawnCaseEntry
from inspect_app.uploads.reading import open_rows
from inspect_app.uploads.rows import RowParser
from inspect_app.uploads.values import shown


class DrawnFileHasErrors(Exception):
    """Raised inside the import's transaction to roll it back."""


def is_drawn(inspection) -> bool:
    """Whether the inspection's cases were drawn from its extract (so a file reviews them)."""
    return Draw.objects.filter(inspection=inspection).exists()


def _drawn_cases(inspection):
    reviewed = set(
        CaseReview.objects.filter(case__inspection=inspection, kind=ReviewKind.FIRST).values_list(
            "case_id", flat=True
        )
    )
    return {
        reference: (pk, record_type, not summary, pk in reviewed)
        for pk, reference, record_type, summary in SampledCase.objects.filter(
            inspection=inspection, drawn__isnull=False
        ).values_list("pk", "reference", "record_type", "summary")
    }


@dataclass
class DrawnCheck:
    """What a completed workbook would write: the first reviews of its drawn cases, and the
    summaries it fills in (case id → summary), with how many rows it has."""

    rows: int = 0
    reviews: list = field(default_factory=list)
    summaries: dict = field(default_factory=dict)


def check_drawn(path, inspection, *, filename="", ignored_columns=(), errors) -> DrawnCheck:
    """Every check the import of a completed workbook makes, and what it would write.

    Writes nothing: the dry run (``processing.check_file``) and the import
    (:func:`import_drawn`, inside its transaction) both run it, so the two
    check the same rules. The reviews are built only while the file has no
    error, so a bad file does not hold them all in memory.
    """
    found = DrawnCheck()
    cases = _drawn_cases(inspection)
    first_row: dict[str, int] = {}
    try:
        rows = iter(open_rows(path, filename))
        first = next(rows, None)
        if first is None:
            errors.add(1, WHOLE_FILE, "the file is empty: it needs a header row and data rows")
            return found
        header = Header.read(first[1], ignored_columns)
        errors.set_column_order(
            [WHOLE_FILE, *sorted(header.positions, key=header.positions.get), *COLUMN_NAMES]
        )
        for column, message in header.problems:
            errors.add(1, column, message)
        if not header.rows_readable:
            return found
        parser = RowParser(header, Lookups(inspection))
        for number, cells in rows_after_header(rows, parser):
            found.rows += 1
            problems = []
            parsed = parser.parse(number, cells, problems)
            for column, message in problems:
                errors.add(number, column, message)
            if parsed is None or not parsed.reference:
                continue
            seen = first_row.setdefault(parsed.reference, number)
            if seen != number:
                errors.add(number, "reference", f"also on row {seen}: one row per case")
                continue
            drawn = cases.get(parsed.reference)
            if drawn is None:
                errors.add(
                    number,
                    "reference",
                    f"{shown(parsed.reference)} is not in this inspection's drawn sample: "
                    "a completed workbook records reviews of the drawn cases only",
                )
                continue
            case_id, record_type, summary_missing, already_reviewed = drawn
            if parsed.record_type != record_type:
                errors.add(
                    number,
                    "record_type",
                    f"the drawn case's record type is {record_type}, not {parsed.record_type}",
                )
                continue
            if parsed.has_review and already_reviewed:
                errors.add(number, WHOLE_FILE, "this case already has a first review")
                continue
            if summary_missing and parsed.summary:
                found.summaries[case_id] = parsed.summary
            if parsed.has_review and not errors:
                found.reviews.append(
                    CaseReview(
                        case_id=case_id,
                        kind=ReviewKind.FIRST,
                        record_type=record_type,
                        reviewer_id=parsed.reviewer_id,
                        notes=parsed.notes,
                        version=1,
                        **{name: parsed.answers[name] for name in DECISION_FIELDS},
                    )
                )
    except UnreadableFile as problem:
        errors.add(problem.row, WHOLE_FILE, problem.message)
    if found.rows == 0 and not errors:
        errors.add(2, WHOLE_FILE, "the file has a header but no rows")
    return found


def import_drawn(path, batch, *, errors, progress) -> tuple[int, int]:
    """Check the file and record its reviews; returns (rows, reviews written).

    Raises DrawnFileHasErrors (nothing written) when ``errors`` has any. Each
    drawn case it writes to is noted (:class:`DrawnCaseEntry`) with what it
    wrote, so that withdrawing the workbook can take exactly that back.
    """
    with transaction.atomic():
        locked = writing.lock_for_import(batch)
        # Checked under the batch's lock, against the drawn cases as they are now.
        found = check_drawn(
            path,
            batch.inspection,
            filename=batch.original_filename,
            ignored_columns=batch.ignored_columns,
            errors=errors,
        )
        if errors:
            raise DrawnFileHasErrors
        made = CaseReview.objects.bulk_create(found.reviews)
        CaseReview.history.bulk_history_create(
            made,
            default_user=batch.uploaded_by,
            default_change_reason=writing.history_reason(batch),
        )
        for case_id, summary in found.summaries.items():
            SampledCase.objects.filter(pk=case_id).update(summary=summary)
        review_of = {review.case_id: review.pk for review in made}
        DrawnCaseEntry.objects.bulk_create(
            DrawnCaseEntry(
                batch_id=batch.pk,
                case_id=case_id,
                review_id=review_of.get(case_id),
                filled_summary=case_id in found.summaries,
            )
            for case_id in sorted(review_of.keys() | found.summaries.keys())
        )
        progress.report("importing", 1.0, len(made), len(made))
        writing.mark_imported(batch, locked, len(made), history_date=timezone.now())
    return found.rows, len(made)

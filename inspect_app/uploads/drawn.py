"""A completed audit workbook for an inspection whose sample was drawn from its extract.

The cases exist already (the draw made them), so a row records its decisions
as the first review of the drawn case with its reference, and fills in the
case's summary where the extract had none. No case is created: a reference
outside the drawn sample is an error at its row, as is a record type that is
not the drawn case's, or a case already reviewed. All or nothing, in one
transaction, like any batch.
"""

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


def import_drawn(path, batch, *, errors, progress) -> tuple[int, int]:
    """Check the file and record its reviews; returns (rows, reviews written).

    Raises DrawnFileHasErrors (nothing written) when ``errors`` has any.
    """
    inspection = batch.inspection
    rows_seen = 0
    with transaction.atomic():
        locked = writing.lock_for_import(batch)
        cases = _drawn_cases(inspection)
        first_row: dict[str, int] = {}
        reviews, summaries = [], {}
        try:
            rows = iter(open_rows(path, batch.original_filename))
            first = next(rows, None)
            if first is None:
                errors.add(1, WHOLE_FILE, "the file is empty: it needs a header row and data rows")
                raise DrawnFileHasErrors
            header = Header.read(first[1], batch.ignored_columns)
            errors.set_column_order(
                [WHOLE_FILE, *sorted(header.positions, key=header.positions.get), *COLUMN_NAMES]
            )
            for column, message in header.problems:
                errors.add(1, column, message)
            if not header.rows_readable:
                raise DrawnFileHasErrors
            parser = RowParser(header, Lookups(inspection))
            for number, cells in rows_after_header(rows, parser):
                rows_seen += 1
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
                found = cases.get(parsed.reference)
                if found is None:
                    errors.add(
                        number,
                        "reference",
                        f"{shown(parsed.reference)} is not in this inspection's drawn sample: "
                        "a completed workbook records reviews of the drawn cases only",
                    )
                    continue
                case_id, record_type, summary_missing, already_reviewed = found
                if parsed.record_type != record_type:
                    errors.add(
                        number,
                        "record_type",
                        f"the drawn case is a {record_type} record, not {parsed.record_type}",
                    )
                    continue
                if parsed.has_review and already_reviewed:
                    errors.add(number, WHOLE_FILE, "this case already has a first review")
                    continue
                if summary_missing and parsed.summary:
                    summaries[case_id] = parsed.summary
                if parsed.has_review and not errors:
                    reviews.append(
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
        if rows_seen == 0 and not errors:
            errors.add(2, WHOLE_FILE, "the file has a header but no rows")
        if errors:
            raise DrawnFileHasErrors
        made = CaseReview.objects.bulk_create(reviews)
        CaseReview.history.bulk_history_create(
            made,
            default_user=batch.uploaded_by,
            default_change_reason=writing.history_reason(batch),
        )
        for case_id, summary in summaries.items():
            SampledCase.objects.filter(pk=case_id).update(summary=summary)
        progress.report("importing", 1.0, len(made), len(made))
        writing.mark_imported(batch, locked, len(made), history_date=timezone.now())
    return rows_seen, len(made)

"""Turning one row of a batch file into the values to store, or saying what is wrong with it.

Pure checks, no writes: :class:`RowParser` works against a :class:`Header`
(which position holds which column) and :class:`Lookups` loaded once per
file. Checks that need the other rows (a reference used twice, or already in
the inspection) are made by :mod:`references`.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from inspect_app.inspections.decisions import DECISION_FIELDS, RecordType, contradictions
from inspect_app.uploads.columns import (
    MAX_REFERENCE_LENGTH,
    MAX_SUMMARY_LENGTH,
    OFFENCE_GROUP_NEEDED_FOR,
    column_letter,
)
from inspect_app.uploads.header import Header
from inspect_app.uploads.lookups import Lookups, NotAssigned
from inspect_app.uploads.values import (
    RECORD_TYPES,
    YES_NO,
    ValueProblem,
    parse_record_type,
    parse_reported_at,
    parse_yes_no,
    shown,
)


@dataclass(slots=True)
class ParsedRow:
    """One row's values, ready to store."""

    row: int
    reference: str
    record_type: str
    reported_at: datetime.datetime
    offence_group_id: int | None
    summary: str
    reviewer_id: int | None
    answers: dict
    notes: str

    @property
    def has_review(self) -> bool:
        return self.reviewer_id is not None


NUL_MESSAGE = "contains a NUL character: is the file really UTF-8 text?"
#: Yes/no cells as files usually write them, straight to their answer; anything
#: else goes through :func:`parse_yes_no`.
_YES_NO_AS_WRITTEN = {
    spelling: answer
    for word, answer in YES_NO.items()
    for spelling in (word, word.upper(), word.capitalize())
}
_YES_NO_AS_WRITTEN[""] = None


class RowParser:
    """Turns one row into a :class:`ParsedRow`, collecting every problem with it.

    Checks that need the other rows (a reference used twice, or already in
    the inspection) are made by the caller.

    It runs once per row of files of a million rows, so the work that depends
    only on the header (which position holds which column) is done once, here.
    """

    def __init__(self, header: Header, lookups: Lookups, now=None):
        self.header = header
        self.lookups = lookups
        self.now = now or timezone.now()
        self._positions = header.positions
        self._unnamed = set(header.unnamed)
        self._width = header.width
        position = header.positions.get
        self._reference = position("reference")
        self._record_type = position("record_type")
        self._reported_at = position("reported_at")
        self._offence_group = position("offence_group")
        self._summary = position("summary")
        self._force = position("force")
        self._reviewer = position("reviewer")
        self._notes = position("review_notes")
        self._decisions = tuple(
            (name, header.positions[name]) for name in DECISION_FIELDS if name in header.positions
        )
        self._named = tuple(sorted(header.positions.items(), key=lambda item: item[1]))
        # (record type, *answers) → contradictions(): at most 4 × 3⁷ entries.
        self._contradictions = {}

    def is_blank(self, cells) -> bool:
        if getattr(cells, "problems", None):
            return False  # a formula without its result looks blank, but is not
        for cell in cells:
            if cell != "" and not (isinstance(cell, str) and not cell.strip()):
                return False
        return True

    def _without_nul(self, cells):
        """``cells`` with NUL characters taken out of named columns, and those columns' names.

        (None, None) when there are none, which is nearly always.
        """
        try:
            if "\x00" not in "".join(cells):
                return None, None
        except TypeError:  # a workbook's date or time among the cells
            if not any(isinstance(cell, str) and "\x00" in cell for cell in cells):
                return None, None
        cleaned = list(cells)
        names = set()
        for name, index in self._named:
            value = cells[index]
            if isinstance(value, str) and "\x00" in value:
                cleaned[index] = value.replace("\x00", "")
                names.add(name)
        return (cleaned, names) if names else (None, None)

    def parse(self, row, cells, problems) -> ParsedRow | None:
        """The row's values, with every problem added to ``problems`` as (column, message).

        The row can be stored only when ``problems`` did not grow; its
        ``reference`` is set whenever the reference itself is valid, so a
        row with other problems still counts in the check for duplicates.
        None means the row's cells could not be matched to the columns.
        """
        if getattr(cells, "problems", None):
            return self._parse_with_bad_cells(row, cells, problems)
        width = self._width
        if len(cells) != width:
            extra = [i for i in range(width, len(cells)) if _filled(cells[i])]
            if len(cells) < width or extra:
                first = extra[0] if extra else len(cells)
                problems.append(
                    (
                        column_letter(first),
                        f"this row has {len(cells)} values but the header has {width} columns"
                        + ("" if extra else " (is a quote or a line break out of place?)"),
                    )
                )
                return None
        for index in self._unnamed:
            if _filled(cells[index]):
                problems.append((column_letter(index), "a value in a column with no header"))
                break
        cleaned, nul = self._without_nul(cells)
        if cleaned is not None:
            cells = cleaned
        add = problems.append

        # reference
        index = self._reference
        if nul and "reference" in nul:
            add(("reference", NUL_MESSAGE))
        reference = str(cells[index] if index is not None else "").strip()
        reference_ok = True
        if not reference:
            add(("reference", "a reference is needed"))
            reference_ok = False
        elif len(reference) > MAX_REFERENCE_LENGTH:
            add(
                (
                    "reference",
                    f"is {len(reference)} characters long; the most is {MAX_REFERENCE_LENGTH}",
                )
            )
            reference_ok = False

        index = self._record_type
        if nul and "record_type" in nul:
            add(("record_type", NUL_MESSAGE))
        value = cells[index] if index is not None else ""
        if value in RECORD_TYPES:
            record_type = value
        else:
            try:
                record_type = parse_record_type(str(value))
            except ValueProblem as problem:
                add(("record_type", str(problem)))
                record_type = None

        index = self._reported_at
        if nul and "reported_at" in nul:
            add(("reported_at", NUL_MESSAGE))
        try:
            reported_at = parse_reported_at(cells[index] if index is not None else "", self.now)
        except ValueProblem as problem:
            add(("reported_at", str(problem)))
            reported_at = None

        index = self._offence_group
        if nul and "offence_group" in nul:
            add(("offence_group", NUL_MESSAGE))
        group_text = str(cells[index]).strip() if index is not None else ""
        offence_group_id = None
        if group_text:
            offence_group_id = self.lookups.offence_groups.get(group_text.lower())
            if offence_group_id is None:
                add(
                    (
                        "offence_group",
                        f"{shown(group_text)} is not an offence group: give its code "
                        "(such as VAP) or its name (such as Violence against the person)",
                    )
                )
        elif record_type in OFFENCE_GROUP_NEEDED_FOR:
            label = RecordType(record_type).label.lower()
            article = "an" if label[0] in "aeiou" else "a"
            add(("offence_group", f"an offence group is needed for {article} {label} record"))

        index = self._summary
        if nul and "summary" in nul:
            add(("summary", NUL_MESSAGE))
        summary = str(cells[index]) if index is not None else ""
        if len(summary) > MAX_SUMMARY_LENGTH:
            add(
                (
                    "summary",
                    f"is {len(summary):,} characters long; the most is {MAX_SUMMARY_LENGTH:,}",
                )
            )

        index = self._force
        if index is not None:
            if nul and "force" in nul:
                add(("force", NUL_MESSAGE))
            force_text = str(cells[index]).strip()
            if force_text and force_text.lower() not in self.lookups.force_names:
                add(
                    (
                        "force",
                        f"{shown(force_text)} is not this inspection's force, "
                        f"{self.lookups.force_label}",
                    )
                )

        answers = dict.fromkeys(DECISION_FIELDS)
        answers_readable = True
        decided = False
        for name, index in self._decisions:
            if nul and name in nul:
                add((name, NUL_MESSAGE))
            value = cells[index]
            try:
                answer = _YES_NO_AS_WRITTEN[value]
            except (KeyError, TypeError):
                try:
                    answer = parse_yes_no(value if isinstance(value, str) else str(value))
                except ValueProblem as problem:
                    add((name, str(problem)))
                    answers_readable = False
                    continue
            if answer is not None:
                answers[name] = answer
                decided = True
        if decided and answers_readable and record_type is not None:
            # contradictions() depends on nothing else, and a file repeats a few
            # combinations many times: each is worked out once per file.
            key = (record_type, *answers.values())
            found = self._contradictions.get(key)
            if found is None:
                found = self._contradictions[key] = tuple(contradictions(record_type, answers))
            problems.extend(found)

        index = self._reviewer
        if nul and "reviewer" in nul:
            add(("reviewer", NUL_MESSAGE))
        username = str(cells[index]).strip() if index is not None else ""
        index = self._notes
        if nul and "review_notes" in nul:
            add(("review_notes", NUL_MESSAGE))
        notes = str(cells[index]) if index is not None else ""
        reviewer_id = None
        if username:
            try:
                reviewer_id = self.lookups.reviewer_id(username)
            except NotAssigned as problem:
                add(("reviewer", problem.message))  # said once for all their rows
            except ValueProblem as problem:
                add(("reviewer", str(problem)))
            if reviewer_id is not None and not decided and answers_readable:
                add(
                    (
                        "reviewer",
                        "a reviewer is given but no decisions: fill in the decisions, "
                        "or leave the reviewer blank",
                    )
                )
        elif decided:
            add(
                (
                    "reviewer",
                    "decisions need a reviewer: the username of the inspector who made them",
                )
            )
        elif notes.strip():
            add(("review_notes", "review notes need a reviewer and decisions"))

        if not reference_ok or (nul and "reference" in nul):
            reference = None
        return ParsedRow(
            row=row,
            reference=reference,
            record_type=record_type,
            reported_at=reported_at,
            offence_group_id=offence_group_id,
            summary=summary,
            reviewer_id=reviewer_id,
            answers=answers,
            notes=notes,
        )

    def _parse_with_bad_cells(self, row, cells, problems) -> ParsedRow | None:
        """A workbook row with cells that hold no usable value (see ``RowWithBadCells``).

        Each such cell in a named column is reported for what it is, in place
        of whatever its blank or error value would otherwise be blamed for;
        the row's other cells are checked as usual.
        """
        names = {index: name for name, index in self._named}
        bad_columns = {
            names[index]: message
            for index, message in cells.problems.items()
            if index in names  # an ignored or unnamed column's value does not matter
        }
        found = []
        parsed = self.parse(row, list(cells), found)
        problems.extend(problem for problem in found if problem[0] not in bad_columns)
        problems.extend(bad_columns.items())
        if parsed is not None and "reference" in bad_columns:
            parsed.reference = None
        return parsed


def _filled(cell) -> bool:
    return not (cell == "" or (isinstance(cell, str) and not cell.strip()))

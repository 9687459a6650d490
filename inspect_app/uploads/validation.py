"""Checking a batch file's header and rows against the format (docs/batch-format.md).

Pure checks, no writes: :class:`Header` matches the header row to the
columns; :class:`RowParser` turns one row into the values to store, or says
what is wrong with it, using lookups loaded once per file.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from forces.models import OffenceGroup
from inspect_app.accounts import access
from inspect_app.accounts.models import User
from inspect_app.inspections.decisions import DECISION_FIELDS, RecordType, contradictions
from inspect_app.uploads.columns import (
    COLUMN_NAMES,
    MAX_REFERENCE_LENGTH,
    MAX_SUMMARY_LENGTH,
    OFFENCE_GROUP_NEEDED_FOR,
    REQUIRED_COLUMNS,
    column_letter,
    normalise_header,
)
from inspect_app.uploads.errors import WHOLE_FILE, RowsMessage
from inspect_app.uploads.reading import SAVE_AS_CSV_UTF8

LONDON = ZoneInfo("Europe/London")
UK_DATE = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
)
ISO_DATE_START = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
YES_NO = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}
RECORD_TYPES = frozenset(RecordType.values)  # Django rebuilds .values on every access
DATE_FORMATS_HINT = "use YYYY-MM-DD or DD/MM/YYYY, with an optional time HH:MM"
SHOWN_VALUE_LENGTH = 40


class ValueProblem(ValueError):
    """A value that cannot stand; the message says why, in the user's words."""


class NotAssigned(ValueProblem):
    """A reviewer who could review this inspection once on its team.

    A file tends to name one such reviewer on thousands of rows, so
    ``message`` is a :class:`RowsMessage`: one line for all their rows,
    saying where to assign them.
    """

    def __init__(self, username, inspection):
        team_page = reverse("inspection-team", kwargs={"slug": inspection.slug})
        who = shown(username)
        self.message = RowsMessage(
            f"{who} is not assigned to this inspection",
            f"{who} is not assigned to this inspection ({{rows}}): assign them on the "
            f"inspection's team page, {team_page}, or with "
            f"manage.py assign_inspectors {inspection.slug} {username}",
        )
        super().__init__(str(self.message))


def shown(value) -> str:
    """A value quoted in a message, cut short: messages must stay one readable line."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[: SHOWN_VALUE_LENGTH - 1] + "…"
    return f"'{text}'"


# --- the header -------------------------------------------------------------------------


@dataclass
class Header:
    """Which position holds which column, and what is wrong with the header row."""

    positions: dict = field(default_factory=dict)  # column name → index
    unnamed: list = field(default_factory=list)  # indexes of blank headers: must stay empty
    width: int = 0
    problems: list = field(default_factory=list)  # (column, message)
    # False when the rows cannot be checked against this header: it is not a
    # header at all, names a column twice, or lacks a required one.
    rows_readable: bool = True

    @classmethod
    def read(cls, cells, ignored=()) -> "Header":
        header = cls(width=len(cells))
        not_a_header = _not_a_header(cells)
        if not_a_header:
            # One message that says what is wrong, not one per column.
            header.problems.append((WHOLE_FILE, not_a_header))
            header.rows_readable = False
            return header
        ignored = {normalise_header(name) for name in ignored}
        for index, cell in enumerate(cells):
            if isinstance(cell, datetime.date | datetime.time):
                cell = str(cell)
            name = normalise_header(cell)
            if name in ignored:
                continue  # asked for: whatever it holds is left out
            if not name:
                header.unnamed.append(index)
            elif name not in COLUMN_NAMES:
                header.problems.append(
                    (
                        str(cell).strip(),
                        f"unknown column {shown(str(cell).strip())} (column "
                        f"{column_letter(index)}): remove it, or ask for it to be ignored",
                    )
                )
            elif name in header.positions:
                header.rows_readable = False
                header.problems.append(
                    (
                        name,
                        f"the column appears twice (columns "
                        f"{column_letter(header.positions[name])} and {column_letter(index)})",
                    )
                )
            else:
                header.positions[name] = index
        for name in REQUIRED_COLUMNS:
            if name not in header.positions:
                header.rows_readable = False
                header.problems.append((name, "this required column is missing"))
        return header


#: Separators a CSV may have been saved with instead of commas, as a message names them.
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _not_a_header(cells) -> str:
    """Why row 1 cannot be the header at all; '' when it can be read as one.

    A row with several cells of which none names a column is still read as
    a header (its columns may just be misnamed): each gets its own message.
    """
    texts = [cell if isinstance(cell, str) else str(cell) for cell in cells]
    if any(normalise_header(text) in COLUMN_NAMES for text in texts):
        return ""
    line = ",".join(texts)
    for separator, name in OTHER_SEPARATORS.items():
        if any(normalise_header(part) in COLUMN_NAMES for part in line.split(separator)):
            return f"the columns are separated by {name}, not commas: {SAVE_AS_CSV_UTF8}"
    filled = sum(1 for text in texts if text.strip())
    if filled == 0:
        return (
            "row 1 is blank: the header row (reference, record_type, reported_at…) must be "
            "the first row, with nothing above it"
        )
    if filled == 1:
        return (
            "row 1 is not a header row: none of its cells names a column. The header "
            "(reference, record_type, reported_at…) must be the first row, with no title above it"
        )
    return ""


# --- values -------------------------------------------------------------------------------


def parse_yes_no(value):
    """True, False, or None for a blank (not decided)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in YES_NO:
            return YES_NO[text]
    raise ValueProblem(f"{shown(value)} is not yes or no (use yes/no, y/n, true/false or 1/0)")


def parse_reported_at(value, now) -> datetime.datetime:
    """An aware date-time. Dates and times without a zone are UK (Europe/London) time."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, datetime.time):
        raise ValueProblem(f"{shown(value)} is a time without a date")
    else:
        moment = _parse_date_text(value.strip())
    if moment.tzinfo is None:
        moment = _london(moment)
    if moment > now:
        raise ValueProblem(f"{shown(value)} is in the future")
    return moment


def _parse_date_text(text) -> datetime.datetime:
    if not text:
        raise ValueProblem(f"a date is needed: {DATE_FORMATS_HINT}")
    # ISO first: it is the common form and fromisoformat is quick. No text is
    # both (ISO never has "/"), so the order does not change what is accepted.
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    uk = UK_DATE.fullmatch(text)
    if uk:
        parts = {key: int(number) for key, number in uk.groupdict(default="0").items()}
        try:
            return datetime.datetime(**parts)
        except ValueError:
            hint = " (dates are day/month/year)" if parts["month"] > 12 else ""
            raise ValueProblem(f"{shown(text)} is not a real date or time{hint}") from None
    if ISO_DATE_START.match(text):
        raise ValueProblem(f"{shown(text)} is not a real date or time") from None
    raise ValueProblem(f"{shown(text)} is not a date: {DATE_FORMATS_HINT}") from None


def _london(naive) -> datetime.datetime:
    """``naive`` as London time; refused if it never happened (the hour the clocks skip)."""
    aware = naive.replace(tzinfo=LONDON)
    if _clocks_change_on(naive.date()) and (
        aware.astimezone(datetime.UTC).astimezone(LONDON).replace(tzinfo=None) != naive
    ):
        raise ValueProblem(
            f"{naive:%d/%m/%Y %H:%M} did not happen in the UK (the clocks went forward)"
        )
    return aware


@functools.lru_cache(maxsize=4096)
def _clocks_change_on(day) -> bool:
    """Whether London's offset from UTC differs between this midnight and the next.

    Only on such a day can a time be skipped; every other day needs no round trip.
    """
    start = datetime.datetime.combine(day, datetime.time())
    try:
        end = start + datetime.timedelta(days=1)
    except OverflowError:
        return True
    return LONDON.utcoffset(start) != LONDON.utcoffset(end)


def parse_record_type(value) -> str:
    text = normalise_header(value)  # "No-crime", " OOCD " → no_crime, oocd
    if text in RECORD_TYPES:
        return text
    if not text:
        raise ValueProblem("a record type is needed: incident, other_system, no_crime or oocd")
    raise ValueProblem(
        f"{shown(value)} is not a record type: use incident, other_system, no_crime or oocd"
    )


# --- lookups ------------------------------------------------------------------------------


class Lookups:
    """What rows are checked against, loaded once per file: groups, the force, reviewers."""

    def __init__(self, inspection):
        self.inspection = inspection
        self.offence_groups = {}
        for pk, code, name in OffenceGroup.objects.values_list("pk", "code", "name"):
            self.offence_groups[code.strip().lower()] = pk
            self.offence_groups[name.strip().lower()] = pk
        force = inspection.force
        self.force_names = {force.code.lower(), force.name.lower()}
        self.force_label = f"{force.name} ({force.code})"
        self.assigned_inspectors = set(inspection.inspectors.values_list("pk", flat=True))
        self._reviewers = {}  # username as written → user id, or a ValueProblem

    def reviewer_id(self, username) -> int:
        if username not in self._reviewers:
            try:
                self._reviewers[username] = self._find_reviewer(username)
            except ValueProblem as problem:
                self._reviewers[username] = problem
        found = self._reviewers[username]
        if isinstance(found, ValueProblem):
            raise found
        return found

    def _find_reviewer(self, username) -> int:
        matches = list(
            User.objects.filter(Q(username=username) | Q(username__iexact=username)).only(
                "pk", "username", "role", "is_active"
            )
        )
        exact = [match for match in matches if match.username == username]
        if exact:
            matches = exact
        if not matches:
            raise ValueProblem(f"there is no user called {shown(username)}")
        if len(matches) > 1:
            raise ValueProblem(f"{shown(username)} matches several users: give it exactly")
        user = matches[0]
        name = user.username
        if not user.is_active:
            raise ValueProblem(f"{shown(name)} is deactivated")
        if not access.may_review(user):
            raise ValueProblem(
                f"{shown(name)} is not an inspector or lead inspector, so cannot review"
            )
        if not access.may_be_given_cases(user, on_team=user.pk in self.assigned_inspectors):
            raise NotAssigned(name, self.inspection)
        return user.pk


# --- rows ---------------------------------------------------------------------------------


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

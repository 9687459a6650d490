"""Checking a batch file's header and rows against the format (docs/batch-format.md).

Pure checks, no writes: :class:`Header` matches the header row to the
columns; :class:`RowParser` turns one row into the values to store, or says
what is wrong with it, using lookups loaded once per file.
"""

import datetime
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from forces.models import OffenceGroup
from inspect_app.accounts.models import User
from inspect_app.accounts.roles import Role
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
REVIEWER_ROLES = (Role.INSPECTOR, Role.LEAD_INSPECTOR)
RECORD_TYPES = frozenset(RecordType.values)  # Django rebuilds .values on every access
DATE_FORMATS_HINT = "use YYYY-MM-DD or DD/MM/YYYY, with an optional time HH:MM"
SHOWN_VALUE_LENGTH = 40


class ValueProblem(ValueError):
    """A value that cannot stand; the message says why, in the user's words."""


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

    @classmethod
    def read(cls, cells, ignored=()) -> "Header":
        header = cls(width=len(cells))
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
                header.problems.append((name, "this required column is missing"))
        return header


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
    uk = UK_DATE.fullmatch(text)
    if uk:
        parts = {key: int(number) for key, number in uk.groupdict(default="0").items()}
        try:
            return datetime.datetime(**parts)
        except ValueError:
            hint = " (dates are day/month/year)" if parts["month"] > 12 else ""
            raise ValueProblem(f"{shown(text)} is not a real date or time{hint}") from None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        if ISO_DATE_START.match(text):
            raise ValueProblem(f"{shown(text)} is not a real date or time") from None
        raise ValueProblem(f"{shown(text)} is not a date: {DATE_FORMATS_HINT}") from None
    return moment


def _london(naive) -> datetime.datetime:
    """``naive`` as London time; refused if it never happened (the hour the clocks skip)."""
    aware = naive.replace(tzinfo=LONDON)
    if aware.astimezone(datetime.UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        raise ValueProblem(
            f"{naive:%d/%m/%Y %H:%M} did not happen in the UK (the clocks went forward)"
        )
    return aware


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
            User.objects.filter(Q(username=username) | Q(username__iexact=username)).values_list(
                "pk", "username", "role", "is_active"
            )
        )
        exact = [match for match in matches if match[1] == username]
        if exact:
            matches = exact
        if not matches:
            raise ValueProblem(f"there is no user called {shown(username)}")
        if len(matches) > 1:
            raise ValueProblem(f"{shown(username)} matches several users: give it exactly")
        pk, name, role, active = matches[0]
        if not active:
            raise ValueProblem(f"{shown(name)} is deactivated")
        if role not in REVIEWER_ROLES:
            raise ValueProblem(
                f"{shown(name)} is not an inspector or lead inspector, so cannot review"
            )
        if role == Role.INSPECTOR and pk not in self.assigned_inspectors:
            raise ValueProblem(f"{shown(name)} is not assigned to this inspection")
        return pk


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


class RowParser:
    """Turns one row into a :class:`ParsedRow`, collecting every problem with it.

    Checks that need the other rows (a reference used twice, or already in
    the inspection) are made by the caller.
    """

    def __init__(self, header: Header, lookups: Lookups, now=None):
        self.header = header
        self.lookups = lookups
        self.now = now or timezone.now()
        self._positions = header.positions
        self._unnamed = set(header.unnamed)

    def is_blank(self, cells) -> bool:
        return all(cell == "" or (isinstance(cell, str) and not cell.strip()) for cell in cells)

    def parse(self, row, cells, problems) -> ParsedRow | None:
        """The row's values, with every problem added to ``problems`` as (column, message).

        The row can be stored only when ``problems`` did not grow; its
        ``reference`` is set whenever the reference itself is valid, so a
        row with other problems still counts in the check for duplicates.
        None means the row's cells could not be matched to the columns.
        """
        before = len(problems)
        width = self.header.width
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

        def text(name):
            index = self._positions.get(name)
            if index is None:
                return ""
            value = cells[index]
            if isinstance(value, str):
                if "\x00" in value:
                    problems.append(
                        (name, "contains a NUL character: is the file really UTF-8 text?")
                    )
                    return value.replace("\x00", "")
                return value
            return value  # a date or time from a workbook

        def guarded(name, parse, *args):
            try:
                return parse(*args)
            except ValueProblem as problem:
                problems.append((name, str(problem)))
                return None

        # reference
        reference = text("reference")
        reference = str(reference).strip()
        if not reference:
            problems.append(("reference", "a reference is needed"))
        elif len(reference) > MAX_REFERENCE_LENGTH:
            problems.append(
                (
                    "reference",
                    f"is {len(reference)} characters long; the most is {MAX_REFERENCE_LENGTH}",
                )
            )

        record_type = guarded("record_type", parse_record_type, str(text("record_type")))
        reported_at = guarded("reported_at", parse_reported_at, text("reported_at"), self.now)

        group_text = str(text("offence_group")).strip()
        offence_group_id = None
        if group_text:
            offence_group_id = self.lookups.offence_groups.get(group_text.lower())
            if offence_group_id is None:
                problems.append(
                    (
                        "offence_group",
                        f"{shown(group_text)} is not an offence group: give its code "
                        "(such as VAP) or its name (such as Violence against the person)",
                    )
                )
        elif record_type in OFFENCE_GROUP_NEEDED_FOR:
            label = RecordType(record_type).label.lower()
            article = "an" if label[0] in "aeiou" else "a"
            problems.append(
                ("offence_group", f"an offence group is needed for {article} {label} record")
            )

        summary = str(text("summary"))
        if len(summary) > MAX_SUMMARY_LENGTH:
            problems.append(
                (
                    "summary",
                    f"is {len(summary):,} characters long; the most is {MAX_SUMMARY_LENGTH:,}",
                )
            )

        force_text = str(text("force")).strip()
        if force_text and force_text.lower() not in self.lookups.force_names:
            problems.append(
                (
                    "force",
                    f"{shown(force_text)} is not this inspection's force, "
                    f"{self.lookups.force_label}",
                )
            )

        answers = {}
        answers_readable = True
        for name in DECISION_FIELDS:
            if name in self._positions:
                value = text(name)
                try:
                    answers[name] = parse_yes_no(value if isinstance(value, str) else str(value))
                except ValueProblem as problem:
                    problems.append((name, str(problem)))
                    answers_readable = False
                    answers[name] = None
            else:
                answers[name] = None
        decided = any(answer is not None for answer in answers.values())
        if answers_readable and record_type is not None:
            for name, message in contradictions(record_type, answers):
                problems.append((name, message))

        username = str(text("reviewer")).strip()
        notes = str(text("review_notes"))
        reviewer_id = None
        if username:
            reviewer_id = guarded("reviewer", self.lookups.reviewer_id, username)
            if reviewer_id is not None and not decided and answers_readable:
                problems.append(
                    (
                        "reviewer",
                        "a reviewer is given but no decisions: fill in the decisions, "
                        "or leave the reviewer blank",
                    )
                )
        elif decided:
            problems.append(
                (
                    "reviewer",
                    "decisions need a reviewer: the username of the inspector who made them",
                )
            )
        elif notes.strip():
            problems.append(("review_notes", "review notes need a reviewer and decisions"))

        if len(problems) > before and any(column == "reference" for column, _ in problems[before:]):
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


def _filled(cell) -> bool:
    return not (cell == "" or (isinstance(cell, str) and not cell.strip()))

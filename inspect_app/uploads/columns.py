"""The columns of a sample batch file and how a header row is matched to them."""

from dataclasses import dataclass

from inspect_app.core.cells import column_letter, normalise_header  # noqa: F401
from inspect_app.inspections.decisions import DECISION_FIELDS, NEEDS_OFFENCE_GROUP, RecordType


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str


COLUMNS = (
    Column("reference", True, "the force's record reference, 1–64 characters"),
    Column("record_type", True, "incident, other_system, no_crime or oocd"),
    Column(
        "reported_at",
        True,
        "YYYY-MM-DD or DD/MM/YYYY, with an optional time HH:MM (UK time)",
    ),
    Column(
        "offence_group",
        False,
        "an offence group's code or name; needed for no_crime and oocd records",
    ),
    Column("summary", False, "the record's narrative, up to 10,000 characters"),
    Column("force", False, "the inspection's force, by ONS code or name"),
    *(Column(field, False, "yes or no; blank when not decided") for field in DECISION_FIELDS),
    Column("reviewer", False, "the username of the inspector whose decisions these are"),
    Column("review_notes", False, "the inspector's notes"),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
RECORD_TYPES = tuple(RecordType.values)
OFFENCE_GROUP_NEEDED_FOR = tuple(str(value) for value in NEEDS_OFFENCE_GROUP)

MAX_REFERENCE_LENGTH = 64
MAX_SUMMARY_LENGTH = 10_000

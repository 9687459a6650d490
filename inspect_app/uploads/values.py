"""Reading one cell's value as the format defines it (docs/batch-format.md).

Pure functions, no database: each returns the value to store or raises
:class:`ValueProblem` with a message in the uploader's words. The helpers the
extract format shares live in ``core.cells``.
"""

from inspect_app.core.cells import (  # noqa: F401  (the batch format's names for them)
    DATE_FORMATS_HINT,
    LONDON,
    ValueProblem,
    _clocks_change_on,
    _london,
    _parse_date_text,
    normalise_header,
    parse_reported_at,
    shown,
)
from inspect_app.inspections.decisions import RecordType

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


def parse_yes_no(value):
    """True, False, or None for a blank (not decided)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in YES_NO:
            return YES_NO[text]
    raise ValueProblem(f"{shown(value)} is not yes or no (use yes/no, y/n, true/false or 1/0)")


def parse_record_type(value) -> str:
    text = normalise_header(value)  # "No-crime", " OOCD " → no_crime, oocd
    if text in RECORD_TYPES:
        return text
    if not text:
        raise ValueProblem("a record type is needed: incident, other_system, no_crime or oocd")
    raise ValueProblem(
        f"{shown(value)} is not a record type: use incident, other_system, no_crime or oocd"
    )

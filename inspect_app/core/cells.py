"""Reading one cell of a force's file: pure helpers the batch and the extract formats share.

Each returns the value to store or raises :class:`ValueProblem` with a message in
the uploader's words. No database, no Django.
"""

import datetime
import functools
import re
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UK_DATE = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
)
ISO_DATE_START = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
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


_INNER_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_header(text) -> str:
    """The column a header cell names: case, surrounding spaces and inner spaces ignored.

    ``" Reported At "`` and ``"reported-at"`` both name ``reported_at``.
    """
    return _INNER_SEPARATORS.sub("_", str(text if text is not None else "").strip()).lower()


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters

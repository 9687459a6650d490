"""Importing a force's whole extract into an inspection: all of it, or nothing.

On PostgreSQL the file goes through COPY into a new table of the extract's own,
in the import's transaction, whose key is built once every row is in and which
then becomes the extract's partition of the records table (``storage``). It is
read column-wise (``extract_columns``) while every value is plain; at the first
that is not, what was sent is thrown away and the file is read again row by row
(``extract_rows``), the reading that names every error. On SQLite (the embedded
default, small extracts) rows are read row by row and written by
``bulk_create`` in chunks. Any error rolls the whole import back. A reference
used twice is found when the key is built: the file is then read again to name
every repeated reference with its rows, so the uploader sees every error at once.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from forces.models import OffenceGroup
from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction
from inspect_app.sampling import extract_columns, extract_rows, storage
from inspect_app.sampling.extract_rows import WHOLE_FILE, Errors, RowChecker
from inspect_app.sampling.models import Draw, PopulationExtract, PopulationRecord

DEFAULT_MAX_BYTES = 2 * 1024**3
WORKBOOK_MAX_BYTES = 50 * 1024**2
CHUNK_ROWS = 5000
PROGRESS_EVERY = 20_000
#: How much COPY text is made at a time.
COPY_READ = 1 << 20
_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class ExtractRefused(Exception):
    """The extract was not imported; ``errors`` are lines ``row N, column C: message``."""

    def __init__(self, errors, count=None):
        super().__init__(errors[0] if errors else "the extract was refused")
        self.errors = list(errors)
        self.count = count if count is not None else len(self.errors)


@dataclass(frozen=True)
class Imported:
    extract: PopulationExtract | None
    records: int
    dry_run: bool = False


def max_bytes() -> int:
    return int(getattr(settings, "POPULATION_MAX_BYTES", DEFAULT_MAX_BYTES))


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_error(message) -> ExtractRefused:
    return ExtractRefused([f"row 1, column {WHOLE_FILE}: {message}"])


def screen(path, inspection, *, replace) -> None:
    """Refuse, before reading a row, a file too big, or an extract that may not be replaced."""
    size = os.path.getsize(path)
    limit = max_bytes()
    if size > limit:
        raise _file_error(
            f"the file is {size / 1024**2:,.0f} MB; an extract may be at most "
            f"{limit / 1024**2:,.0f} MB"
        )
    if extract_rows.is_workbook(path) and size > WORKBOOK_MAX_BYTES:
        raise _file_error(
            "a workbook above 50 MB is too big to read: save the extract as CSV UTF-8"
        )
    existing = PopulationExtract.objects.filter(inspection=inspection).first()
    if existing is not None:
        draw = Draw.objects.filter(inspection=inspection).first()
        if draw is not None:
            raise _file_error(
                f"the sample was already drawn from this inspection's extract (seed {draw.seed}, "
                f"{timezone.localtime(draw.drawn_at):%d %B %Y}): it can no longer be replaced"
            )
        if not replace:
            raise _file_error(
                f"the inspection already has an extract ({existing.original_filename}, "
                f"{existing.record_count:,} records): replace it to import another"
            )


def _offence_groups() -> dict[str, int]:
    groups = {}
    for pk, code, name in OffenceGroup.objects.values_list("pk", "code", "name"):
        groups[code.strip().lower()] = pk
        groups[name.strip().lower()] = pk
    return groups


def checked_rows(path, errors: Errors, progress=None, groups=None):
    """Every row that passed its checks; errors go into ``errors``.

    ``groups`` (code or name → id) is read before the first row: while COPY runs,
    the connection can do nothing else.
    """
    groups = _offence_groups() if groups is None else groups
    return _checked_rows(path, errors, progress, groups)


def _checked_rows(path, errors, progress, groups):
    rows = extract_rows.open_rows(path)
    number = 1
    try:
        try:
            number, header = next(rows)
        except StopIteration:
            errors.add(1, WHOLE_FILE, "the file is empty: it needs a header row and records")
            return
        positions = extract_rows.read_header(header, errors)
        if positions is None:
            return
        check = RowChecker(positions, groups, timezone.now()).check
        for number, values in rows:
            checked = check(number, values, errors)
            if checked is not None:
                yield checked
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(number)
    except UnicodeDecodeError:
        errors.add(
            number + 1,
            WHOLE_FILE,
            'the file is not UTF-8: save it from Excel with "Save as" and the type '
            '"CSV UTF-8 (Comma delimited)", or upload the .xlsx workbook',
        )
    except Exception as error:  # a damaged workbook or CSV: say so, at the row it stopped
        if isinstance(error, GeneratorExit):
            raise
        errors.add(number + 1, WHOLE_FILE, f"the file cannot be read past here ({error})")


def _escaped(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_line(record) -> str:
    """The record as a line of COPY text (the extract's id is its table's default)."""
    _, reference, record_type, reported_at, group, route, summary = record
    no_group = group is None
    group = _NULL if no_group else group
    moment = reported_at.isoformat()
    line = f"{reference}\t{record_type}\t{moment}\t{group}\t{route}\t{summary}\n"
    # The line's own tabs, newline and null mark are the only ones a plain row has: any
    # other (or a carriage return) is in a value, and only then is each value escaped.
    if (
        line.count("\\") != no_group
        or "\r" in line
        or line.count("\t") != 5
        or line.count("\n") != 1
    ):
        line = (
            f"{_escaped(reference)}\t{record_type}\t{moment}\t{group}\t"
            f"{_escaped(route)}\t{_escaped(summary)}\n"
        )
    return line


class _CopySource(io.RawIOBase):
    """A file COPY reads from: the checked rows as COPY text, made as COPY asks for them.

    After the first error nothing more is sent (the import will roll back), but
    the rest of the file is still read so that every error is found.
    """

    def __init__(self, rows, errors):
        self._rows = rows
        self._errors = errors
        self._pending = b""
        self.sent = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = size if size and size > 0 else COPY_READ
        lines, length = [], len(self._pending)
        errors, line_of = self._errors, _copy_line
        for record in self._rows:
            if errors:
                continue
            line = line_of(record)
            lines.append(line)
            length += len(line)  # characters: at most the bytes they encode to
            if length >= size:
                break
        self.sent += len(lines)
        data = self._pending + "".join(lines).encode()
        self._pending = data[size:]
        return data[:size]


def _duplicates(path, errors: Errors) -> None:
    """Read the file again and name every reference used more than once, with its rows."""
    first_row: dict[str, int] = {}
    for record in checked_rows(path, Errors()):
        seen = first_row.setdefault(record.reference, record.row)
        if seen != record.row:
            errors.add(
                record.row,
                "reference",
                f"{extract_rows.cells.shown(record.reference)} is used twice in the extract "
                f"(first on row {seen}): every reference must be unique",
            )


class _PlainSource(io.RawIOBase):
    """A file COPY reads from: the extract read column-wise, as CSV, while it stays plain.

    At the first value the column-wise reading does not vouch for, the source
    ends at the end of the last block it had (COPY then finishes with what it
    was sent) and ``plain`` turns False: the rows sent are thrown away and the
    file is read row by row instead.
    """

    def __init__(self, path, groups, now, progress):
        self._batches = extract_columns.plain_batches(path, groups, now)
        self._progress = progress
        self._pending = b""
        self.plain = True
        self.sent = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = size if size and size > 0 else COPY_READ
        while len(self._pending) < size and self.plain:
            try:
                data, records, rows_read = next(self._batches)
            except StopIteration:
                break
            except extract_columns.NotPlain:
                # What is still pending is sent all the same, so that COPY ends at the end
                # of a line rather than inside a value; the table is emptied afterwards.
                self.plain = False
                break
            self._pending += data
            self.sent += records
            if self._progress is not None:
                self._progress(rows_read)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _copy(path, extract, errors, progress) -> int:
    groups = _offence_groups()
    columns = ", ".join(storage.COLUMNS)
    with connection.cursor() as cursor:
        # Dates without a zone are UK time: let the database read them so.
        cursor.execute("SET LOCAL TIME ZONE 'Europe/London'")
        table = storage.start_partition(cursor, extract.pk)
        # FREEZE: the table is new in this transaction, so its rows can be written as
        # visible to all at once, sparing every later reader the work of marking them so.
        plain = _PlainSource(path, groups, timezone.now(), progress)
        cursor.copy_expert(
            f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv, FREEZE)', plain, COPY_READ
        )
        if plain.plain:
            sent = plain.sent
        else:
            storage.clear_partition(cursor, extract.pk)
            source = _CopySource(checked_rows(path, errors, progress, groups), errors)
            cursor.copy_expert(
                f'COPY "{table}" ({columns}) FROM STDIN WITH (FREEZE)', source, COPY_READ
            )
            sent = source.sent
        repeated = False
        if not errors:
            try:
                with transaction.atomic():
                    storage.finish_partition(cursor, extract.pk)
            except IntegrityError:
                repeated = True
        # The import stops at the first error found while reading, before the key is built:
        # the whole file is read again for repeated references, so every error is shown.
        if errors or repeated:
            _duplicates(path, errors)
        if repeated and not errors:  # the two readings disagree: never keep such a file
            errors.add(1, WHOLE_FILE, "a reference is used twice in the extract")
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
    return sent


def _bulk(path, extract, errors, progress) -> int:
    tz = timezone.get_current_timezone()
    seen: dict[str, int] = {}
    chunk, written = [], 0
    for record in checked_rows(path, errors, progress):
        first = seen.setdefault(record.reference, record.row)
        if first != record.row:
            errors.add(
                record.row,
                "reference",
                f"{extract_rows.cells.shown(record.reference)} is used twice in the extract "
                f"(first on row {first}): every reference must be unique",
            )
        if errors:
            continue
        moment = record.reported_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=extract_rows.cells.LONDON).astimezone(tz)
        chunk.append(
            PopulationRecord(
                extract=extract,
                reference=record.reference,
                record_type=record.record_type,
                reported_at=moment,
                offence_group_id=record.offence_group_id,
                route=record.route,
                summary=record.summary,
            )
        )
        if len(chunk) >= CHUNK_ROWS:
            PopulationRecord.objects.bulk_create(chunk)
            written += len(chunk)
            chunk = []
    if chunk and not errors:
        PopulationRecord.objects.bulk_create(chunk)
        written += len(chunk)
    return written


class _RollBack(Exception):
    pass


def import_extract(
    path,
    inspection,
    *,
    filename: str,
    by=None,
    request=None,
    replace=False,
    dry_run=False,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Check and store ``path`` as the inspection's extract, or raise ExtractRefused."""
    screen(path, inspection, replace=replace)
    sha256 = _sha256(path)
    errors = Errors()
    try:
        with transaction.atomic():
            # Lock the inspection: two imports of one inspection run one after the other.
            type(inspection).objects.select_for_update().filter(pk=inspection.pk).first()
            if Draw.objects.filter(inspection=inspection).exists():
                raise _file_error("the sample was drawn while this file was read")
            old = PopulationExtract.objects.filter(inspection=inspection).first()
            if old is not None:
                storage.drop_records(old.pk)
                old.delete()
            extract = PopulationExtract.objects.create(
                inspection=inspection,
                original_filename=filename[:255],
                content_sha256=sha256,
                imported_by=by,
                imported_at=timezone.now(),
            )
            write = _copy if connection.vendor == "postgresql" else _bulk
            count = write(path, extract, errors, progress)
            if errors:
                raise _RollBack
            if count == 0:
                errors.add(2, WHOLE_FILE, "the file has a header but no records")
                raise _RollBack
            extract.record_count = count
            extract.save(update_fields=["record_count"])
            if dry_run:
                raise _RollBack
            audit.record_change(
                AuditAction.EXTRACT_IMPORTED,
                by=by,
                request=request,
                target=f"extract of {inspection.slug}",
                subject=extract,
                records=count,
                file=filename,
                replaced=old is not None,
            )
            audit.record_change(
                AuditAction.COLLECTION,
                by=by,
                request=request,
                target=f"extract of {inspection.slug}",
                subject=extract,
                records=count,
            )
    except _RollBack:
        if errors:
            raise ExtractRefused(errors.kept, errors.count) from None
        return Imported(extract=None, records=count, dry_run=True)
    return Imported(extract=extract, records=count)

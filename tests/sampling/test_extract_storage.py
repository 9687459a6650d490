"""Where an extract's records are kept, and the two ways a file is read into them.

On PostgreSQL each extract is a partition of the records table of its own,
keyed by reference once loaded; a file is read column-wise while every value is
plain and row by row otherwise. Either way the same records are stored.
"""

import datetime

import pytest
from django.db import connection

from inspect_app.inspections.models import Inspection
from inspect_app.sampling import extract_columns, extracts, storage
from inspect_app.sampling.models import PopulationExtract, PopulationRecord

HEADER = "reference,record_type,reported_at,offence_group,route,summary\n"


def write(tmp_path, text, name="extract.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def stored():
    return sorted(
        PopulationRecord.objects.values_list(
            "reference", "record_type", "reported_at", "offence_group__code", "route", "summary"
        )
    )


def partitions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = inhrelid "
            "JOIN pg_class parent ON parent.oid = inhparent WHERE parent.relname = %s",
            [storage.PARENT],
        )
        return sorted(name for (name,) in cursor.fetchall())


def read_row_by_row(monkeypatch):
    def never_plain(path, groups, now):
        raise extract_columns.NotPlain("read row by row")
        yield  # a generator, as the real one is

    monkeypatch.setattr(extract_columns, "plain_batches", never_plain)


PLAIN_FILES = {
    "bench-like": HEADER
    + "".join(
        f"EX-{n:05d},{('incident', 'no_crime', 'oocd', 'other_system')[n % 4]},"
        f"2024-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:15,"
        f"{'VAP' if n % 4 in (1, 2) else ''},{('online', '', 'front desk')[n % 3]},record {n}\n"
        for n in range(300)
    ),
    "quoted, with commas, quotes and line breaks": HEADER
    + 'Q1,incident,2024-05-01T09:00:00,,"front desk","said ""help"", then left"\n'
    + 'Q2,no_crime,2024-05-02,Violence against the person,,"two\nlines"\n'
    + "Q3,incident,2024-05-03 23:59,,  spaced  ,  trimmed \n",
    "a byte-order mark and CRLF": "\ufeff"
    + HEADER.replace("\n", "\r\n")
    + "B1,incident,2024-01-01 00:00,,,\r\nB2,oocd,2024-12-31 23:59,vap,,é ü 中\r\n",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PLAIN_FILES))
def test_both_readings_store_the_same_records(inspection_a, tmp_path, monkeypatch, name):
    path = write(tmp_path, PLAIN_FILES[name])
    extracts.import_extract(path, inspection_a, filename="extract.csv")
    read_column_wise = stored()
    read_row_by_row(monkeypatch)
    extracts.import_extract(path, inspection_a, filename="extract.csv", replace=True)
    assert stored() == read_column_wise
    assert len(read_column_wise) == PLAIN_FILES[name].count("\n") - 1 - (name.startswith("quoted"))


@pytest.mark.django_db
def test_a_plain_file_is_read_column_wise(inspection_a, tmp_path, monkeypatch):
    """The fast reading is really taken: the row-by-row checker never sees a plain file.
    (SQLite's chunks are made row by row: the embedded default holds small extracts.)"""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    path = write(tmp_path, PLAIN_FILES["bench-like"])

    def no_rows(*args, **kwargs):
        raise AssertionError("read row by row")

    monkeypatch.setattr(extracts, "checked_rows", no_rows)
    assert extracts.import_extract(path, inspection_a, filename="extract.csv").records == 300


@pytest.mark.django_db
def test_a_value_that_is_not_plain_sends_the_file_row_by_row(inspection_a, tmp_path, monkeypatch):
    """Blocks already sent to COPY when the odd value comes are thrown away, not kept twice."""
    monkeypatch.setattr(extract_columns, "BLOCK_SIZE", 2048)
    monkeypatch.setattr(extract_columns, "PIECE_BYTES", 2048)
    monkeypatch.setattr(extracts, "COPY_READ", 2048)
    blocks = []
    plain_batches = extract_columns.plain_batches

    def counted(*args):
        for batch in plain_batches(*args):
            blocks.append(batch)
            yield batch

    monkeypatch.setattr(extract_columns, "plain_batches", counted)
    path = write(
        tmp_path,
        PLAIN_FILES["bench-like"] + "UK1,incident,01/03/2025 09:00,,,written the UK way\n",
    )
    assert extracts.import_extract(path, inspection_a, filename="extract.csv").records == 301
    if connection.vendor == "postgresql":
        assert len(blocks) > 1  # sent before the odd value was met
    assert PopulationRecord.objects.count() == 301
    moment = PopulationRecord.objects.get(reference="UK1").reported_at
    assert moment == datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("plain", [True, False])
def test_a_repeated_reference_is_named_with_its_rows_and_nothing_is_kept(
    inspection_a, tmp_path, monkeypatch, plain
):
    if not plain:
        read_row_by_row(monkeypatch)
    path = write(tmp_path, PLAIN_FILES["bench-like"] + "EX-00007,incident,2024-02-02,,,again\n")
    with pytest.raises(extracts.ExtractRefused) as refused:
        extracts.import_extract(path, inspection_a, filename="extract.csv")
    assert refused.value.errors == [
        "row 302, column reference: 'EX-00007' is used twice in the extract (first on row 9): "
        "every reference must be unique"
    ]
    assert not PopulationRecord.objects.exists()
    assert not PopulationExtract.objects.exists()
    if connection.vendor == "postgresql":
        assert partitions() == []


@pytest.mark.django_db
def test_each_extract_is_a_partition_dropped_with_its_extract(inspection_a, inspection_b, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    path = write(tmp_path, PLAIN_FILES["bench-like"])
    first = extracts.import_extract(path, inspection_a, filename="extract.csv").extract
    second = extracts.import_extract(path, inspection_b, filename="extract.csv").extract
    assert partitions() == sorted(
        [storage.partition_name(first.pk), storage.partition_name(second.pk)]
    )
    # The same references in two extracts: each extract's key is its own.
    assert PopulationRecord.objects.filter(extract=first).count() == 300
    replaced = extracts.import_extract(
        path, inspection_a, filename="extract.csv", replace=True
    ).extract
    assert partitions() == sorted(
        [storage.partition_name(replaced.pk), storage.partition_name(second.pk)]
    )
    Inspection.objects.filter(pk=inspection_b.pk).delete()
    assert partitions() == [storage.partition_name(replaced.pk)]
    assert PopulationRecord.objects.count() == 300

"""Reading a plain extract column-wise: never a record the row-by-row reading would not give.

For each file, generated or picked by hand, either ``plain_batches`` says the
file is not plain, or the row-by-row reading finds no error in it and gives
exactly the same records, value for value. A plain file like the benchmark's
must really be read column-wise.
"""

import csv
import datetime
import io
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench.extract_import import write_extract
from inspect_app.sampling import extract_columns, extract_rows
from inspect_app.sampling.extract_columns import NotPlain, plain_batches
from inspect_app.sampling.extract_rows import Errors, RowChecker

NOW = datetime.datetime(2026, 6, 1, 11, 0, tzinfo=datetime.UTC)
GROUPS = {"vap": 1, "violence against the person": 1, "sxo": 2, "sexual offences": 2}
HEADER = "reference,record_type,reported_at,offence_group,route,summary"


def row_by_row(path, groups=GROUPS, now=NOW):
    """The records the row-by-row reading gives, or None when it finds any error."""
    errors = Errors()
    records = []
    rows = extract_rows.open_rows(path)
    try:
        try:
            _, header = next(rows)
        except StopIteration:
            return None
        positions = extract_rows.read_header(header, errors)
        if positions is None:
            return None
        checker = RowChecker(positions, groups, now)
        for number, values in rows:
            record = checker.check(number, values, errors)
            if record is not None:
                records.append(record)
    except Exception:  # what the import reports as a file it cannot read past a row
        return None
    if errors:
        return None
    return [
        (
            record.reference,
            record.record_type,
            record.reported_at.isoformat(),
            "" if record.offence_group_id is None else str(record.offence_group_id),
            record.route,
            record.summary,
        )
        for record in records
    ]


def column_wise(path, groups=GROUPS, now=NOW):
    """The COPY text's records read back, or None when the file is not plain."""
    data, counted = [], 0
    try:
        for batch, records, _ in plain_batches(path, groups, now):
            data.append(batch)
            counted += records
    except NotPlain:
        return None
    rows = [tuple(row) for row in csv.reader(io.StringIO(b"".join(data).decode(), newline=""))]
    assert counted == len(rows)
    return rows


def assert_agrees(path):
    """Column-wise gives nothing, or exactly what row by row gives; returns which."""
    fast = column_wise(path)
    if fast is None:
        return False
    slow = row_by_row(path)
    assert slow is not None, "a file with errors was read as plain"
    assert fast == slow
    return True


def write(tmp_path, content, name="extract.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# Generated files -------------------------------------------------------------------

SPACES = st.sampled_from(["", "", "", " ", "  ", "\t", "\u00a0", "\u2003", "\x1c", "\u3000"])
GOOD_REFERENCES = st.one_of(
    st.from_regex(r"EX-[0-9]{1,6}", fullmatch=True),
    st.sampled_from(["x" * 64, "A,1", 'A"1', "A\n1", "é-1", "\u200b"]),
)
GOOD_RECORD_TYPES = st.sampled_from(
    ["incident", "incident", "other_system", "Incident", "other system", "Other-System"]
)
GROUPED_RECORD_TYPES = st.sampled_from(["no_crime", "oocd", "NO_CRIME", "No Crime", "no-crime"])
GOOD_GROUPS = st.sampled_from(["VAP", "vap", "Violence against the person", "SXO", "Vap"])
BAD_VALUES = {
    "reference": st.sampled_from(["", "x" * 65, " "]),
    "record_type": st.sampled_from(["burglary", "", "in cident", "ıncident", "no crime!"]),
    "offence_group": st.sampled_from(["unknown", "V A P", "vap."]),
    "route": st.sampled_from(["r" * 65, " " + "r" * 65]),
    "summary": st.sampled_from(["s" * 10_001, "nul \x00 here"]),
}


@st.composite
def good_moments(draw):
    """Date-times the row-by-row reading takes, in each plain form and on the clocks' days."""
    if draw(st.integers(0, 5)) == 0:
        return draw(
            st.sampled_from(
                [
                    "2016-03-27 00:30",
                    "2016-03-27 02:30",
                    "2016-03-27",
                    "2016-10-30 01:30",
                    "2016-10-30T01:30:00",
                    "2016-10-30 03:00",
                    "2026-06-01 11:59",
                    "2026-06-01",
                    "2016-02-29",
                ]
            )
        )
    day = datetime.date(2015, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 4100)))
    text = day.isoformat()
    if draw(st.booleans()):
        text += draw(st.sampled_from([" ", "T"])) + f"{draw(st.integers(0, 23)):02d}:30"
        if draw(st.booleans()):
            text += f":{draw(st.integers(0, 59)):02d}"
    return text


@st.composite
def bad_moments(draw):
    """Date-times in other forms, ones that never were, and ones yet to come."""
    if draw(st.booleans()):
        # Parts out of range too: a 30 February, a 24th hour, a 60th second.
        return (
            f"{draw(st.sampled_from([2015, 2016, 2100, 999, 0]))}-"
            f"{draw(st.integers(0, 13)):02d}-{draw(st.integers(0, 32)):02d}"
            f"{draw(st.sampled_from(['', ' ', 'T']))}{draw(st.integers(0, 25)):02d}:"
            f"{draw(st.integers(0, 61)):02d}:{draw(st.integers(0, 61)):02d}"
        )
    return draw(
        st.sampled_from(
            [
                "2016-03-27 01:30",  # the hour the clocks skipped
                "2026-06-01 12:01",  # a minute from now, in UK summer time
                "2026-06-02",
                "2027-01-01",
                "02/01/2016",
                "02/01/2016 03:30",
                "2016-1-2",
                "2016-01-02T03",
                "2016-01-02 03:30:00.5",
                "2016-01-02T03:30Z",
                "2016-01-02 03:30+01:00",
                "20160102",
                "2016-01-02  03:30",
                "2016-01-02x03:30",
                "２０１６-01-02",
                "",
                "yesterday",
            ]
        )
    )


GOOD_TEXT = st.text(alphabet=' ,"\r\n\tab\u00e9\u2028\u00a0', max_size=12)
GOOD_VALUES = {
    "reference": GOOD_REFERENCES,
    "reported_at": good_moments(),
    "route": st.one_of(st.sampled_from(["", "online", "r" * 64]), GOOD_TEXT),
    "summary": st.one_of(st.sampled_from(["", "s" * 10_000, " " * 10_005]), GOOD_TEXT),
}
BAD_VALUES["reported_at"] = bad_moments()


@st.composite
def headers(draw):
    names = list(extract_rows.COLUMNS)
    for name in ("offence_group", "route", "summary"):
        if draw(st.integers(0, 5)) == 0:
            names.remove(name)
    names = draw(st.permutations(names))
    extra = draw(st.sampled_from([None] * 6 + ["", "notes", "reviewer", "reference"]))
    if extra is not None:
        names.insert(draw(st.integers(0, len(names))), extra)
    shown = [
        draw(st.sampled_from([name, name, name.upper(), f" {name.replace('_', ' ')} "]))
        for name in names
    ]
    return names, shown


def encoded(cell, quote):
    """A cell as CSV text: quoted (quotes doubled), or as it is, even when that is odd."""
    return '"' + cell.replace('"', '""') + '"' if quote else cell


@st.composite
def records(draw, names, odd):
    """One row's cells; each is a value the format refuses with a chance of ``odd`` in 100."""
    grouped = draw(st.integers(0, 3)) == 0
    cells = []
    for name in names:
        if name == "record_type":
            value = draw(GROUPED_RECORD_TYPES if grouped else GOOD_RECORD_TYPES)
        elif name == "offence_group":
            value = draw(GOOD_GROUPS) if grouped or draw(st.booleans()) else ""
        elif name in GOOD_VALUES:
            value = draw(GOOD_VALUES[name])
        else:
            value = draw(st.sampled_from(["", "", "x", " "]))
        if name in BAD_VALUES and draw(st.integers(0, 99)) < odd:
            value = draw(BAD_VALUES[name])
        if name in extract_rows.COLUMNS and draw(st.integers(0, 4)) == 0:
            value = draw(SPACES) + value + draw(SPACES)
        cells.append(value)
    return cells


@st.composite
def extract_files(draw):
    names, shown = draw(headers())
    odd = draw(st.sampled_from([0, 0, 0, 2, 10, 50]))
    endings = draw(st.sampled_from([["\n"], ["\r\n"], ["\r"], ["\n", "\r\n", "\r"]]))
    lines = [",".join(encoded(cell, draw(st.booleans())) for cell in shown)]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 24))
        if kind == 0:
            lines.append("")  # a blank line
            continue
        # A row of blank cells, or a record.
        cells = [draw(SPACES) for _ in names] if kind == 1 else draw(records(names, odd))
        if kind == 2 and odd:
            cells = cells[:-1]
        elif kind == 3 and odd:
            cells.append(draw(st.sampled_from(["", " ", "x"])))
        safe = all(mark not in "".join(cells) for mark in ',"\r\n')
        lines.append(",".join(encoded(cell, not safe or draw(st.booleans())) for cell in cells))
    text = "".join(line + draw(st.sampled_from(endings)) for line in lines)
    if not draw(st.integers(0, 4)):
        text = text.rstrip("\r\n")
    data = text.encode()
    flaw = draw(st.integers(0, 12))
    if flaw < 2:
        data = b"\xef\xbb\xbf" + data
    elif flaw == 2 and len(data) > 2 and odd:
        at = draw(st.integers(1, len(data) - 1))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc3"])) + data[at:]
    return data


@hypothesis_settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=extract_files())
def test_a_generated_extract_is_plain_only_when_read_alike(tmp_path, content):
    assert_agrees(write(tmp_path, content))


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.text(alphabet='a1,"\r\n \u00a0', max_size=40), bom=st.booleans())
def test_any_quoting_and_line_breaks_are_read_as_pythons_csv_reads_them(tmp_path, body, bom):
    # Every cell of these rows is a valid value or a blank, however the quotes and line
    # breaks fall: what decides is how the rows are split, and each reading must split alike.
    content = (
        "reference,record_type,reported_at,summary\n" + body.replace("1", ",incident,2016-01-02,")
    ).encode()
    assert_agrees(write(tmp_path, b"\xef\xbb\xbf" * bom + content))


# Hand-picked files ------------------------------------------------------------------


def test_the_benchmark_extract_is_read_column_wise_as_row_by_row(tmp_path):
    path = tmp_path / "extract.csv"
    write_extract(path, 3000)
    fast = column_wise(path)
    assert fast is not None
    assert fast == row_by_row(path)
    assert len(fast) == 3000


def test_quoted_summaries_with_commas_and_line_breaks_are_plain(tmp_path):
    path = write(
        tmp_path,
        HEADER + "\r\n"
        'EX-1,incident,2016-01-02 03:30,,online,"a dog, barked"\r\n'
        'EX-2,no_crime,2016-01-02T03:30:00,VAP,,"said ""no""\r\nthen left"\r\n'
        "EX-3,oocd,2016-01-02,violence against the person,front desk,\r\n",
    )
    assert assert_agrees(path)


def test_the_copy_text_quotes_every_text_and_leaves_a_missing_group_bare(tmp_path):
    path = write(
        tmp_path,
        "\ufeff" + HEADER + "\n"
        " EX-1 ,Incident,2016-01-02 03:30,,,\n"
        ',,  ,"",,\n'  # blank: skipped
        'EX-2,No Crime, 2016-01-02 ,sxo,online,"say ""hi"""\n',
    )
    data = b"".join(batch for batch, _, _ in plain_batches(path, GROUPS, NOW))
    assert data == (
        b'"EX-1","incident","2016-01-02T03:30:00",,"",""\n'
        b'"EX-2","no_crime","2016-01-02T00:00:00",2,"online","say ""hi"""\n'
    )


def test_a_time_on_a_day_the_clocks_change_keeps_its_offset(tmp_path):
    path = write(
        tmp_path,
        HEADER + "\nEX-1,incident,2016-03-27 03:30,,,\nEX-2,incident,2016-10-30 01:30,,,\n"
        "EX-3,incident,2016-10-30 03:30,,,\n",
    )
    assert assert_agrees(path)
    assert [row[2] for row in column_wise(path)] == [
        "2016-03-27T03:30:00+01:00",
        "2016-10-30T01:30:00+01:00",
        "2016-10-30T03:30:00+00:00",
    ]


@pytest.mark.parametrize(
    "rows",
    [
        "EX-1,incident,2016-03-27 01:30,,,",  # the hour the clocks skipped
        "EX-1,incident,2026-06-01 12:01,,,",  # a minute from now, in UK summer time
        "EX-1,incident,2027-01-01,,,",
        "EX-1,incident,2016-02-30,,,",
        "EX-1,incident,2016-01-01 24:00,,,",
        "EX-1,incident,2016-01-01 23:59:60,,,",
        "EX-1,incident,0000-01-01,,,",
        "EX-1,burglary,2016-01-02,,,",
        "EX-1,no_crime,2016-01-02,,,",  # a no-crime needs its offence group
        "EX-1,oocd,2016-01-02,   ,,",
        "EX-1,incident,2016-01-02,robbery,,",
        "x" * 65 + ",incident,2016-01-02,,,",
        "EX-1,incident,2016-01-02,," + "r" * 65 + ",",
        "EX-1,incident,2016-01-02,,," + "s" * 10_001,
        ",incident,2016-01-02,,,",
        "EX-1,incident,2016-01-02,,,,x",
    ],
)
def test_a_file_the_row_by_row_reading_refuses_is_never_plain(tmp_path, rows):
    path = write(tmp_path, HEADER + "\nEX-0,incident,2016-01-01,,,\n" + rows + "\n")
    assert row_by_row(path) is None
    assert column_wise(path) is None


def test_the_future_is_now_in_uk_time(tmp_path):
    # 11:00 UTC is 12:00 in London in June: 11:59 there has happened, 12:01 has not.
    path = write(tmp_path, HEADER + "\nEX-1,incident,2026-06-01 11:59,,,\n")
    assert assert_agrees(path)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n" + HEADER.encode() + b"\nEX-1,incident,2016-01-02,,,\n",
        b"reference,record_type\nEX-1,incident\n",
        b"reference,record_type,reported_at,reviewer\nEX-1,incident,2016-01-02,ann\n",
        b"reference,record_type,reported_at,colour\nEX-1,incident,2016-01-02,red\n",
        HEADER.encode() + b"\nEX-1,incident,2016-01-02,,,caf\xe9\n",
        HEADER.encode() + b"\nEX-1,incident,2016-01-02,,\n",
        HEADER.encode() + b'\nEX-1,incident,2016-01-02,,,"' + b"s" * 140_000 + b'"\n',
        HEADER.encode() + b'\nEX-1,incident,2016-01-02,,,"' + b" " * 140_000 + b'"\n',
        HEADER.encode() + b"\nEX-1,incident,02/01/2016,,,\n",
        HEADER.encode() + b"\nEX-1,incident,2016-01-02,,,nul \x00 here\n",
        extract_rows.XLSX_MAGIC + b"\0" * 100,
    ],
)
def test_files_left_to_the_row_by_row_reading(tmp_path, content):
    assert column_wise(write(tmp_path, content)) is None


def test_arrow_trims_the_spaces_python_strips_and_no_other_character():
    characters = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code < 0xE000]
    trimmed = extract_columns._strip(pa.array([f"{c}a{c}" for c in characters])).to_pylist()
    assert trimmed == [f"{c}a{c}".strip() for c in characters]


def test_a_value_beyond_the_header_s_last_named_column_is_not_plain(tmp_path):
    # The header's last cell names no column: values under it must be blank.
    header = HEADER + ",\n"
    path = write(
        tmp_path, header + "EX-1,incident,2016-01-02,,,, \nEX-2,incident,2016-01-02,,,,x\n"
    )
    assert row_by_row(path) is None
    assert column_wise(path) is None
    assert assert_agrees(write(tmp_path, header + "EX-1,incident,2016-01-02,,,,\u3000\n", "b.csv"))


def test_a_header_arrow_reads_otherwise_is_not_plain(tmp_path, monkeypatch):
    # No file is known to split differently; were one found, its header would show it.
    path = write(tmp_path, HEADER + "\nEX-1,incident,2016-01-02,,,\n")
    monkeypatch.setattr(extract_columns, "_header", lambda _: HEADER.upper().split(","))
    assert column_wise(path) is None


def test_a_header_alone_gives_no_records(tmp_path):
    path = write(tmp_path, HEADER + "\n")
    assert column_wise(path) == row_by_row(path) == []


def test_columns_are_found_by_their_header_in_any_order_case_and_spacing(tmp_path):
    path = write(
        tmp_path,
        " Summary ,Reported At,REFERENCE,,record-type\n"
        "hello,2016-01-02 03:04:05,EX-1,,incident\n"
        ",2016-01-02 03:04,EX-2,ignored,other_system\n",
    )
    assert assert_agrees(path)
    assert column_wise(path) == [
        ("EX-1", "incident", "2016-01-02T03:04:05", "", "", "hello"),
        ("EX-2", "other_system", "2016-01-02T03:04:00", "", "", ""),
    ]


def test_a_file_of_many_pieces_is_read_whole(tmp_path, monkeypatch):
    # Small blocks and pieces: rows cross the blocks' edges, a line break in a quoted
    # value among them, and the later pieces are checked as the first.
    monkeypatch.setattr(extract_columns, "BLOCK_SIZE", 1 << 10)
    monkeypatch.setattr(extract_columns, "PIECE_BYTES", 3 << 10)
    lines = [HEADER] + [
        f"EX-{number},{'no_crime' if number % 7 == 0 else 'incident'},2016-03-"
        f"{20 + number % 10:02d} 0{number % 10}:15,{'vap' if number % 7 == 0 else ''},,"
        f'"line one\nline two, {number}"'
        for number in range(400)
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    batches = list(plain_batches(path, GROUPS, NOW))
    assert len(batches) > 3
    read = [rows for _, _, rows in batches]
    assert read == sorted(set(read)) and read[-1] <= 401
    assert assert_agrees(path)
    # The clocks went forward at 01:00 on 27 March 2016: 01:15 never happened that day.
    lines[398] = 'EX-397,incident,2016-03-27 01:15,,,"late"'
    assert column_wise(write(tmp_path, "\n".join(lines) + "\n", "late.csv")) is None


def test_a_file_given_more_offence_groups_reads_them(tmp_path):
    path = write(tmp_path, HEADER + "\nEX-1,oocd,2016-01-02,Robbery,,\n")
    assert column_wise(path, groups={"robbery": 9}) == [
        ("EX-1", "oocd", "2016-01-02T00:00:00", "9", "", "")
    ]


def test_reading_imports_no_pandas(tmp_path):
    # Arrow imports pandas (half a second) the first time it converts a Python value; an
    # import reads its extract in a fresh worker's process, so nothing here may convert one.
    path = tmp_path / "extract.csv"
    write_extract(path, 500)
    script = (
        "import datetime, sys\n"
        "from inspect_app.sampling.extract_columns import plain_batches\n"
        f"now = datetime.datetime({NOW.year}, {NOW.month}, {NOW.day}, tzinfo=datetime.UTC)\n"
        f"assert sum(n for _, n, _ in plain_batches({str(path)!r}, {{'vap': 1}}, now)) == 500\n"
        "print('pandas' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == "False"


@pytest.mark.django_db
def test_postgresql_copies_the_text_as_the_records_say(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    path = write(
        tmp_path,
        HEADER + "\n"
        "EX-1,incident,2016-01-02 03:30,,,\n"
        'EX-2,no_crime,2016-07-02T03:30:00,vap,online,"a\\b\tc,\r\nd ""e"""\n'
        "EX-3,incident,2016-10-30 01:30,,,\\.\n"
        "EX-4,incident,2016-10-30 01:30:00,,,\n",
    )
    data = b"".join(batch for batch, _, _ in plain_batches(path, GROUPS, NOW))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copied (reference text, record_type text, reported_at "
            "timestamptz, offence_group_id integer, route text, summary text)"
        )
        cursor.execute("SET TIME ZONE 'Europe/London'")
        cursor.copy_expert(
            "COPY copied (reference, record_type, reported_at, offence_group_id, route, "
            "summary) FROM STDIN WITH (FORMAT csv)",
            io.BytesIO(data),
        )
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute("SELECT * FROM copied ORDER BY reference")
        stored = cursor.fetchall()
    expected = []
    positions = extract_rows.read_header(next(extract_rows.open_rows(path))[1], Errors())
    checker = RowChecker(positions, GROUPS, NOW)
    for number, values in list(extract_rows.open_rows(path))[1:]:
        record = checker.check(number, values, Errors())
        moment = record.reported_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=extract_rows.cells.LONDON)
        # In UTC: an ambiguous time compares unequal with any other zone's (PEP 495).
        moment = moment.astimezone(datetime.UTC)
        expected.append(
            (
                record.reference,
                record.record_type,
                moment,
                record.offence_group_id,
                record.route,
                record.summary,
            )
        )
    assert stored == expected
    assert stored[0][4] == "" and stored[0][3] is None

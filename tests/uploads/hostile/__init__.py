"""A corpus of hostile batch files, built on the fly (nothing big is kept in the repository).

Each :class:`Hostile` names the file, how to build it at a path, the one
line it must be refused with, and whether the refusal comes before any
parser sees the file (``before_parsing``). Large files are streamed to disk
piece by piece, so building one takes little memory.
"""

import random
import struct
import zipfile
from dataclasses import dataclass

HEADER = "reference,record_type,reported_at,offence_group,summary"
GOOD_ROW = "ESX-1,incident,2014-03-01,,"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Hostile:
    """A hostile file: ``build(path)`` writes it; it is refused with ``message`` in it."""

    id: str
    filename: str
    build: object
    message: str
    before_parsing: bool = True


# --- workbooks, part by part -----------------------------------------------------------------


def _content_types(*, shared_strings=False):
    overrides = [
        ("/xl/workbook.xml", "sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", "worksheet+xml"),
    ]
    if shared_strings:
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings+xml"))
    items = "".join(
        f'<Override PartName="{part}" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.{kind}"/>'
        for part, kind in overrides
    )
    return (
        XML_DECLARATION
        + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{items}</Types>"
        ).encode()
    )


def _parts(*, shared_strings=False, doctype=b""):
    """The parts every workbook needs besides its sheet; ``doctype`` goes into workbook.xml."""
    strings_rel = (
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared_strings
        else ""
    )
    return {
        "[Content_Types].xml": _content_types(shared_strings=shared_strings),
        "_rels/.rels": XML_DECLARATION
        + (
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": XML_DECLARATION
        + doctype
        + (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
            '<sheet name="Batch" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": XML_DECLARATION
        + (
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>{strings_rel}'
            "</Relationships>"
        ).encode(),
    }


def _cell(reference, text):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number, values, first_column=0):
    cells = "".join(
        _cell(f"{_letters(first_column + i + 1)}{number}", value)
        for i, value in enumerate(values)
        if value
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def _letters(index):
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


GOOD_ROWS = _row(1, HEADER.split(",")) + _row(2, GOOD_ROW.split(","))


def _sheet(rows=GOOD_ROWS, *, dimension=b"", doctype=b"", tail=b""):
    """A worksheet's XML: pieces (bytes, or an iterable of bytes streamed to the zip)."""
    yield XML_DECLARATION + doctype
    yield f'<worksheet xmlns="{MAIN}">'.encode() + dimension + b"<sheetData>"
    if isinstance(rows, bytes):
        yield rows
    else:
        yield from rows
    yield b"</sheetData>" + tail + b"</worksheet>"


def write_workbook(path, sheet=None, *, parts=None, extra=(), method=zipfile.ZIP_DEFLATED):
    """A zip of the workbook's parts, the sheet streamed into it piece by piece."""
    parts = dict(parts if parts is not None else _parts())
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for piece in sheet if sheet is not None else _sheet():
                member.write(piece)
        for name, data in extra:
            archive.writestr(name, data)
    return path


def _patch_directory(path, name, *, flags=None, file_size=None):
    """Change what the zip's central directory says of one part (what a hostile tool can)."""
    data = bytearray(path.read_bytes())
    at = -1
    while True:
        at = data.find(b"PK\x01\x02", at + 1)
        (name_length,) = struct.unpack("<H", data[at + 28 : at + 30])
        if data[at + 46 : at + 46 + name_length] == name.encode():
            break
    if flags is not None:
        data[at + 8 : at + 10] = struct.pack("<H", flags)
    if file_size is not None:
        data[at + 24 : at + 28] = struct.pack("<I", file_size)
    path.write_bytes(bytes(data))
    return path


def _spaces(total, piece=1 << 20):
    """Whitespace between rows: valid XML that packs about a thousandfold."""
    for _ in range(total // piece):
        yield b" " * piece


# --- the workbooks ---------------------------------------------------------------------------

LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>"
)
EXTERNAL = b'<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def zip_bomb(path):
    return write_workbook(path, _sheet([GOOD_ROWS, *_spaces(200 << 20)]))


def claims_gigabytes(path):
    write_workbook(path)
    return _patch_directory(path, "xl/worksheets/sheet1.xml", file_size=3_000_000_000)


def lying_directory(path):
    """The directory says 2 KB; the packed data unpacks to 50 MB."""
    write_workbook(path, _sheet([GOOD_ROWS, *_spaces(50 << 20)]))
    return _patch_directory(path, "xl/worksheets/sheet1.xml", file_size=2048)


def billion_laughs(path):
    return write_workbook(path, _sheet(_row(1, ["&lol9;"]), doctype=LAUGHS))


def external_entity(path):
    return write_workbook(path, parts=_parts(doctype=EXTERNAL))


def whole_sheet_dimension(path):
    return write_workbook(path, _sheet(dimension=b'<dimension ref="A1:XFD1048576"/>'))


def cell_far_right(path):
    rows = GOOD_ROWS + _row(3, ["x"], first_column=16383)
    return write_workbook(path, _sheet(rows))


def rows_into_the_billions(path):
    rows = GOOD_ROWS + _row(4_000_000_000, ["ESX-2", "incident", "2014-03-01"])
    return write_workbook(path, _sheet(rows))


def huge_shared_string(path):
    text = "".join(random.choices("abcdefghij ", k=600_000))
    strings = (
        XML_DECLARATION
        + f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'.encode()
    )
    parts = {**_parts(shared_strings=True), "xl/sharedStrings.xml": strings}
    rows = GOOD_ROWS + b'<row r="3"><c r="A3" t="s"><v>0</v></c></row>'
    return write_workbook(path, _sheet(rows), parts=parts)


def huge_inline_cell(path):
    text = "".join(random.choices("abcdefghij ", k=400_000))
    return write_workbook(path, _sheet(GOOD_ROWS + _row(3, ["ESX-3", "incident", "", "", text])))


def deep_nesting(path):
    return write_workbook(path, _sheet(GOOD_ROWS, tail=b"<x>" * 100_000 + b"</x>" * 100_000))


def malformed_xml(path):
    return write_workbook(
        path, [XML_DECLARATION, f'<worksheet xmlns="{MAIN}">'.encode(), b"<sheetData><row r=1>"]
    )


def truncated(path):
    write_workbook(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def zip_not_workbook(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "just some notes")
    return path


def opendocument(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return path


def word_document(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return path


def zip_encrypted(path):
    write_workbook(path)
    return _patch_directory(path, "xl/worksheets/sheet1.xml", flags=0x1)


def bzip2_parts(path):
    return write_workbook(path, method=zipfile.ZIP_BZIP2)


def thousands_of_parts(path):
    return write_workbook(path, extra=[(f"xl/media/image{n}.png", b"") for n in range(2000)])


def two_parts_one_name(path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it is asked to write
        return write_workbook(path, extra=[("xl/worksheets/sheet1.xml", b"<worksheet/>")])


OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def encrypted_workbook(path):
    path.write_bytes(OLE_HEADER + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 4096)
    return path


def old_excel(path):
    path.write_bytes(OLE_HEADER + "Workbook".encode("utf-16-le") + b"\x00" * 4096)
    return path


def _bytes(data):
    def build(path):
        path.write_bytes(data)
        return path

    return build


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x00\x10" * 2000
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2000

# --- CSV -------------------------------------------------------------------------------------


def _stream_text(path, pieces):
    with open(path, "wb") as handle:
        for piece in pieces:
            handle.write(piece)
    return path


def gigantic_line(path):
    return _stream_text(path, [HEADER.encode() + b"\n", *(b"a," * (1 << 19) for _ in range(40))])


def nul_bytes(path):
    return _stream_text(path, [b"\x00" * (1 << 20) for _ in range(10)])


def absurd_columns(path):
    return _stream_text(path, [f"{HEADER}\n{GOOD_ROW}\n".encode(), b"," * 1_000_000, b"\n"])


def field_of_megabytes(path):
    return _stream_text(path, [f"{HEADER}\nESX-1,incident,2014-03-01,,".encode(), b"x" * (2 << 20)])


def byte_order_mark_inside(path):
    text = f"{HEADER}\n{GOOD_ROW}\n".encode()
    return _stream_text(path, [b"\xef\xbb\xbf" + text, b"\xef\xbb\xbf" + text])


def overlong_utf8(path):
    return _stream_text(path, [f"{HEADER}\n".encode(), b"ESX-\xc0\xaf1,incident,2014-03-01,,\n"])


def surrogate_utf8(path):
    return _stream_text(
        path, [f"{HEADER}\n".encode(), b"ESX-\xed\xa0\x801,incident,2014-03-01,,\n"]
    )


def millions_of_blank_lines(path):
    return _stream_text(path, [f"{HEADER}\n{GOOD_ROW}\n".encode(), b"\n" * 1_100_000])


def quote_never_closed(path):
    return _stream_text(
        path, [f'{HEADER}\nESX-1,incident,2014-03-01,,"'.encode(), b"line\n" * 400_000]
    )


ENTITIES = "the workbook's XML declares a document type or entities (<!DOCTYPE …>)"
NOT_A_BATCH = "not a batch file, whatever its name says: upload the CSV or .xlsx file"

CORPUS = [
    Hostile(
        "zip bomb (200 MB of XML packed into a few hundred KB)",
        "bomb.xlsx",
        zip_bomb,
        "more than 100 times its packed size, which no spreadsheet program writes",
    ),
    Hostile(
        "a directory that claims 3 GB",
        "claims.xlsx",
        claims_gigabytes,
        "the workbook is too big once unpacked (xl/worksheets/sheet1.xml: 2,861.0 MB",
    ),
    Hostile(
        "a directory that says 2 KB for 50 MB of packed data",
        "lies.xlsx",
        lying_directory,
        "the workbook is damaged (xl/worksheets/sheet1.xml: Bad CRC-32",
    ),
    Hostile("billion laughs in the sheet", "laughs.xlsx", billion_laughs, ENTITIES),
    Hostile("an external entity in workbook.xml", "external.xlsx", external_entity, ENTITIES),
    Hostile(
        "a sheet claiming A1:XFD1048576",
        "dimension.xlsx",
        whole_sheet_dimension,
        "the first sheet says it spans A1:XFD1048576, 1,048,576 rows by 16,384 columns",
        before_parsing=False,
    ),
    Hostile(
        "a cell in column XFD",
        "wide.xlsx",
        cell_far_right,
        "this row has 16,384 values; a batch has at most 500 columns",
        before_parsing=False,
    ),
    Hostile(
        "a row numbered four billion",
        "rows.xlsx",
        rows_into_the_billions,
        "the file goes on past row 1,048,576, the last row Excel allows",
        before_parsing=False,
    ),
    Hostile(
        "a shared string of 600,000 characters",
        "strings.xlsx",
        huge_shared_string,
        "part of the workbook (xl/sharedStrings.xml) holds more than 256 KB of text in one piece",
    ),
    Hostile(
        "an inline cell of 400,000 characters",
        "cell.xlsx",
        huge_inline_cell,
        "part of the workbook (xl/worksheets/sheet1.xml) holds more than 256 KB of text",
    ),
    Hostile(
        "XML nested 100,000 deep",
        "deep.xlsx",
        deep_nesting,
        "part of the workbook (xl/worksheets/sheet1.xml) nests its XML more than 100 deep",
    ),
    Hostile(
        "a sheet whose XML is not well-formed",
        "malformed.xlsx",
        malformed_xml,
        "the workbook is damaged (its XML is not well-formed",
        before_parsing=False,
    ),
    Hostile("a workbook cut in half", "cut.xlsx", truncated, "the workbook is incomplete"),
    Hostile(
        "a zip that is not a workbook",
        "notes.xlsx",
        zip_not_workbook,
        "this is a zip archive, not an Excel workbook",
    ),
    Hostile(
        "an OpenDocument spreadsheet",
        "sheet.xlsx",
        opendocument,
        "this is an OpenDocument spreadsheet (.ods), not an Excel workbook",
    ),
    Hostile(
        "a Word document", "letter.xlsx", word_document, "this is a Word document, not an Excel"
    ),
    Hostile(
        "a zip with encrypted parts",
        "locked.xlsx",
        zip_encrypted,
        "the workbook is protected by a password",
    ),
    Hostile(
        "a password-protected workbook (encrypted package)",
        "protected.xlsx",
        encrypted_workbook,
        "the workbook is protected by a password, so it cannot be read",
    ),
    Hostile("an old .xls", "old.xls", old_excel, "this is an old-style Excel (.xls) file"),
    Hostile(
        "parts packed with bzip2",
        "bzip2.xlsx",
        bzip2_parts,
        "is packed in a way Excel never uses (zip method 12)",
    ),
    Hostile("2,000 parts", "parts.xlsx", thousands_of_parts, "the workbook is made of 2,005 parts"),
    Hostile(
        "two parts of one name",
        "twins.xlsx",
        two_parts_one_name,
        "it holds two parts named xl/worksheets/sheet1.xml",
    ),
    Hostile(
        "a Linux program named .xlsx",
        "batch.xlsx",
        _bytes(ELF),
        f"this is a program (a Linux executable), {NOT_A_BATCH}",
    ),
    Hostile(
        "a Linux program named .csv",
        "batch.csv",
        _bytes(ELF),
        f"this is a program (a Linux executable), {NOT_A_BATCH}",
    ),
    Hostile(
        "a Windows program named .csv",
        "batch.csv",
        _bytes(PE),
        f"this is a program (a Windows executable), {NOT_A_BATCH}",
    ),
    Hostile(
        "a PDF named .csv",
        "batch.csv",
        _bytes(b"%PDF-1.7\n" + b"x" * 100),
        f"this is a PDF document, {NOT_A_BATCH}",
    ),
    Hostile(
        "a gzip archive named .csv",
        "batch.csv",
        _bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 100),
        f"this is a gzip archive, {NOT_A_BATCH}",
    ),
    Hostile(
        "a PNG image named .xlsx",
        "batch.xlsx",
        _bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        f"this is a PNG image, {NOT_A_BATCH}",
    ),
    Hostile(
        "a CSV line of 40 MB with no line break",
        "line.csv",
        gigantic_line,
        "a line of the file is longer than 4 MB without a line break",
        before_parsing=False,
    ),
    Hostile(
        "10 MB of NUL bytes",
        "nul.csv",
        nul_bytes,
        "a line of the file is longer than 4 MB without a line break",
        before_parsing=False,
    ),
    Hostile(
        "a CSV row of a million columns",
        "columns.csv",
        absurd_columns,
        "this row has 1,000,001 values; a batch has at most 500 columns",
        before_parsing=False,
    ),
    Hostile(
        "a CSV value of 2 MB",
        "field.csv",
        field_of_megabytes,
        "a value is longer than 131,072 characters",
        before_parsing=False,
    ),
    Hostile(
        "a byte-order mark in the middle (two files joined)",
        "joined.csv",
        byte_order_mark_inside,
        "this row holds a byte-order mark",
        before_parsing=False,
    ),
    Hostile(
        "an overlong UTF-8 sequence",
        "overlong.csv",
        overlong_utf8,
        "the file is not in UTF-8 text encoding",
        before_parsing=False,
    ),
    Hostile(
        "an encoded UTF-16 surrogate",
        "surrogate.csv",
        surrogate_utf8,
        "the file is not in UTF-8 text encoding",
        before_parsing=False,
    ),
    Hostile(
        "a million blank lines",
        "blank.csv",
        millions_of_blank_lines,
        "the file goes on past row 1,048,576",
        before_parsing=False,
    ),
    Hostile(
        "a quote never closed over 2 MB of lines",
        "quote.csv",
        quote_never_closed,
        "a value is longer than 131,072 characters",
        before_parsing=False,
    ),
]

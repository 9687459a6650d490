"""Hostile workbooks, written part by part (a big part is streamed into the zip)."""

import random
import struct
import warnings
import zipfile

from tests.uploads.hostile.csv_files import GOOD_ROW, HEADER

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


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


def row_xml(number, values, first_column=0):
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


GOOD_ROWS = row_xml(1, HEADER.split(",")) + row_xml(2, GOOD_ROW.split(","))


def sheet_xml(rows=GOOD_ROWS, *, dimension=b"", doctype=b"", tail=b""):
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
            for piece in sheet if sheet is not None else sheet_xml():
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
    return write_workbook(path, sheet_xml([GOOD_ROWS, *_spaces(200 << 20)]))


def claims_gigabytes(path):
    write_workbook(path)
    return _patch_directory(path, "xl/worksheets/sheet1.xml", file_size=3_000_000_000)


def lying_directory(path):
    """The directory says 2 KB; the packed data unpacks to 50 MB."""
    write_workbook(path, sheet_xml([GOOD_ROWS, *_spaces(50 << 20)]))
    return _patch_directory(path, "xl/worksheets/sheet1.xml", file_size=2048)


def billion_laughs(path):
    return write_workbook(path, sheet_xml(row_xml(1, ["&lol9;"]), doctype=LAUGHS))


def external_entity(path):
    return write_workbook(path, parts=_parts(doctype=EXTERNAL))


def whole_sheet_dimension(path):
    return write_workbook(path, sheet_xml(dimension=b'<dimension ref="A1:XFD1048576"/>'))


def cell_far_right(path):
    rows = GOOD_ROWS + row_xml(3, ["x"], first_column=16383)
    return write_workbook(path, sheet_xml(rows))


def rows_into_the_billions(path):
    rows = GOOD_ROWS + row_xml(4_000_000_000, ["ESX-2", "incident", "2014-03-01"])
    return write_workbook(path, sheet_xml(rows))


def huge_shared_string(path):
    text = "".join(random.choices("abcdefghij ", k=600_000))
    strings = (
        XML_DECLARATION
        + f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'.encode()
    )
    parts = {**_parts(shared_strings=True), "xl/sharedStrings.xml": strings}
    rows = GOOD_ROWS + b'<row r="3"><c r="A3" t="s"><v>0</v></c></row>'
    return write_workbook(path, sheet_xml(rows), parts=parts)


def huge_inline_cell(path):
    text = "".join(random.choices("abcdefghij ", k=400_000))
    rows = GOOD_ROWS + row_xml(3, ["ESX-3", "incident", "", "", text])
    return write_workbook(path, sheet_xml(rows))


def deep_nesting(path):
    return write_workbook(path, sheet_xml(GOOD_ROWS, tail=b"<x>" * 100_000 + b"</x>" * 100_000))


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


def raw_bytes(data):
    def build(path):
        path.write_bytes(data)
        return path

    return build


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x00\x10" * 2000
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2000

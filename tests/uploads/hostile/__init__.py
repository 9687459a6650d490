"""A corpus of hostile batch files, built on the fly (nothing big is kept in the repository).

Each :class:`Hostile` names the file, how to build it at a path, the one
line it must be refused with, and whether the refusal comes before any
parser sees the file (``before_parsing``). Large files are streamed to disk
piece by piece, so building one takes little memory.
"""

from dataclasses import dataclass

from tests.uploads.hostile.csv_files import (
    absurd_columns,
    byte_order_mark_inside,
    field_of_megabytes,
    gigantic_line,
    millions_of_blank_lines,
    nul_bytes,
    overlong_utf8,
    quote_never_closed,
    surrogate_utf8,
)
from tests.uploads.hostile.workbooks import (
    ELF,
    PE,
    billion_laughs,
    bzip2_parts,
    cell_far_right,
    claims_gigabytes,
    deep_nesting,
    encrypted_workbook,
    external_entity,
    huge_inline_cell,
    huge_shared_string,
    lying_directory,
    malformed_xml,
    old_excel,
    opendocument,
    raw_bytes,
    rows_into_the_billions,
    thousands_of_parts,
    truncated,
    two_parts_one_name,
    whole_sheet_dimension,
    word_document,
    zip_bomb,
    zip_encrypted,
    zip_not_workbook,
)


@dataclass(frozen=True)
class Hostile:
    """A hostile file: ``build(path)`` writes it; it is refused with ``message`` in it."""

    id: str
    filename: str
    build: object
    message: str
    before_parsing: bool = True


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
        raw_bytes(ELF),
        f"this is a program (a Linux executable), {NOT_A_BATCH}",
    ),
    Hostile(
        "a Linux program named .csv",
        "batch.csv",
        raw_bytes(ELF),
        f"this is a program (a Linux executable), {NOT_A_BATCH}",
    ),
    Hostile(
        "a Windows program named .csv",
        "batch.csv",
        raw_bytes(PE),
        f"this is a program (a Windows executable), {NOT_A_BATCH}",
    ),
    Hostile(
        "a PDF named .csv",
        "batch.csv",
        raw_bytes(b"%PDF-1.7\n" + b"x" * 100),
        f"this is a PDF document, {NOT_A_BATCH}",
    ),
    Hostile(
        "a gzip archive named .csv",
        "batch.csv",
        raw_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 100),
        f"this is a gzip archive, {NOT_A_BATCH}",
    ),
    Hostile(
        "a PNG image named .xlsx",
        "batch.xlsx",
        raw_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
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

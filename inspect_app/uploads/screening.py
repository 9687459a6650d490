"""Screening a batch file before it is parsed: refusing what no genuine batch file is.

A batch file comes from outside, and a hostile one can look small and still
keep an import busy for hours or exhaust the server's memory: a workbook
that unpacks a thousandfold, XML that declares entities to expand, a part
whose zip directory lies about its size, a program renamed ``.csv``. Each
is refused here, from the file's first bytes, its zip directory and one
pass over its XML whose every byte is counted, before a parser sees it.
Every refusal is an :class:`UnreadableFile` with one line saying what is
wrong and what to do (docs/batch-format.md, "Files that are refused").

The limits sit far above any genuine batch (a sample is hundreds or
thousands of records; a 50 MB workbook of records unpacks to about 500 MB)
and far below what would hurt the service. What the parsers then do is
bounded row by row in :mod:`reading` with the same limits.
"""

import os
import re
import struct
import zipfile
import zlib

from inspect_app.uploads.errors import UnreadableFile

#: Excel's own last row; no batch comes near it.
MAX_ROWS = 1_048_576
#: A batch has seventeen columns; the rest can only be columns to ignore.
MAX_COLUMNS = 500
#: Cells in one sheet, as the rows are read: a million rows of thirty columns.
MAX_CELLS = 30_000_000
#: Parts (zip members) in a workbook: Excel writes a dozen or two.
MAX_PARTS = 1_000
#: The zip directory itself, read before zipfile makes an object per entry.
MAX_DIRECTORY_BYTES = 1 << 20
#: What one part, and all the XML parts together, may unpack to.
MAX_PART_BYTES = 1 << 30
MAX_UNPACKED_BYTES = 1 << 30
#: Unpacked size over packed size: Excel's parts of records pack 5 to 15 times; a zip
#: bomb packs about a thousand times.
MAX_RATIO = 100
#: Parts smaller than this may pack as tightly as they like (a short styles part does).
RATIO_FREE_BYTES = 1 << 20
#: The longest stretch of XML without markup: a cell holds at most 32,767 characters
#: (Excel's limit), which is at most about 200 KB however it is written.
MAX_TEXT_RUN_BYTES = 256 << 10
#: How deep elements may nest: a worksheet nests about six deep, and every open
#: element is held in memory while it is parsed.
MAX_NESTING = 100
#: The longest line of a CSV file, before a line break: a record is a few kilobytes.
MAX_LINE_BYTES = 4 << 20

READ_CHUNK_BYTES = 1 << 16
SAVE_AGAIN = "save it again from Excel as .xlsx, or as CSV UTF-8"
UPLOAD_THE_BATCH = "upload the CSV or .xlsx file of records itself"

#: A file's first bytes, for files that are clearly something else whatever their name.
_SIGNATURES = (
    (b"\x7fELF", "a program (a Linux executable)"),
    (b"\xcf\xfa\xed\xfe", "a program (a macOS executable)"),
    (b"\xce\xfa\xed\xfe", "a program (a macOS executable)"),
    (b"\xca\xfe\xba\xbe", "a program (compiled code)"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip, or an empty one
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Microsoft's older container: .xls, or an encrypted .xlsx
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

PASSWORD_PROTECTED = (
    "the workbook is protected by a password, so it cannot be read: open it in Excel, "
    "remove the password (File, Info, Protect Workbook, Encrypt with Password) and save it again"
)
OLD_EXCEL = "this is an old-style Excel (.xls) file: save it as .xlsx or as CSV UTF-8"
TRUNCATED = (
    "the workbook is incomplete (its end is missing, as when an upload or a copy is cut "
    "short): save it again from Excel and upload the new copy"
)
ENTITIES = (
    "the workbook's XML declares a document type or entities (<!DOCTYPE …>), which Excel "
    f"never writes and which can be used to attack a service; it was not read: {SAVE_AGAIN}"
)


def _megabytes(size) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def damaged(detail) -> str:
    """The message for a workbook that cannot be unpacked, naming what was found."""
    return f"the workbook is damaged ({detail}): save it again from Excel and upload the new copy"


def sniff(path, filename="") -> str:
    """``"xlsx"`` or ``"csv"`` from the file's first bytes (its name can lie), or refuse it."""
    with open(path, "rb") as handle:
        start = handle.read(64)
    if start.startswith(ZIP_MAGICS):
        return "xlsx"
    if start.startswith(OLE_MAGIC):
        raise UnreadableFile(1, PASSWORD_PROTECTED if _is_encrypted_ole(path) else OLD_EXCEL)
    # "MZ" alone could start a line of text; a Windows program's header has NUL bytes.
    if start.startswith(b"MZ") and b"\x00" in start:
        raise UnreadableFile(1, f"this is a program (a Windows executable), {_not_a_batch()}")
    for magic, what in _SIGNATURES:
        if start.startswith(magic):
            raise UnreadableFile(1, f"this is {what}, {_not_a_batch()}")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile(1, "this file is named .xlsx but is not an Excel workbook")
    return "csv"


def _not_a_batch() -> str:
    return f"not a batch file, whatever its name says: {UPLOAD_THE_BATCH}"


def _is_encrypted_ole(path) -> bool:
    """Whether the container holds an encrypted workbook, not an old .xls.

    An encrypted .xlsx is stored in the older container with a stream named
    ``EncryptedPackage``; its name is found by scanning the file (already
    within the upload size limit) rather than by parsing the container.
    """
    tail = b""
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


def _directory_extent(path) -> tuple[int, int]:
    """(entries, bytes) of the zip directory, from its end record alone.

    Read before :class:`zipfile.ZipFile` is made, which builds an object
    for every entry the directory lists. No end record means the file was
    cut short: that record is the last thing a zip holds.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        start = max(0, size - (22 + 0xFFFF))  # the record, and a comment of at most 64 KB
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise UnreadableFile(1, TRUNCATED)
        entries, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
        locator = at - 20
        zip64 = entries == 0xFFFF or directory_bytes == 0xFFFFFFFF
        if zip64 and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
            handle.seek(offset)
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries, directory_bytes = struct.unpack("<QQ", record[32:48])
    return entries, directory_bytes


def screen_workbook(path) -> bool:
    """Refuse a workbook that is not one, or is built to overload; else whether it has formulas.

    The zip directory is checked first (how many parts, each part's size
    and how tightly it packs, passwords, packing methods); then every XML
    part is unpacked once, counting the bytes that actually come out
    rather than trusting the directory, and looked at for what no
    spreadsheet program writes. The worksheets are looked at for formulas
    on the way (:mod:`reading` reads a workbook with formulas twice).
    """
    entries, directory_bytes = _directory_extent(path)
    if entries > MAX_PARTS or directory_bytes > MAX_DIRECTORY_BYTES:
        raise UnreadableFile(1, _too_many_parts(entries))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableFile(1, damaged(f"its zip directory cannot be read: {error}")) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise UnreadableFile(1, _too_many_parts(len(parts)))
        _check_directory(archive, parts)
        has_formulas = False
        unpacked = 0
        for part in parts:
            if _is_xml(part.filename):
                found, size = _scan_part(archive, part, MAX_UNPACKED_BYTES - unpacked)
                has_formulas = has_formulas or found
                unpacked += size
    return has_formulas


def _too_many_parts(count) -> str:
    return (
        f"the workbook is made of {count:,} parts; Excel writes a few dozen at most: {SAVE_AGAIN}"
    )


def _is_xml(name) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _check_directory(archive, parts):
    """What the zip directory alone gives away: no unpacking yet."""
    names = set()
    total = 0
    for part in parts:
        name = part.filename
        if name in names:
            # Two parts of one name: programs would disagree on which one is read.
            raise UnreadableFile(1, damaged(f"it holds two parts named {name}"))
        names.add(name)
        if part.flag_bits & 0x1:
            raise UnreadableFile(1, PASSWORD_PROTECTED)
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableFile(
                1,
                f"part of the workbook ({name}) is packed in a way Excel never uses "
                f"(zip method {part.compress_type}): {SAVE_AGAIN}",
            )
        if part.file_size > MAX_PART_BYTES:
            raise UnreadableFile(1, _unpacks_too_big(name, part.file_size))
        if part.file_size > RATIO_FREE_BYTES and part.file_size > MAX_RATIO * max(
            part.compress_size, 1
        ):
            raise UnreadableFile(
                1,
                f"part of the workbook ({name}) would unpack from "
                f"{_megabytes(part.compress_size)} to {_megabytes(part.file_size)}, more than "
                f"{MAX_RATIO} times its packed size, which no spreadsheet program writes (files "
                f"made to overload a service do): {SAVE_AGAIN}",
            )
        if _is_xml(name):
            total += part.file_size
    if total > MAX_UNPACKED_BYTES:
        raise UnreadableFile(1, _unpacks_too_big("all its XML", total))
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnreadableFile(1, _not_a_workbook(archive, names))


def _unpacks_too_big(name, size) -> str:
    return (
        f"the workbook is too big once unpacked ({name}: {_megabytes(size)}; the most is "
        f"{_megabytes(MAX_UNPACKED_BYTES)}): split it into smaller batches"
    )


def _not_a_workbook(archive, names) -> str:
    """Name the kind of zip it is, where it is a common one."""
    what = "a zip archive"
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
        if b"opendocument.spreadsheet" in archive.read("mimetype"):
            what = "an OpenDocument spreadsheet (.ods)"
    elif any(n.startswith("word/") for n in names):
        what = "a Word document"
    elif any(n.startswith("ppt/") for n in names):
        what = "a PowerPoint presentation"
    return (
        f"this is {what}, not an Excel workbook: save the sheet as .xlsx or as CSV UTF-8, "
        "or upload the workbook itself"
    )


#: A formula element in a worksheet's XML (``<f>``, ``<f t="shared" …>``, ``<x:f>``).
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")


class _PartScan:
    """What one pass over a part's XML finds, chunk by chunk, in bounded memory.

    Nesting is counted from markup alone (opening tags less closing,
    self-closing and declarations): close enough to tell six levels from a
    hundred, without parsing.
    """

    def __init__(self, name):
        self.name = name
        self.is_sheet = name.startswith("xl/worksheets/")
        self.has_formulas = False
        self.depth = 0
        self.text_run = 0
        self._tail = b""

    def feed(self, chunk):
        window = self._tail + chunk
        if any(declaration in window for declaration in _DECLARATIONS):
            raise UnreadableFile(1, ENTITIES)
        if self.is_sheet and not self.has_formulas:
            self.has_formulas = _FORMULA_ELEMENT.search(window) is not None
        self._count_nesting(chunk)
        self._measure_text(chunk)
        self._tail = chunk[-32:]

    def _count_nesting(self, chunk):
        # "</" and "/>" cut by the chunk's edge are counted with the next chunk's
        # bytes by looking one byte back.
        edge = self._tail[-1:] + chunk
        closing = edge.count(b"</")
        self.depth += (
            chunk.count(b"<")
            - 2 * closing
            - edge.count(b"/>")
            - edge.count(b"<?")
            - edge.count(b"<!")
        )
        if self.depth > MAX_NESTING:
            raise UnreadableFile(
                1,
                f"part of the workbook ({self.name}) nests its XML more than {MAX_NESTING} "
                f"deep, which no spreadsheet program writes: {SAVE_AGAIN}",
            )

    def _measure_text(self, chunk):
        first = chunk.find(b"<")
        if first < 0:
            self.text_run += len(chunk)
            longest = self.text_run
        else:
            last = chunk.rfind(b"<")
            longest = max(self.text_run + first, *map(len, chunk[first + 1 : last].split(b"<")))
            self.text_run = len(chunk) - last - 1
        if max(longest, self.text_run) > MAX_TEXT_RUN_BYTES:
            raise UnreadableFile(
                1,
                f"part of the workbook ({self.name}) holds more than "
                f"{MAX_TEXT_RUN_BYTES // 1024:,} KB of text in one piece, more than a cell can "
                f"hold (Excel's limit is 32,767 characters): {SAVE_AGAIN}",
            )


def _scan_part(archive, part, budget) -> tuple[bool, int]:
    """Unpack one XML part, counting every byte; (whether it has formulas, its size).

    The directory's sizes were checked, but it can lie: no more than it
    claims (and no more than ``budget``) is ever read, and a part that
    gives more, less, or fails its checksum is refused.
    """
    limit = min(part.file_size, budget)
    scan = _PartScan(part.filename)
    size = 0
    try:
        with archive.open(part) as member:
            while chunk := member.read(READ_CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    if size > part.file_size:
                        raise UnreadableFile(
                            1, damaged(f"{part.filename} unpacks to more than its directory says")
                        )
                    raise UnreadableFile(1, _unpacks_too_big("all its XML", size))
                scan.feed(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise UnreadableFile(1, damaged(f"{part.filename}: {error}")) from None
    if size != part.file_size:
        raise UnreadableFile(1, damaged(f"{part.filename} is shorter than its directory says"))
    return scan.has_formulas, size

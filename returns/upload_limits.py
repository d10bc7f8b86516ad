"""Limits that keep an uploaded returns file cheap to read, checked before any parser sees it.

An .xlsx file is a zip of XML parts. Under the 5 MB upload cap a zip can still unpack to
gigabytes, and the XML parser under openpyxl (expat, fed in chunks) takes time that grows with
the *square* of the longest single token it meets: a 98 KB workbook holding one 95 MB XML
comment kept an import busy for over ten minutes; 5 million shared strings in a 208 KB file
took 47 s and 716 MB; a 93 KB file stored a 90 MB comment cell. So, before openpyxl opens a
workbook, ``check_workbook`` reads the zip's directory and each XML part itself and refuses the
file, with one message naming the problem, unless every figure below holds. Each check costs
time linear in the bytes it reads, at C speed where the input is hostile:

1. The zip: at most ``MAX_PARTS`` parts, none over ``MAX_PART_BYTES`` unpacked and all of them
   together at most ``MAX_TOTAL_BYTES`` (sizes from the zip's directory, then enforced while
   unpacking, since a directory can lie).
2. Each XML part, as bytes (``_scan_markup``): UTF-8 (a UTF-16 part would hide its markup from
   the byte scan), no document type declaration (entity tricks), at most ``MAX_DECLARATIONS``
   comments, processing instructions or CDATA sections, and no single tag, text, comment or
   other piece of markup longer than ``MAX_MARKUP_BYTES``. With every token that short, the
   chunked parser's quadratic cost is bounded by a small constant times the part's size.
3. Each XML part, parsed once by expat in one call (``_XmlCounter``): at most ``MAX_ROWS``
   rows and ``MAX_CELLS`` cells per sheet, at most ``MAX_SHARED_STRINGS`` shared strings, no
   cell beyond row ``MAX_ROWS`` or column ``MAX_COLUMNS`` (openpyxl pads every row out to the
   widest column it is told of), at most ``MAX_ELEMENTS`` XML elements in the whole workbook
   and ``MAX_OTHER_ELEMENTS`` in any part that is not a sheet or the shared strings, and no
   cell or shared string with more than ``MAX_TEXT_CHARS`` characters of text.

``bounded_rows`` applies the row, column and text limits to the rows a CSV (or any) reader
yields, naming the row and column of a text that is too long.

Both raise ``UploadRefused``, or the caller's own exception class given as ``error``, so that
the importer reports the message as it reports any unreadable file.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from xml.parsers import expat

__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_DECLARATIONS",
    "MAX_ELEMENTS",
    "MAX_MARKUP_BYTES",
    "MAX_OTHER_ELEMENTS",
    "MAX_PARTS",
    "MAX_PART_BYTES",
    "MAX_ROWS",
    "MAX_SHARED_STRINGS",
    "MAX_TEXT_CHARS",
    "MAX_TOTAL_BYTES",
    "UploadRefused",
    "bounded_rows",
    "check_workbook",
]

#: Parts in one zip. A workbook from Excel has about a dozen; thousands only cost time.
MAX_PARTS = 1_000
#: One part unpacked. The largest legitimate part is the sheet: an export of 20,000 lines with
#: comments unpacks to about 30 MB; 64 MB leaves room for long comments on every line.
MAX_PART_BYTES = 64 * 1024 * 1024
#: All parts together, unpacked (the zip-bomb bound).
MAX_TOTAL_BYTES = 100 * 1024 * 1024
#: The longest tag, text node, comment or processing instruction, in bytes. Expat's time on a
#: token fed in chunks grows with the square of its length; a cell's longest legitimate text
#: (MAX_TEXT_CHARS characters, each at most 4 bytes of UTF-8 or a 6-byte entity) fits.
MAX_MARKUP_BYTES = 64 * 1024
#: Comments, processing instructions and CDATA sections in one part (Excel writes none but
#: the XML declaration); each is checked on its own, so their number is bounded too.
MAX_DECLARATIONS = 1_000
#: Rows in a sheet, counted as XML rows and as row numbers: the importer's 20,000 data rows,
#: the 10,000 blank rows it tolerates, and the header.
MAX_ROWS = 30_001
#: Columns of a row: the export has 15; more is not a returns file. openpyxl pads every row
#: to the widest column a sheet names, so this also bounds the cells it makes.
MAX_COLUMNS = 50
#: Cells in a sheet: 20,000 rows of 20 columns.
MAX_CELLS = 400_000
#: Distinct texts of a workbook (shared strings): never more than it has cells.
MAX_SHARED_STRINGS = MAX_CELLS
#: XML elements in the whole workbook: a 20,000-line export of 15 columns has about 800,000.
MAX_ELEMENTS = 1_200_000
#: XML elements of any other part (styles, relationships, properties...): openpyxl builds
#: such parts as whole trees in memory, so they are kept small.
MAX_OTHER_ELEMENTS = 100_000
#: Characters of text in one cell: comments and reasons are a paragraph, not a report.
MAX_TEXT_CHARS = 4_000

_SUPPORTED_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}
_UTF8_BOM = b"\xef\xbb\xbf"
# The first bytes of XML in UTF-16 or UTF-32, with or without a byte order mark.
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")
_LEADING_SPACE = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION_START = re.compile(rb"<[!?]")
# A '<' followed by more than MAX_MARKUP_BYTES bytes without another '<'. A tag cannot hold a
# '<' (attribute values escape it), nor can text, so this bounds every tag and text node.
_LONG_RUN = re.compile(rb"<[^<]{%d}" % MAX_MARKUP_BYTES)
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_DIGITS = "0123456789"
# The columns a returns sheet may use, by name: a set lookup per cell instead of a regex.
_COLUMN_NAMES = frozenset(
    (chr(64 + n) if n <= 26 else chr(64 + (n - 1) // 26) + chr(65 + (n - 1) % 26))
    for n in range(1, MAX_COLUMNS + 1)
)
_SHARED_STRING = "shared string"
# Roots of the parts openpyxl streams (sheets, shared strings) rather than builds whole.
_STREAMED_ROOTS = {"worksheet", "sst"}


class UploadRefused(ValueError):
    """The upload breaks one of the limits; the message names which, for the user."""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def check_workbook(content: bytes, *, error: type[Exception] = UploadRefused) -> None:
    """Refuse (raise ``error``) an .xlsx whose zip or XML breaks a limit of this module.

    A file that is not a zip at all passes: the reader reports it as not a workbook.
    """
    buffer = io.BytesIO(content)
    if not zipfile.is_zipfile(buffer):
        return
    try:
        with zipfile.ZipFile(buffer) as archive:
            parts = archive.infolist()
            _check_directory(parts, error=error)
            counter = _XmlCounter(error=error)
            for info in parts:
                data = _unpack(archive, info, error=error)
                if _is_xml(info.filename, data, error=error):
                    _scan_markup(info.filename, data, error=error)
                    counter.count(info.filename, data)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise error(
            "The workbook could not be unpacked: it may be damaged or password-protected. "
            "Save it again from Excel, or as CSV."
        ) from exc


def _check_directory(parts: Sequence[zipfile.ZipInfo], *, error: type[Exception]) -> None:
    if len(parts) > MAX_PARTS:
        raise error(
            f"The workbook is made of {len(parts):,} parts: a workbook may have at most "
            f"{MAX_PARTS:,}. Save it again from Excel, or as CSV."
        )
    total = 0
    for info in parts:
        if info.file_size > MAX_PART_BYTES:
            raise error(
                f"The workbook part {info.filename} unpacks to {_mb(info.file_size)}: a part "
                f"may unpack to at most {_mb(MAX_PART_BYTES)}. The file was not read."
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise error(
            f"The workbook unpacks to {_mb(total)}: at most {_mb(MAX_TOTAL_BYTES)} is read. "
            "Split it into smaller files, or save it as CSV."
        )


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, error) -> bytes:
    # Never more than the limit, whatever the directory claimed.
    with archive.open(info) as part:
        data = part.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise error(
            f"The workbook part {info.filename} unpacks to more than {_mb(MAX_PART_BYTES)}. "
            "The file was not read."
        )
    return data


def _is_xml(name: str, data: bytes, *, error: type[Exception]) -> bool:
    """Whether a part is XML (checked) or binary (an image: no XML parser gets far in it)."""
    if data.startswith(_WIDE_STARTS):
        raise error(
            f"The workbook part {name} is not in UTF-8: save the file again from Excel, or as CSV."
        )
    space = _LEADING_SPACE.match(data).end()
    if space > MAX_MARKUP_BYTES:
        raise error(f"The workbook part {name} starts with {space:,} blank bytes.")
    return data[space : space + 1] == b"<"


def _scan_markup(name: str, data: bytes, *, error: type[Exception]) -> None:
    """Encoding, declarations and the length of every token, by byte searches (linear)."""
    start = data[: MAX_MARKUP_BYTES + 1].lstrip(_UTF8_BOM + b" \t\r\n")
    declared = _DECLARED_ENCODING.match(start)
    if declared and declared.group(1).decode("ascii").lower() not in _SUPPORTED_ENCODINGS:
        raise error(
            f"The workbook part {name} is in {declared.group(1).decode('ascii')}, not UTF-8: "
            "save the file again from Excel, or as CSV."
        )
    position, declarations = 0, 0
    while match := _DECLARATION_START.search(data, position):
        declarations += 1
        if declarations > MAX_DECLARATIONS:
            raise error(
                f"The workbook part {name} holds more than {MAX_DECLARATIONS:,} comments or "
                "processing instructions."
            )
        begin = match.start()
        if data.startswith(b"<!--", begin):
            kind, closing = "an XML comment", b"-->"
        elif data.startswith(b"<![CDATA[", begin):
            kind, closing = "a CDATA section", b"]]>"
        elif data.startswith(b"<?", begin):
            kind, closing = "a processing instruction", b"?>"
        else:
            raise error(
                f"The workbook part {name} holds a document type declaration, which a workbook "
                "never needs: the file was refused unread."
            )
        end = data.find(closing, begin + 2, begin + MAX_MARKUP_BYTES + len(closing))
        if end < 0:
            raise error(
                f"The workbook part {name} holds {kind} longer than {MAX_MARKUP_BYTES:,} bytes: "
                "the file was refused unread."
            )
        position = end + len(closing)
    if _LONG_RUN.search(data):
        raise error(
            f"The workbook part {name} holds a text or tag longer than {MAX_MARKUP_BYTES:,} "
            f"bytes: a cell may hold at most {MAX_TEXT_CHARS:,} characters. The file was "
            "refused unread."
        )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class _XmlCounter:
    """Counts what openpyxl would build from each part, stopping at the first limit broken.

    One expat parse of the whole part in one call (fast: the byte scan has bounded every token).
    Text is counted per cell (``c``) or shared string (``si``), over all their runs. The
    handlers are closures over local counters: they run once per element of the workbook.
    """

    def __init__(self, *, error: type[Exception]) -> None:
        self.error = error
        self.elements = 0

    def count(self, name: str, data: bytes) -> None:
        error = self.error
        elements = self.elements
        part_elements = rows = cells = strings = text = 0
        root: str | None = None
        unit: str | None = None

        def refuse(message: str):
            return error(f"The workbook part {name} {message}")

        def start(tag: str, attributes: dict[str, str]) -> None:
            nonlocal elements, part_elements, rows, cells, strings, text, root, unit
            elements += 1
            part_elements += 1
            if ":" in tag:
                tag = tag[tag.index(":") + 1 :]
            if root is None:
                root = tag
            if elements > MAX_ELEMENTS:
                raise refuse(f"takes the workbook over {MAX_ELEMENTS:,} XML elements.")
            if part_elements > MAX_OTHER_ELEMENTS and root not in _STREAMED_ROOTS:
                raise refuse(f"has more than {MAX_OTHER_ELEMENTS:,} XML elements.")
            if tag == "c":
                cells += 1
                if cells > MAX_CELLS:
                    raise refuse(f"has more than {MAX_CELLS:,} cells: split the file.")
                reference = attributes.get("r")
                unit = reference or ""
                text = 0
                if reference:
                    letters = reference.rstrip(_DIGITS)
                    row = reference[len(letters) :]
                    if letters not in _COLUMN_NAMES or not row or int(row) > MAX_ROWS:
                        _check_reference(reference, refuse)
            elif tag == "si":
                strings += 1
                if strings > MAX_SHARED_STRINGS:
                    raise refuse(f"has more than {MAX_SHARED_STRINGS:,} shared strings.")
                unit = _SHARED_STRING
                text = 0
            elif tag == "row":
                rows += 1
                unit = None
                if rows > MAX_ROWS:
                    raise refuse(f"has more than {MAX_ROWS - 1:,} rows: split the file.")
                number = attributes.get("r", "")
                if number.isdigit() and int(number) > MAX_ROWS:
                    raise refuse(
                        f"has a row numbered {int(number):,}: at most {MAX_ROWS:,} are read."
                    )
            elif tag == "dimension":
                for reference in attributes.get("ref", "").split(":"):
                    _check_reference(reference, refuse)

        def characters(data: str) -> None:
            nonlocal text
            if unit is not None:
                text += len(data)
                if text > MAX_TEXT_CHARS:
                    what = (
                        f"shared string number {strings:,}"
                        if unit is _SHARED_STRING
                        else f"cell {unit or f'number {cells:,}'}"
                    )
                    raise refuse(
                        f"holds a text of more than {MAX_TEXT_CHARS:,} characters ({what}): a "
                        f"cell may hold at most {MAX_TEXT_CHARS:,} (comments and reasons included)."
                    )

        def doctype(*args) -> None:
            raise refuse("holds a document type declaration.")

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.CharacterDataHandler = characters
        parser.StartDoctypeDeclHandler = doctype
        # Not well-formed: openpyxl stops at the same place, having read only checked bytes.
        with contextlib.suppress(expat.ExpatError):
            parser.Parse(data, True)
        self.elements = elements


def _check_reference(reference: str, refuse) -> None:
    """A cell reference within MAX_COLUMNS and MAX_ROWS (openpyxl pads rows out to it)."""
    match = _CELL_REFERENCE.fullmatch(reference.strip())
    if match is None:
        return  # openpyxl refuses a malformed reference itself
    column, row = _column_number(match.group(1)), int(match.group(2))
    if column > MAX_COLUMNS or row > MAX_ROWS:
        raise refuse(
            f"refers to cell {reference}: a returns sheet has at most {MAX_COLUMNS} "
            f"columns and {MAX_ROWS:,} rows."
        )


def bounded_rows(
    rows: Iterable[tuple[int, Sequence[object]]], *, error: type[Exception] = UploadRefused
) -> Iterator[tuple[int, Sequence[object]]]:
    """Pass rows through, refusing the file at the first row past ``MAX_ROWS``, with more than
    ``MAX_COLUMNS`` cells, or with a text longer than ``MAX_TEXT_CHARS`` (named by its row and
    the column's heading in the first row)."""
    header: Sequence[object] = ()
    for number, values in rows:
        if number > MAX_ROWS:
            raise error(f"The file has more than {MAX_ROWS - 1:,} rows: split it.")
        if len(values) > MAX_COLUMNS:
            raise error(
                f"Row {number:,} has {len(values):,} cells: a returns file has at most "
                f"{MAX_COLUMNS} columns."
            )
        if number == 1:
            header = values
        for index, value in enumerate(values):
            if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
                column = header[index] if index < len(header) and header[index] else index + 1
                raise error(
                    f"Row {number:,}, column “{column}”: the text is {len(value):,} characters "
                    f"long; a cell may hold at most {MAX_TEXT_CHARS:,} characters (comments "
                    "and reasons included)."
                )
        yield number, values

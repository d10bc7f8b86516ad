"""Read a returns file (.csv or .xlsx) into a table of raw cells keyed by column name."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath

from .. import upload_limits

COLUMNS = (
    "sub_region",
    "authority",
    "target_set",
    "target",
    "period",
    "date_of_data",
    "actual",
    "target_value",
    "rag",
    "reason",
    "comment",
    "source",
)
#: The columns a file must have; the others may be left out (their fields are then kept).
REQUIRED_COLUMNS = ("sub_region", "authority", "target_set", "target", "period", "actual")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
#: An .xlsx is a zip: refuse one that unpacks to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: Blank rows are skipped, but reading stops after this many rows beyond the row cap.
_BLANK_ROW_SLACK = 10_000

# What the database keeps: DecimalField(max_digits=16, decimal_places=4).
PLACES = Decimal("0.0001")

#: Text cells that a spreadsheet would read as a formula; the export prefixes them with "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | date | datetime | bool | None


class ImportFileError(Exception):
    """The file as a whole cannot be read (too big, damaged, wrong kind, missing columns)."""


# ---------------------------------------------------------------------------------------------
# 1. Parse: bytes → a table of raw cells keyed by column name
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    """A non-blank data row: its spreadsheet row number and its cells by column name."""

    number: int
    cells: Mapping[str, Cell]

    def text(self, column: str) -> str:
        """The cell as trimmed text ("" when blank or absent); numbers without a trailing .0."""
        return cell_text(self.cells.get(column))


@dataclass(frozen=True)
class Table:
    """The rows of a file and which of the known columns it has."""

    columns: frozenset[str]
    rows: list[SourceRow]


def normalise_header(name: object) -> str:
    """ "Sub region", "SUB-REGION", " sub_region " and "SubRegion" all give "subregion"."""
    return re.sub(r"[^0-9a-z]", "", str(name or "").casefold())


_KNOWN = {normalise_header(column): column for column in COLUMNS}


def read_table(
    *, content: bytes, filename: str, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> Table:
    """Read a .csv or .xlsx file into a Table; raise ImportFileError with one clear message.

    Limits: ``max_bytes`` for the file, ``max_rows`` non-blank data rows. CSV is read as UTF-8
    (with or without Excel's byte order mark), else as Windows-1252. XLSX is read with openpyxl
    in read-only mode with cached values (formulas are never evaluated), through defusedxml.
    """
    suffix = quick_check(content=content, filename=filename, max_bytes=max_bytes)
    if suffix == ".csv":
        raw_rows = upload_limits.bounded_rows(_read_csv(content), error=ImportFileError)
    else:
        raw_rows = upload_limits.bounded_rows(_read_xlsx(content), error=ImportFileError)
    return _table(raw_rows, max_rows=max_rows)


def quick_check(*, content: bytes, filename: str, max_bytes: int = MAX_BYTES) -> str:
    """The checks made before any parser reads the file, in well under a second whatever it
    holds: its size, its kind, and a workbook's parts (upload_limits.check_workbook). Returns
    the file's suffix; raises ImportFileError with one clear message."""
    if len(content) > max_bytes:
        raise ImportFileError(
            f"The file is {len(content) / 1024 / 1024:.1f} MB: the limit is "
            f"{max_bytes / 1024 / 1024:g} MB. Split it into smaller files."
        )
    suffix = PurePath(filename).suffix.casefold()
    if suffix in {".xlsx", ".xlsm"}:
        upload_limits.check_workbook(content, error=ImportFileError)  # before openpyxl sees it
    elif suffix == ".xls":
        raise ImportFileError(
            "Old Excel workbooks (.xls) cannot be read: save the file as .xlsx or as CSV."
        )
    elif suffix != ".csv":
        raise ImportFileError("Upload a .csv or .xlsx file (the name must end in .csv or .xlsx).")
    return suffix


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise ImportFileError("This is not a CSV text file: save it as CSV (UTF-8).")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "The file's characters cannot be read: save it as CSV UTF-8."
        ) from error


def _read_csv(content: bytes) -> Iterator[tuple[int, Sequence[Cell]]]:
    if content.startswith(b"PK\x03\x04"):
        raise ImportFileError("This is an Excel workbook, not a CSV file: name it .xlsx.")
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ImportFileError(
            f"The CSV file is malformed near line {reader.line_num}: {error}."
        ) from error


def _read_xlsx(content: bytes) -> Iterator[tuple[int, Sequence[Cell]]]:
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise ImportFileError("Excel files cannot be imported here: defusedxml is not installed.")
    damaged = (
        "The file could not be read as an Excel workbook (.xlsx): it may be damaged, "
        "password-protected or not really an .xlsx file. Save it again from Excel, or as CSV."
    )
    buffer = io.BytesIO(content)
    if not zipfile.is_zipfile(buffer):
        raise ImportFileError(damaged)
    try:
        with zipfile.ZipFile(buffer) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(damaged) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError("The workbook is too large once unpacked: split it or save as CSV.")
    try:
        workbook = load_workbook(buffer, read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ImportFileError("The workbook has no worksheet.")
            yield from _xlsx_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl and the XML parsers raise many kinds; one message
        raise ImportFileError(damaged) from error


def _xlsx_rows(sheet) -> Iterator[tuple[int, Sequence[Cell]]]:
    """Rows of the first sheet; numbers in a percent-formatted cell become "92.79%" text."""
    width = 0
    percent_columns: set[int] = set()
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number == 1:
            header = [cell.value for cell in cells]
            while header and header[-1] in (None, ""):
                header.pop()
            width = len(header)
            percent_columns = {
                index
                for index, name in enumerate(header)
                if _KNOWN.get(normalise_header(name)) in {"actual", "target_value"}
            }
            yield number, header
            continue
        values: list[Cell] = []
        for index, cell in enumerate(cells[:width]):
            value = cell.value
            if (
                index in percent_columns
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and "%" in (cell.number_format or "")
            ):
                value = f"{plain_number(round_places(to_decimal(value) * 100))}%"
            values.append(value)
        yield number, values


def _table(raw_rows: Iterable[tuple[int, Sequence[Cell]]], *, max_rows: int) -> Table:
    iterator = iter(raw_rows)
    first = next(iterator, None)
    if first is None or _blank(first[1]):
        raise ImportFileError("The file is empty: row 1 must be the header row.")
    positions = _header_positions(first[1])
    rows: list[SourceRow] = []
    for number, values in iterator:
        if number > max_rows + _BLANK_ROW_SLACK or (len(rows) >= max_rows and not _blank(values)):
            raise ImportFileError(
                f"The file has more than {max_rows:,} rows: split it into smaller files."
            )
        if _blank(values):
            continue
        cells = {
            column: values[index] if index < len(values) else None
            for column, index in positions.items()
        }
        rows.append(SourceRow(number=number, cells=cells))
    if not rows:
        raise ImportFileError("The file has a header row but no data rows.")
    return Table(columns=frozenset(positions), rows=rows)


def _header_positions(header: Sequence[Cell]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = _KNOWN.get(normalise_header(name))
        if column is None:
            continue  # extra columns (the export's computed ones, notes) are ignored
        if column in positions:
            raise ImportFileError(f"The column “{column}” appears twice in the header row.")
        positions[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise ImportFileError(
            f"The header row (row 1) lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. The columns are: {', '.join(COLUMNS)}."
        )
    return positions


def _blank(values: Sequence[Cell]) -> bool:
    return all(cell_text(value) == "" for value in values)


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | int | Decimal):
        return plain_number(to_decimal(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return unescape_text(str(value).strip())


def unescape_text(text: str) -> str:
    """Undo the export's formula neutralisation: "'=SUM(A1)" → "=SUM(A1)", "''x" → "'x"."""
    if len(text) > 1 and text[0] == "'" and (text[1] in FORMULA_STARTS or text[1] == "'"):
        return text[1:]
    return text


def to_decimal(value: int | float | Decimal) -> Decimal:
    """An exact Decimal for a cell number: floats by their shortest repr (92.79, not 92.78999…)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def plain_number(number: Decimal) -> str:
    """A number without exponent or trailing zeros: 92.7900 → "92.79", 1E+3 → "1000"."""
    if not number.is_finite():
        return str(number)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def round_places(number: Decimal) -> Decimal:
    """Rounded half up to 4 decimal places (numbers too large to round are left as they are:
    the value parser refuses them as too large)."""
    if number.adjusted() >= 20:
        return number
    return number.quantize(PLACES, rounding=ROUND_HALF_UP)

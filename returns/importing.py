"""Import quarterly returns from a CSV or XLSX file: parse → validate → apply.

The file has one row per return line, with the columns of ``COLUMNS`` (header on row 1, in any
order, names case- and space-insensitive; extra columns such as the export's computed ones are
ignored). Business rules:

* Each row goes to its own return: the sub-region × target set × quarter it names. A file may
  span several sub-regions and quarters. A return that does not exist yet is created as a draft
  (``services.open_return``); rows for a submitted or approved return are refused.
* A programme manager may import only rows of their own sub-region
  (``permissions.can_edit_sub_region``); the system actor (commands without --user) any.
* The whole file is checked before anything is written. One bad row and nothing changes; every
  bad row is reported by row number as a spreadsheet user counts (header = row 1), column and
  problem: ``row 7, actual: “104%” is over 100% for a percentage.``
* Values are typed by the target's measure (see ``parse_value``: text is read by
  ``returns.values``, the parser the entry pages use, so a file accepts what the grid accepts)
  and made canonical (4 decimal places, as the database keeps them), so importing the same
  file twice changes nothing.
* A row's state: a value given → "value"; no value and rag n/a → "not applicable"; no value and
  no rag → the line keeps a "no return" or "not applicable" state it already has (the file has
  no column to say otherwise, and re-importing an export must change nothing); otherwise
  "awaiting data". A row may carry only a manual rating and no value.
* A blank ``target_value`` keeps the line's target value (a new line's is the target's
  threshold). Any other blank cell means "no value" (no date, no rating, no comment). An
  optional column that is missing altogether leaves that field of every line as it is.
* Writes go through ``services.update_lines`` (validated, re-rated, recorded in each line's
  history with the actor and the channel "import: <file name>"), all in one transaction; only
  the rows that change a line are sent. A dry run reports what would change (returns created,
  lines changed and unchanged), deciding it in memory as ``update_lines`` would, and writes
  nothing.

Everything the validation needs is fetched once (sub-regions, authorities and aliases through
``authorities.resolve.AuthorityResolver``, target sets, targets with their measures and levels,
the touched returns and their lines), so 10,000 rows cost a handful of queries.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from authorities.models import Authority, SubRegion
from authorities.names import normalise_name
from authorities.resolve import AuthorityResolver
from targets.models import MeasureKind, Target, TargetSet, level_labels, rating_rule
from targets.rules import target_applies

from . import permissions, services, upload_limits
from . import values as value_parser
from .models import LineState, Rating, Return, ReturnLine, ReturnStatus
from .periods import Quarter

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "ReturnOutcome",
    "RowError",
    "SourceRow",
    "Table",
    "ValidatedRow",
    "ValueProblem",
    "import_file",
    "normalise_header",
    "parse_date",
    "parse_rating",
    "parse_value",
    "read_table",
    "unescape_text",
    "validate_table",
]

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
)
#: The columns a file must have; the others may be left out (their fields are then kept).
REQUIRED_COLUMNS = ("sub_region", "authority", "target_set", "target", "period", "actual")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
#: An .xlsx is a zip: refuse one that unpacks to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: Blank rows are skipped, but reading stops after this many rows beyond the row cap.
_BLANK_ROW_SLACK = 10_000
#: The channel is stored in the history's change reason (100 characters).
_CHANNEL_LENGTH = 100

# What the database keeps: DecimalField(max_digits=16, decimal_places=4).
_PLACES = Decimal("0.0001")

#: Text cells that a spreadsheet would read as a formula; the export prefixes them with "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | date | datetime | bool | None


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read (too big, damaged, wrong kind, missing columns)."""


class ValueProblem(ValueError):
    """One cell's value is not acceptable; the message says why, quoting the cell."""


@dataclass(frozen=True)
class RowError:
    """A problem with one cell, row or the whole file (``row`` None), as the user counts rows."""

    row: int | None
    column: str
    problem: str

    def __str__(self) -> str:
        if self.row is None:
            return self.problem
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


@dataclass
class ReturnOutcome:
    """What an import did (or, in a dry run, would do) to one return."""

    sub_region: str
    target_set: str
    period: str
    created: bool
    changed: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """The outcome of one import: the errors (then nothing was changed) or what changed."""

    filename: str
    dry_run: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    returns: list[ReturnOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created_returns(self) -> int:
        return sum(outcome.created for outcome in self.returns)

    @property
    def changed_lines(self) -> int:
        return sum(outcome.changed for outcome in self.returns)

    @property
    def unchanged_lines(self) -> int:
        return sum(outcome.unchanged for outcome in self.returns)

    def summary(self) -> str:
        """One sentence: "Imported a.csv: 1 return created, 12 lines changed, 3 unchanged." """
        if self.errors:
            problems = _plural(len(self.errors), "problem")
            return f"{self.filename}: {problems} found; nothing was changed."
        created, changed = self.created_returns, self.changed_lines
        if self.dry_run:
            return (
                f"Dry run of {self.filename}, nothing was written: "
                f"{_plural(created, 'return')} would be created, "
                f"{_plural(changed, 'line')} would change, "
                f"{self.unchanged_lines:,} would stay unchanged."
            )
        return (
            f"Imported {self.filename}: {_plural(created, 'return')} created, "
            f"{_plural(changed, 'line')} changed, {self.unchanged_lines:,} unchanged."
        )

    def lines(self) -> list[str]:
        """The report as lines of text, for the management command."""
        if self.errors:
            return [self.summary(), *(str(error) for error in self.errors)]
        details = [
            f"  {o.sub_region} · {o.target_set} · {o.period}: "
            f"{'new return, ' if o.created else ''}{o.changed} changed, {o.unchanged} unchanged"
            for o in self.returns
        ]
        return [self.summary(), *details]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


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
        return _text(self.cells.get(column))


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
    if len(content) > max_bytes:
        raise ImportFileError(
            f"The file is {len(content) / 1024 / 1024:.1f} MB: the limit is "
            f"{max_bytes / 1024 / 1024:g} MB. Split it into smaller files."
        )
    suffix = PurePath(filename).suffix.casefold()
    if suffix == ".csv":
        raw_rows = upload_limits.bounded_rows(_read_csv(content), error=ImportFileError)
    elif suffix in {".xlsx", ".xlsm"}:
        upload_limits.check_workbook(content, error=ImportFileError)  # before openpyxl sees it
        raw_rows = upload_limits.bounded_rows(_read_xlsx(content), error=ImportFileError)
    elif suffix == ".xls":
        raise ImportFileError(
            "Old Excel workbooks (.xls) cannot be read: save the file as .xlsx or as CSV."
        )
    else:
        raise ImportFileError("Upload a .csv or .xlsx file (the name must end in .csv or .xlsx).")
    return _table(raw_rows, max_rows=max_rows)


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
                value = f"{_plain(_rounded(_to_decimal(value) * 100))}%"
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
    return all(_text(value) == "" for value in values)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | int | Decimal):
        return _plain(_to_decimal(value))
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


def _to_decimal(value: int | float | Decimal) -> Decimal:
    """An exact Decimal for a cell number: floats by their shortest repr (92.79, not 92.78999…)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _plain(number: Decimal) -> str:
    """A number without exponent or trailing zeros: 92.7900 → "92.79", 1E+3 → "1000"."""
    if not number.is_finite():
        return str(number)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


# ---------------------------------------------------------------------------------------------
# 2. Values: one cell, typed by the target's measure (pure functions)
# ---------------------------------------------------------------------------------------------


def parse_value(raw: Cell, *, kind: str, levels: Mapping[int, str] | None = None) -> Decimal | None:
    """The value of an ``actual`` or ``target_value`` cell, typed by the measure's kind.

    Text is read by ``returns.values.parse_value``, the parser the entry pages use too, so a
    file accepts exactly what the grid accepts: levels by number, label or both ("3",
    "Performing well", "Performing well (3)", which must agree, on the measure's scale);
    percentages from 0 to 100 ("92.79" or "92.79%"); £ thousands ("41,661", "£41,661k");
    days and counts, not negative; yes/no (yes/y/1/true, no/n/0/false; stored as 1 and 0);
    at most 4 decimal places. Blank → None.

    Spreadsheet cells that are numbers are read as the number they hold (a float by its
    shortest form, 92.79 not 92.78999…) rounded to the 4 decimal places the database keeps, so
    a computed cell (=A2/B2*100) need not be rounded by hand; TRUE/FALSE cells are yes/no.
    The result is canonical (4 places), so the same value imported twice compares equal.
    Raises ValueProblem quoting the cell.
    """
    kind = MeasureKind(kind)
    text = _value_text(raw, kind)
    try:
        value = value_parser.parse_value(text, measure_kind=kind.value, levels=levels or {})
    except ValueError as error:
        raise ValueProblem(str(error)) from error
    return None if value is None else value.quantize(_PLACES)


def _value_text(raw: Cell, kind: MeasureKind) -> str:
    """A cell as the text the value parser reads; typed spreadsheet cells made canonical."""
    if isinstance(raw, bool):
        if kind == MeasureKind.YES_NO:
            return "yes" if raw else "no"
        raise ValueProblem(f"“{_text(raw)}” is not a number.")
    if isinstance(raw, date):
        raise ValueProblem(f"“{_text(raw)}” is a date, not a value.")
    if isinstance(raw, int | float | Decimal):
        number = _to_decimal(raw)
        if not number.is_finite():
            raise ValueProblem(f"“{raw}” is not a number.")
        return _plain(_rounded(number))
    return _text(raw)


def _rounded(number: Decimal) -> Decimal:
    """Rounded half up to 4 decimal places (numbers too large to round are left as they are:
    the value parser refuses them as too large)."""
    if number.adjusted() >= 20:
        return number
    return number.quantize(_PLACES, rounding=ROUND_HALF_UP)


_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def parse_date(raw: Cell, *, today: date) -> date | None:
    """A date of data: ISO (2009-12-09) or as the papers write it, dd/mm/yy or dd/mm/yyyy
    (09/12/09); a spreadsheet date cell as it is. Blank → None; a future date is refused."""
    text = _text(raw)
    if text == "":
        return None
    if isinstance(raw, datetime):
        day = raw.date()
    elif isinstance(raw, date):
        day = raw
    else:
        day = _date_from_text(text)
    if day > today:
        raise ValueProblem(f"“{text}” is in the future: the date of data is when it was measured.")
    return day


def _date_from_text(text: str) -> date:
    problem = f"“{text}” is not a date: write it as 2009-12-09 or 09/12/09."
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match[3]) == 2:
            year += 2000 if year < 70 else 1900
    else:
        raise ValueProblem(problem)
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueProblem(problem) from error


_RATINGS = {
    "r": Rating.RED,
    "red": Rating.RED,
    "a": Rating.AMBER,
    "amber": Rating.AMBER,
    "yellow": Rating.AMBER,  # the Leicestershire/Rutland key says Yellow
    "g": Rating.GREEN,
    "green": Rating.GREEN,
    "grey": Rating.GREY,
    "gray": Rating.GREY,
    "n a": Rating.NOT_APPLICABLE,
    "na": Rating.NOT_APPLICABLE,
    "not applicable": Rating.NOT_APPLICABLE,
}


def parse_rating(raw: Cell) -> str:
    """A manual RAG rating: R / A / G / Grey / n/a, or Red, Amber, Yellow (= Amber), Green,
    Grey, Not applicable, in any case. Blank → "" (no manual rating)."""
    text = _text(raw)
    if text == "":
        return ""
    rating = _RATINGS.get(normalise_name(text))
    if rating is None:
        raise ValueProblem(f"“{text}” is not a rating: write R, A, G, Grey or n/a.")
    return rating.value


# ---------------------------------------------------------------------------------------------
# 3. Validate: the table against the reference data, the returns and the actor's rights
# ---------------------------------------------------------------------------------------------

ReturnKey = tuple[int, int, int, int]  # sub-region id, target set id, year, quarter
_IDENTITY = ("sub_region", "authority", "target_set", "target", "period")
_NEW_LINE_DEFAULTS: dict[str, Any] = {
    "state": LineState.AWAITING,
    "actual": None,
    "date_of_data": None,
    "manual_rating": "",
    "manual_reason": "",
    "comment": "",
    "source": "",
}


@dataclass(frozen=True)
class ValidatedRow:
    """A row that passed every check: where it goes and the line fields it sets."""

    number: int
    sub_region: SubRegion
    target_set: TargetSet
    quarter: Quarter
    authority: Authority
    target: Target
    changes: Mapping[str, Any]

    @property
    def return_key(self) -> ReturnKey:
        return (self.sub_region.pk, self.target_set.pk, self.quarter.year, self.quarter.quarter)

    @property
    def line_key(self) -> tuple[int, int]:
        return (self.authority.pk, self.target.pk)


class _Reference:
    """Everything validation looks things up in, fetched once; lookups are cached."""

    def __init__(self, *, actor) -> None:
        self.actor = actor
        self.resolver = AuthorityResolver()
        self.sub_regions: dict[str, SubRegion] = {}
        for sub_region in SubRegion.objects.all():
            for name in (sub_region.name, sub_region.slug):
                self.sub_regions[normalise_name(name)] = sub_region
        self.target_sets = {ts.slug.casefold(): ts for ts in TargetSet.objects.all()}
        self.laa_leads = set(
            Authority.objects.filter(led_laa__isnull=False).values_list("pk", flat=True)
        )
        self._targets: dict[int, dict[str, list[Target]]] | None = None
        self._authority_cache: dict[tuple[int, str], Authority | str] = {}
        self._quarters: dict[str, Quarter | str] = {}
        self._may_edit: dict[int, bool] = {}
        self.returns: dict[ReturnKey, Return] = {}
        self.lines: dict[tuple[int, int, int], dict[str, Any]] = {}

    def load_targets(self, target_sets: Iterable[TargetSet]) -> None:
        """Every target of the sets used, by number, indicator code ("ni117") and code."""
        self._targets = defaultdict(lambda: defaultdict(list))
        targets = (
            Target.objects.filter(target_set__in=list(target_sets))
            .select_related("measure")
            .prefetch_related("measure__levels")
        )
        for target in targets:
            keys = {f"number:{target.number.strip().casefold()}", f"code:{target.code}"}
            if target.indicator:
                keys.add(f"indicator:{_indicator_key(target.indicator)}")
            for key in keys:
                self._targets[target.target_set_id][key].append(target)

    def target(self, target_set: TargetSet, text: str) -> list[Target]:
        found = (self._targets or {}).get(target_set.pk, {})
        for key in (
            f"number:{text.casefold()}",
            f"indicator:{_indicator_key(text)}",
            f"code:{text.casefold()}",
        ):
            if key in found:
                return found[key]
        return []

    def authority(self, name: str, sub_region: SubRegion) -> Authority | str:
        """The authority a name means within a sub-region's rows, or the problem as text."""
        key = (sub_region.pk, name)
        if key not in self._authority_cache:
            candidates = self.resolver.candidates(name, sub_region=sub_region)
            if len(candidates) == 1:
                self._authority_cache[key] = candidates[0]
            elif candidates:
                names = "; ".join(candidate.name for candidate in candidates)
                self._authority_cache[key] = f"“{name}” could mean several authorities: {names}."
            else:
                self._authority_cache[key] = f"“{name}” is not an authority we know."
        return self._authority_cache[key]

    def quarter(self, text: str) -> Quarter | str:
        if text not in self._quarters:
            try:
                self._quarters[text] = Quarter.parse(text)
            except ValueError as error:
                self._quarters[text] = str(error)
        return self._quarters[text]

    def may_edit(self, sub_region: SubRegion) -> bool:
        if sub_region.pk not in self._may_edit:
            self._may_edit[sub_region.pk] = permissions.can_edit_sub_region(
                self.actor, sub_region.pk
            )
        return self._may_edit[sub_region.pk]

    def load_returns(self, keys: set[ReturnKey]) -> None:
        """The returns the rows go to that exist already, and the current values of their
        lines (one query each)."""
        if not keys:
            return
        candidates = Return.objects.filter(
            sub_region__in={key[0] for key in keys},
            target_set__in={key[1] for key in keys},
            year__in={key[2] for key in keys},
        )
        for return_obj in candidates:
            key = (
                return_obj.sub_region_id,
                return_obj.target_set_id,
                return_obj.year,
                return_obj.quarter,
            )
            if key in keys:
                self.returns[key] = return_obj
        fields = (*services.EDITABLE_FIELDS, *services.RATED_FIELDS)
        values = ReturnLine.objects.filter(
            return_obj__in=[return_obj.pk for return_obj in self.returns.values()]
        ).values("return_obj_id", "authority_id", "target_id", *fields)
        for line in values:
            key = (line.pop("return_obj_id"), line.pop("authority_id"), line.pop("target_id"))
            self.lines[key] = line

    def current_line(
        self, key: ReturnKey, authority: Authority, target: Target
    ) -> dict[str, Any] | None:
        """The stored values of a line (editable and rated fields), None if it has none yet."""
        return_obj = self.returns.get(key)
        if return_obj is None:
            return None
        return self.lines.get((return_obj.pk, authority.pk, target.pk))


def _indicator_key(text: str) -> str:
    """ "NI 117", "ni117" and "NI-117" are one indicator."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


@dataclass
class _RowCheck:
    """The errors of one row, collected column by column."""

    number: int
    errors: list[RowError] = field(default_factory=list)
    #: The actor may not import this row at all: its other cells are not checked.
    refused: bool = False
    #: The row's target when it resolved (its values are typed by it even if the row fails).
    target: Target | None = None

    def fail(self, column: str, problem: str) -> None:
        self.errors.append(RowError(self.number, column, problem))


@dataclass(frozen=True)
class _Identity:
    sub_region: SubRegion
    target_set: TargetSet
    quarter: Quarter
    authority: Authority
    target: Target

    @property
    def return_key(self) -> ReturnKey:
        return (self.sub_region.pk, self.target_set.pk, self.quarter.year, self.quarter.quarter)

    @property
    def cell(self) -> tuple[int, int, int, int, int, int]:
        return (
            self.sub_region.pk,
            self.target_set.pk,
            self.quarter.year,
            self.quarter.quarter,
            self.authority.pk,
            self.target.pk,
        )


def validate_table(
    *, table: Table, actor, today: date | None = None
) -> tuple[list[ValidatedRow], list[RowError]]:
    """Check every row of the table; nothing is written.

    Returns the validated rows and the errors (sorted by row). Each row is checked for: a
    known sub-region (name or slug) that the actor may edit, an authority (name, short name,
    GSS code or alias; aliases scoped to a sub-region count only within its rows) belonging to
    that sub-region, a target set (slug), a target (number within the set, national indicator
    code or target code) and a period ("2009/10 Q3"); a return that is not submitted or
    approved; a line for the authority and target (the target applies to it); the values typed
    by the measure (``parse_value``), the date of data (``parse_date``), the manual rating
    (``parse_rating``) with its reason; and duplicate rows for the same cell.
    """
    rows, errors, _ = _validate(table=table, actor=actor, today=today)
    return rows, errors


def _validate(
    *, table: Table, actor, today: date | None
) -> tuple[list[ValidatedRow], list[RowError], _Reference]:
    today = today or timezone.localdate()
    reference = _Reference(actor=actor)
    reference.load_targets(
        reference.target_sets[slug]
        for slug in {row.text("target_set").casefold() for row in table.rows}
        if slug in reference.target_sets
    )
    checks: list[tuple[SourceRow, _RowCheck, _Identity | None]] = []
    for row in table.rows:
        check = _RowCheck(row.number)
        checks.append((row, check, _identify(row, check, reference)))
    reference.load_returns({identity.return_key for _, _, identity in checks if identity})

    validated: list[ValidatedRow] = []
    errors: list[RowError] = []
    first_row_of_cell: dict[tuple[int, ...], int] = {}
    for row, check, identity in checks:
        if check.refused:
            errors.extend(check.errors)
            continue
        changes = _changes(row, check, table.columns, today)
        if identity is not None:
            _check_destination(check, identity, reference)
            earlier = first_row_of_cell.setdefault(identity.cell, row.number)
            if earlier != row.number:
                check.fail(
                    "",
                    f"duplicates row {earlier}: the same authority, target and period "
                    "(give each line once).",
                )
        if check.errors or identity is None:
            errors.extend(check.errors)
            continue
        _settle_state(changes, identity, reference)
        validated.append(
            ValidatedRow(
                number=row.number,
                sub_region=identity.sub_region,
                target_set=identity.target_set,
                quarter=identity.quarter,
                authority=identity.authority,
                target=identity.target,
                changes=changes,
            )
        )
    errors.sort(key=lambda error: (error.row or 0, _column_order(error)))
    return validated, errors, reference


def _column_order(error: RowError) -> int:
    return COLUMNS.index(error.column) if error.column in COLUMNS else len(COLUMNS)


def _identify(row: SourceRow, check: _RowCheck, reference: _Reference) -> _Identity | None:
    """Resolve the five identity columns of a row; record a problem for each that fails."""
    texts = {column: row.text(column) for column in _IDENTITY}
    for column, text in texts.items():
        if not text:
            check.fail(column, "is blank: every row needs it.")
    sub_region = reference.sub_regions.get(normalise_name(texts["sub_region"]))
    if texts["sub_region"] and sub_region is None:
        check.fail("sub_region", f"“{texts['sub_region']}” is not a sub-regional partnership.")
    if sub_region is not None and not reference.may_edit(sub_region):
        check.errors.clear()
        check.fail(
            "sub_region",
            f"you may not import rows for {sub_region.name}: a programme manager imports "
            "only the rows of their own sub-region.",
        )
        check.refused = True
        return None
    target_set = reference.target_sets.get(texts["target_set"].casefold())
    if texts["target_set"] and target_set is None:
        check.fail("target_set", f"“{texts['target_set']}” is not a target set (give its slug).")
    quarter = reference.quarter(texts["period"]) if texts["period"] else None
    if isinstance(quarter, str):
        check.fail("period", quarter)
        quarter = None

    authority = None
    if sub_region is not None and texts["authority"]:
        found = reference.authority(texts["authority"], sub_region)
        if isinstance(found, str):
            check.fail("authority", found)
        elif found.sub_region_id != sub_region.pk:
            check.fail(
                "authority",
                f"{found.name} belongs to {found.sub_region.name}, not to {sub_region.name}.",
            )
        else:
            authority = found

    target = None
    if target_set is not None and texts["target"]:
        targets = reference.target(target_set, texts["target"])
        if len(targets) == 1:
            target = check.target = targets[0]
        elif targets:
            numbers = ", ".join(t.number for t in targets)
            check.fail("target", f"“{texts['target']}” could mean targets {numbers}.")
        else:
            check.fail(
                "target",
                f"“{texts['target']}” is not a target of {target_set.slug} "
                "(give its number in the set or its national indicator code, e.g. NI 117).",
            )
    if None in (sub_region, target_set, quarter, authority, target):
        return None
    return _Identity(sub_region, target_set, quarter, authority, target)  # type: ignore[arg-type]


def _check_destination(check: _RowCheck, identity: _Identity, reference: _Reference) -> None:
    """The return is open (draft or returned), and it has (or will have) the line."""
    authority, target = identity.authority, identity.target
    return_obj = reference.returns.get(identity.return_key)
    if return_obj is not None and not return_obj.is_editable:
        check.fail("period", _locked_message(return_obj, identity))
        return
    has_line = return_obj is not None and (return_obj.pk, authority.pk, target.pk) in (
        reference.lines
    )
    applies = authority.active and target_applies(
        scope=target.scope,
        applies_to=target.applies_to,
        kind=authority.kind,
        leads_laa=authority.pk in reference.laa_leads,
    )
    if not (has_line or applies):
        why = "is not active" if not authority.active else "is not one it applies to"
        check.fail(
            "target",
            f"target {target.number} ({target.title}) does not apply to {authority.name}: "
            f"the authority {why}, so the return has no line for it.",
        )


def _locked_message(return_obj: Return, identity: _Identity) -> str:
    what = f"the {identity.sub_region.name} return for {identity.quarter} ({identity.target_set})"
    if return_obj.status == ReturnStatus.APPROVED:
        return f"{what} is approved: ask the Director to reopen it."
    return f"{what} is submitted for sign-off: ask the Director to return it for changes."


def _changes(
    row: SourceRow, check: _RowCheck, columns: frozenset[str], today: date
) -> dict[str, Any]:
    """The line fields a row sets, typed and canonical; problems go to ``check``.

    Values are typed by the row's target (``check.target``); without one they cannot be
    checked. ``state`` is set provisionally (value / not applicable / awaiting);
    ``_settle_state`` settles it against the line's current state.
    """
    changes: dict[str, Any] = {}
    target = check.target
    for column in ("actual", "target_value"):
        if column not in columns or target is None:
            continue
        measure = target.measure
        try:
            value = parse_value(
                row.cells.get(column), kind=measure.kind, levels=level_labels(measure)
            )
        except ValueProblem as problem:
            check.fail(column, str(problem))
            continue
        if column == "actual" or value is not None:  # a blank target value keeps the line's
            changes[column] = value
    if "date_of_data" in columns:
        try:
            changes["date_of_data"] = parse_date(row.cells.get("date_of_data"), today=today)
        except ValueProblem as problem:
            check.fail("date_of_data", str(problem))
    rating = _rating_changes(row, check, columns)
    changes.update(rating)
    if "comment" in columns:
        changes["comment"] = row.text("comment")
    if "actual" in changes:
        if changes["actual"] is not None:
            changes["state"] = LineState.VALUE
        elif rating.get("manual_rating") == Rating.NOT_APPLICABLE:
            changes["state"] = LineState.NOT_APPLICABLE
        else:
            changes["state"] = LineState.AWAITING
    return changes


def _rating_changes(row: SourceRow, check: _RowCheck, columns: frozenset[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    if "rag" in columns:
        try:
            changes["manual_rating"] = parse_rating(row.cells.get("rag"))
        except ValueProblem as problem:
            check.fail("rag", str(problem))
    if "reason" in columns:
        changes["manual_reason"] = row.text("reason")
    if changes.get("manual_rating") and not changes.get("manual_reason"):
        check.fail(
            "reason",
            "is blank, but a manual rating is given: say why the line is rated "
            f"{Rating(changes['manual_rating']).label} by hand.",
        )
    return changes


def _settle_state(changes: dict[str, Any], identity: _Identity, reference: _Reference) -> None:
    """A row without a value and without a rating keeps a "no return" or "not applicable"
    state the line already has (the file cannot express them otherwise)."""
    if changes.get("state") != LineState.AWAITING or changes.get("manual_rating"):
        return
    current = reference.current_line(identity.return_key, identity.authority, identity.target)
    if current and current["state"] in {LineState.NO_RETURN, LineState.NOT_APPLICABLE}:
        changes["state"] = current["state"]


# ---------------------------------------------------------------------------------------------
# 4. Plan (dry run) and apply
# ---------------------------------------------------------------------------------------------


def _grouped(rows: Iterable[ValidatedRow]) -> dict[ReturnKey, list[ValidatedRow]]:
    groups: dict[ReturnKey, list[ValidatedRow]] = defaultdict(list)
    for row in rows:
        groups[row.return_key].append(row)
    return dict(sorted(groups.items(), key=lambda item: _sort_key(item[1][0])))


def _sort_key(row: ValidatedRow) -> tuple:
    return (
        row.sub_region.order,
        row.sub_region.name,
        row.target_set.order,
        row.target_set.slug,
        row.quarter,
    )


def _outcome(row: ValidatedRow, *, created: bool) -> ReturnOutcome:
    return ReturnOutcome(
        sub_region=row.sub_region.name,
        target_set=row.target_set.slug,
        period=str(row.quarter),
        created=created,
    )


def _differs(rows: Sequence[ValidatedRow], reference: _Reference) -> dict[int, bool]:
    """Whether each row would change its line, decided as ``services.update_lines`` decides
    it: a line changes when any editable or rated field differs from what is stored (for a
    line that does not exist yet, from what ``open_return`` creates). Ratings are a function of
    the editable fields, so a line whose editable fields change has changed; one whose editable
    fields stay the same is re-rated in memory, and has changed only if its stored rating is
    out of date (a new line is rated by ``open_return`` from the same fields, so it has not).
    Keyed by row number."""
    rules: dict[int, Any] = {}
    differs = {}
    for row in rows:
        current = reference.current_line(row.return_key, row.authority, row.target)
        if current is None:
            before = {**_NEW_LINE_DEFAULTS, "target_value": row.target.threshold}
        else:
            before = {name: current[name] for name in services.EDITABLE_FIELDS}
        after = {**before, **row.changes}
        if after != before or current is None:
            differs[row.number] = after != before
            continue
        if row.target.pk not in rules:
            rules[row.target.pk] = rating_rule(row.target)
        rated = _rated(after, row, rules[row.target.pk])
        differs[row.number] = any(rated[name] != current[name] for name in services.RATED_FIELDS)
    return differs


def _plan(*, rows: Sequence[ValidatedRow], reference: _Reference) -> list[ReturnOutcome]:
    """What applying the rows would do (a dry run): per return, whether it would be created
    and how many lines would change or stay as they are. Nothing is written."""
    differs = _differs(rows, reference)
    outcomes = []
    for key, group in _grouped(rows).items():
        outcome = _outcome(group[0], created=key not in reference.returns)
        outcome.changed = sum(differs[row.number] for row in group)
        outcome.unchanged = len(group) - outcome.changed
        outcomes.append(outcome)
    return outcomes


def _rated(values: Mapping[str, Any], row: ValidatedRow, rule) -> dict[str, Any]:
    """The rated fields a line with these editable values gets (``services.rate``)."""
    line = ReturnLine(authority=row.authority, target=row.target, **values)
    services.rate(line, rule)
    return {name: getattr(line, name) for name in services.RATED_FIELDS}


def _apply(
    *, rows: Sequence[ValidatedRow], reference: _Reference, actor, channel: str
) -> list[ReturnOutcome]:
    """Write the rows, return by return, in one transaction (all or nothing).

    A return that does not exist is created with ``services.open_return`` (a draft with its
    lines); an existing one is opened the same way (topped up with lines for authorities or
    targets added since) when any of its rows changes a line. The rows that change a line
    (see ``_differs``) are written with ``services.update_lines``, which validates, re-rates
    and records each line in its history with the actor and ``channel``; rows that change
    nothing are not sent, so re-importing a file, or one with a few edits, costs little. A
    return changed by someone else since it was validated (its version moved) is refused by
    update_lines (StaleReturn), and the whole import with it.
    """
    differs = _differs(rows, reference)
    outcomes = []
    with transaction.atomic():
        for key, group in _grouped(rows).items():
            first, known = group[0], reference.returns.get(key)
            changing = [row for row in group if differs[row.number]]
            outcome = _outcome(first, created=False)
            outcome.unchanged = len(group) - len(changing)
            outcomes.append(outcome)
            if known is not None and not changing:
                continue
            return_obj, outcome.created = services.open_return(
                sub_region=first.sub_region,
                target_set=first.target_set,
                quarter=first.quarter,
                actor=actor,
            )
            if not changing:
                continue
            result = services.update_lines(
                return_obj=return_obj,
                changes={row.line_key: dict(row.changes) for row in changing},
                actor=actor,
                channel=channel,
                base_version=known.version if known is not None else None,
            )
            outcome.changed = len(result.changed)
            outcome.unchanged += result.unchanged
    return outcomes


def _channel(filename: str) -> str:
    return f"import: {filename}"[:_CHANNEL_LENGTH]


def _safe_filename(filename: str) -> str:
    name = PurePath(str(filename).replace("\\", "/")).name
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:200] or "upload"


def import_file(
    *,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool = False,
    today: date | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) apply a returns file on behalf of ``actor``.

    Never raises for a bad file: the report carries the errors, and then nothing was changed.
    A write refused at the last moment (someone approved a return or changed it meanwhile) is
    reported the same way, and the whole import is rolled back.
    """
    name = _safe_filename(filename)
    report = ImportReport(filename=name, dry_run=dry_run)
    try:
        table = read_table(content=content, filename=name, max_bytes=max_bytes, max_rows=max_rows)
    except ImportFileError as error:
        report.errors = [RowError(None, "", str(error))]
        return report
    report.rows = len(table.rows)
    rows, errors, reference = _validate(table=table, actor=actor, today=today)
    if errors:
        report.errors = errors
        return report
    if dry_run:
        report.returns = _plan(rows=rows, reference=reference)
        return report
    try:
        report.returns = _apply(rows=rows, reference=reference, actor=actor, channel=_channel(name))
    except (ValidationError, PermissionDenied) as error:
        report.errors = [RowError(None, "", f"Nothing was changed: {_messages(error)}")]
    return report


def _messages(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)

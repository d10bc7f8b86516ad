"""Export return lines as CSV or XLSX: the import's columns, then the computed ones.

Business rules:

* The columns are ``importing.COLUMNS`` followed by ``COMPUTED_COLUMNS`` (the mark against
  tolerance, computed and effective rating, whether the line counts, its scope, the
  explanation): the stored ratings, never rated again here; the import ignores them, so an
  export re-imports as it is and changes nothing.
* A line marked not applicable is written with rag "n/a" and its reason; a line stating the
  target met or not without a figure has "met" or "not met" as its value; each sub-region's
  own overall rating of a target is a row whose authority is "<sub-region> SRP" (rag and
  reason, no value), after its authorities' rows.
* Values are written canonically so that they re-import: levels as their number, percentages
  and amounts as plain numbers (no %, £ or thousands separators), yes/no as "yes"/"no", dates
  ISO (in XLSX as date cells shown yyyy-mm-dd), ratings as R, A, G, Grey, n/a; the sub-region
  and the authority by their full names, the target set by its slug, the target by its
  number in the set, the period as "2009/10 Q3".
* Text cells that a spreadsheet would take for a formula (beginning with = + - @, tab or
  carriage return) are neutralised with a leading single quote, in CSV and XLSX alike; a text
  beginning with a quote gets a second one so the import can undo it exactly
  (``importing.unescape_text``). Numbers are never altered: in XLSX they stay numbers.
* Scope: what ``Return.objects.for_user(user)`` shows; a programme manager exports only their
  own sub-region, and asking for another one is refused (``PermissionDenied``). ``user=None``
  (a management command run without --user) exports everything.
* Rows are sorted by sub-region, target set, period, authority and target number.
* There is no state column: the state follows from the value and the rating on import, and a
  line recorded as "no return" or "not applicable" keeps that state when its row comes back
  without a value or rating (see returns.importing).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied

from authorities.models import SubRegion
from authorities.names import normalise_name
from targets.models import MeasureKind, TargetSet
from targets.vocabulary import RATINGS

from .access import scope_of
from .importing import COLUMNS, FORMULA_STARTS
from .models import LineScope, LineState, Rating, ReportedRating, Return, ReturnLine
from .periods import Quarter

__all__ = [
    "COMPUTED_COLUMNS",
    "EXPORT_COLUMNS",
    "FORMATS",
    "Export",
    "ExportFilterError",
    "ExportFilters",
    "can_export_sub_region",
    "export_lines",
    "export_returns",
    "export_rows",
    "find_filters",
    "neutralise",
    "write_csv",
    "write_xlsx",
]

COMPUTED_COLUMNS = (
    "status",
    "computed_rating",
    "effective_rating",
    "counted",
    "scope",
    "explanation",
)
EXPORT_COLUMNS = (*COLUMNS, *COMPUTED_COLUMNS)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Ratings as the exports print them: the one vocabulary's letters (targets.vocabulary).
RATING_TEXT = {Rating(code): term.letter for code, term in RATINGS.items() if code != "none"}
_LEVEL_KINDS = {MeasureKind.ORDINAL, MeasureKind.MILESTONE}
_MIN_WIDTH, _MAX_WIDTH = 8, 60

ExportCell = str | int | Decimal | date | None


class ExportFilterError(ValueError):
    """A filter names a target set, period or sub-region that does not exist."""


@dataclass(frozen=True)
class ExportFilters:
    """What to export; None means every one."""

    target_set: TargetSet | None = None
    quarter: Quarter | None = None
    sub_region: SubRegion | None = None


@dataclass(frozen=True)
class Export:
    """A finished export: the file's bytes, a suggested file name and its content type."""

    content: bytes
    filename: str
    content_type: str
    lines: int


def find_filters(*, target_set: str = "", period: str = "", sub_region: str = "") -> ExportFilters:
    """The filters from their texts: a target set slug, a period ("2009/10 Q3") and a
    sub-region slug or name (case-insensitive). Blank means no filter. Raises
    ExportFilterError naming what is unknown."""
    found_set = None
    if target_set.strip():
        found_set = TargetSet.objects.filter(slug__iexact=target_set.strip()).first()
        if found_set is None:
            raise ExportFilterError(f"There is no target set “{target_set}”.")
    quarter = None
    if period.strip():
        try:
            quarter = Quarter.parse(period)
        except ValueError as error:
            raise ExportFilterError(str(error)) from error
    found_sub_region = None
    if sub_region.strip():
        wanted = normalise_name(sub_region)
        found_sub_region = next(
            (
                candidate
                for candidate in SubRegion.objects.all()
                if wanted in {normalise_name(candidate.slug), normalise_name(candidate.name)}
            ),
            None,
        )
        if found_sub_region is None:
            raise ExportFilterError(f"There is no sub-regional partnership “{sub_region}”.")
    return ExportFilters(target_set=found_set, quarter=quarter, sub_region=found_sub_region)


def can_export_sub_region(user, sub_region: SubRegion) -> bool:
    """Whether the user sees that sub-region's returns (returns.access, the one rule)."""
    return user is None or scope_of(user).allows_sub_region(sub_region)


def export_lines(*, user, filters: ExportFilters) -> list[ReturnLine]:
    """The lines the user may see that match the filters, sorted for the file.

    ``user=None`` sees everything. Asking for a sub-region the user may not see raises
    PermissionDenied.
    """
    returns = Return.objects.all() if user is None else Return.objects.for_user(user)
    if filters.sub_region is not None:
        if not can_export_sub_region(user, filters.sub_region):
            raise PermissionDenied(
                f"You may not export the returns of {filters.sub_region.name}: "
                "a programme manager exports only their own sub-region's."
            )
        returns = returns.filter(sub_region=filters.sub_region)
    if filters.target_set is not None:
        returns = returns.filter(target_set=filters.target_set)
    if filters.quarter is not None:
        returns = returns.for_quarter(filters.quarter)
    lines = ReturnLine.objects.filter(return_obj__in=returns).select_related(
        "return_obj__sub_region", "return_obj__target_set", "authority", "target__measure"
    )
    return sorted(lines, key=_line_order)


def export_reported(*, user, filters: ExportFilters) -> list[ReportedRating]:
    """The sub-regions' own overall ratings the user may see that match the filters."""
    returns = Return.objects.all() if user is None else Return.objects.for_user(user)
    if filters.sub_region is not None:
        returns = returns.filter(sub_region=filters.sub_region)
    if filters.target_set is not None:
        returns = returns.filter(target_set=filters.target_set)
    if filters.quarter is not None:
        returns = returns.for_quarter(filters.quarter)
    rows = ReportedRating.objects.filter(return_obj__in=returns).select_related(
        "return_obj__sub_region", "return_obj__target_set", "target"
    )
    return sorted(
        rows,
        key=lambda row: (
            row.return_obj.sub_region.order,
            row.return_obj.target_set.order,
            row.return_obj.year,
            row.return_obj.quarter,
            _natural(row.target.number),
        ),
    )


def _line_order(line: ReturnLine) -> tuple:
    return_obj = line.return_obj
    return (
        return_obj.sub_region.order,
        return_obj.sub_region.name,
        return_obj.target_set.order,
        return_obj.target_set.slug,
        return_obj.year,
        return_obj.quarter,
        line.authority.name,
        _natural(line.target.number),
        line.target.pk,
    )


def _natural(number: str) -> tuple:
    """ "2" before "10", "9a" after "9": digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", number))


def export_rows(
    lines: Iterable[ReturnLine], reported: Iterable[ReportedRating] = ()
) -> Iterable[list[ExportCell]]:
    """One list of typed cells per line, then per sub-region's own rating, in the order of
    EXPORT_COLUMNS (no header)."""
    for line in lines:
        return_obj = line.return_obj
        kind = line.target.measure.kind
        not_applicable = line.state == LineState.NOT_APPLICABLE
        # The reason column carries why a line does not apply, or when data not yet due comes.
        noted = not_applicable or line.state == LineState.NOT_YET_DUE
        yield [
            return_obj.sub_region.name,
            line.authority.name,
            return_obj.target_set.slug,
            line.target.number,
            return_obj.period.label,
            line.date_of_data,
            _STATEMENTS.get(line.state) or _value(line.actual, kind),
            _value(line.target_value, kind),
            "n/a" if not_applicable else RATING_TEXT.get(line.manual_rating, ""),
            line.state_reason if noted else line.manual_reason,
            line.comment,
            line.source,
            line.status,
            RATING_TEXT.get(line.computed_rating, ""),
            RATING_TEXT.get(line.effective_rating, ""),
            "yes" if line.counted else "no",
            "outside" if line.scope == LineScope.OUTSIDE else ("n/a" if not_applicable else "in"),
            line.explanation,
        ]
    for own in reported:
        return_obj = own.return_obj
        yield [
            return_obj.sub_region.name,
            f"{return_obj.sub_region.name} SRP",
            return_obj.target_set.slug,
            own.target.number,
            return_obj.period.label,
            None,
            None,
            None,
            RATING_TEXT.get(own.rating, ""),
            own.reason,
            "",
            own.source,
            "",
            "",
            "",
            "",
            "sub-region's own rating",
            "",
        ]


_STATEMENTS = {
    LineState.MET: "met",
    LineState.NOT_MET: "not met",
    LineState.NOT_YET_DUE: "not yet due",
}


def _value(value: Decimal | None, kind: str) -> ExportCell:
    """A value in its canonical form: a level as its number, yes/no as words, numbers plain."""
    if value is None:
        return None
    if kind in _LEVEL_KINDS:
        return int(value)
    if kind == MeasureKind.YES_NO:
        return "yes" if value else "no"
    normalised = value.normalize()
    if normalised == normalised.to_integral_value():
        return int(normalised)
    return normalised


def neutralise(text: str) -> str:
    """Prefix with "'" a text a spreadsheet would read as a formula (= + - @ tab CR), and a
    text that already begins with a quote, so ``importing.unescape_text`` restores it exactly."""
    if text and (text[0] in FORMULA_STARTS or text[0] == "'"):
        return "'" + text
    return text


def _csv_cell(value: ExportCell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def write_csv(rows: Iterable[Sequence[ExportCell]]) -> bytes:
    """CSV in UTF-8 with a byte order mark (so Excel shows "£" and "–" right), header first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(rows: Iterable[Sequence[ExportCell]]) -> bytes:
    """An .xlsx workbook with one sheet "Returns": bold header row, frozen, with an
    autofilter, columns sized to their content; numbers as numbers, dates as date cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = [[_xlsx_cell(value) for value in row] for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Returns")
    for index, width in enumerate(_widths(rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(EXPORT_COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for name in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: ExportCell) -> ExportCell:
    # Text is neutralised; it is also what keeps openpyxl from writing "=..." as a formula.
    return neutralise(value) if isinstance(value, str) else value


def _widths(rows: Sequence[Sequence[ExportCell]]) -> list[float]:
    """Each column as wide as its header or its longest value (first 1,000 rows), bounded."""
    widths = [len(name) for name in EXPORT_COLUMNS]
    for row in rows[:1000]:
        for index, value in enumerate(row):
            length = 10 if isinstance(value, date) else len(str(value)) if value is not None else 0
            widths[index] = max(widths[index], length)
    return [min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH) for width in widths]


def _filename(filters: ExportFilters, fmt: str) -> str:
    parts = ["returns"]
    if filters.sub_region is not None:
        parts.append(filters.sub_region.slug)
    if filters.target_set is not None:
        parts.append(filters.target_set.slug)
    if filters.quarter is not None:
        parts.append(f"{filters.quarter.year}-{(filters.quarter.year + 1) % 100:02d}")
        parts.append(f"q{filters.quarter.quarter}")
    if len(parts) == 1:
        parts.append("all")
    return f"{'-'.join(parts)}.{fmt}"


def export_returns(*, user, filters: ExportFilters, fmt: str) -> Export:
    """The lines the user may see that match the filters, as a CSV or XLSX file."""
    if fmt not in FORMATS:
        raise ExportFilterError(f"“{fmt}” is not a format: choose csv or xlsx.")
    lines = export_lines(user=user, filters=filters)
    rows = export_rows(lines, export_reported(user=user, filters=filters))
    content = write_csv(rows) if fmt == "csv" else write_xlsx(rows)
    return Export(
        content=content,
        filename=_filename(filters, fmt),
        content_type=FORMATS[fmt],
        lines=len(lines),
    )

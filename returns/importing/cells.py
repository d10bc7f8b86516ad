"""One cell of a returns file, typed by the target's measure: pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from authorities.names import normalise_name
from targets.models import MeasureKind

from .. import values as value_parser
from ..models import Rating
from .reading import PLACES, Cell, cell_text, plain_number, round_places, to_decimal


class ValueProblem(ValueError):
    """One cell's value is not acceptable; the message says why, quoting the cell."""


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
    return None if value is None else value.quantize(PLACES)


def _value_text(raw: Cell, kind: MeasureKind) -> str:
    """A cell as the text the value parser reads; typed spreadsheet cells made canonical."""
    if isinstance(raw, bool):
        if kind == MeasureKind.YES_NO:
            return "yes" if raw else "no"
        raise ValueProblem(f"“{cell_text(raw)}” is not a number.")
    if isinstance(raw, date):
        raise ValueProblem(f"“{cell_text(raw)}” is a date, not a value.")
    if isinstance(raw, int | float | Decimal):
        number = to_decimal(raw)
        if not number.is_finite():
            raise ValueProblem(f"“{raw}” is not a number.")
        return plain_number(round_places(number))
    return cell_text(raw)


_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def parse_date(raw: Cell, *, today: date) -> date | None:
    """A date of data: ISO (2009-12-09) or as the papers write it, dd/mm/yy or dd/mm/yyyy
    (09/12/09); a spreadsheet date cell as it is. Blank → None; a future date is refused."""
    text = cell_text(raw)
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
    "ach": Rating.ACHIEVED,  # seed 004's key: an improvement plan's commitment only
    "achieved": Rating.ACHIEVED,
    "grey": Rating.GREY,
    "gray": Rating.GREY,
    "-": Rating.GREY,  # the Lincolnshire return's "not possible to evaluate"
    "n a": Rating.NOT_APPLICABLE,
    "na": Rating.NOT_APPLICABLE,
    "not applicable": Rating.NOT_APPLICABLE,
}


def parse_rating(raw: Cell) -> str:
    """A manual RAG rating: R / A / G / Grey / n/a, or Red, Amber, Yellow (= Amber), Green,
    Grey, Not applicable, in any case; Achieved (or Ach) for an improvement plan's commitment.
    Blank → "" (no manual rating)."""
    text = cell_text(raw)
    if text == "":
        return ""
    rating = Rating.GREY if text in {"-", "–", "—"} else _RATINGS.get(normalise_name(text))
    if rating is None:
        raise ValueProblem(
            f"“{text}” is not a rating: write R, A, G, Grey (or -) or n/a (an improvement "
            "plan's commitment may also be Achieved)."
        )
    return rating.value

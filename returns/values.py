"""A return line's value as people type it, read and checked by the target's measure.

One place for every channel that takes a value as text: the grid and line pages
(returns/forms.py) and the CSV / spreadsheet importer. ``parse_value`` accepts what the Board
papers write ("92.79%", "£41,661k", "20 days", "Performing well (3)", "yes") and refuses, with
a message to show the person who typed it, what cannot be right for the measure (a percentage
over 100, negative days or money, a level that is not on the scale, words that are not a
number). ``format_value_for_input`` is the inverse, for pre-filling an input or a select.

Units and conventions (fixtures/measures.toml):
* percentage: 0 to 100 ("95", not "0.95"); a trailing "%" is allowed.
* money: £ thousands. "41,661", "£41,661k" and "£41.7m" (millions, ×1000) are accepted; a bare
  number is already in thousands.
* days and count: a number; "days"/"day" may follow the days.
* ordinal and milestone: the level number, the level's label, or both ("Performing well (3)",
  "3 - Performing well", "level 3"); a milestone without levels takes a whole number.
* yes/no: yes, y, true, achieved, done, 1 → 1; no, n, false, not achieved, 0 → 0.
Every measure refuses more than 4 decimal places and more than 12 digits before the point
(the database keeps 16 digits, 4 after the point).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

__all__ = ["format_value_for_input", "parse_value"]

_LEVEL_KINDS = frozenset({"ordinal", "milestone"})
_NUMBER_KINDS = frozenset({"percentage", "money", "days", "count"})
_KINDS = _LEVEL_KINDS | _NUMBER_KINDS | {"yes_no"}

_YES = frozenset({"yes", "y", "true", "achieved", "done", "met", "1"})
_NO = frozenset({"no", "n", "false", "not achieved", "not done", "not met", "0"})

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# "Performing well (3)", "(3) Performing well", "3 - Performing well", "3. Performing well",
# "level 3", "Level 3 (Performing well)".
_LEVEL_FORMS = (
    re.compile(r"^(?P<label>.*?)\s*\(\s*(?P<number>[+-]?\d+)\s*\)$"),
    re.compile(r"^\(\s*(?P<number>[+-]?\d+)\s*\)\s*(?P<label>.*)$"),
    re.compile(r"^(?:level\s+)?(?P<number>[+-]?\d+)\s*(?:[-–—:.]\s*|\(\s*)?(?P<label>.*?)\)?$"),
)
_MAX_PLACES = 4
_MAX_WHOLE_DIGITS = 12


def _squash(text: str) -> str:
    """Lower case, one space between words, no quotes: for comparing words and labels."""
    text = text.replace("\u00a0", " ").strip().strip("'\"‘’“”").strip()
    return re.sub(r"\s+", " ", text).casefold()


def _number(text: str, original: str) -> Decimal:
    """A plain decimal from "1,038.5" or "-3"; ValueError naming what was typed otherwise."""
    compact = text.replace(" ", "").replace("\u00a0", "")
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
    if not _NUMBER.match(compact):
        raise ValueError(f"“{original}” is not a number.")
    number = Decimal(compact)
    _check_size(number, original)
    return number


def _check_size(number: Decimal, original: str) -> None:
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_PLACES:
        raise ValueError(f"“{original}” has more than {_MAX_PLACES} decimal places.")
    if abs(number) >= Decimal(10) ** _MAX_WHOLE_DIGITS:
        raise ValueError(f"“{original}” is too large.")


def _scale_words(levels: Mapping[int, str]) -> str:
    return "; ".join(f"{value} = {label}" for value, label in sorted(levels.items()))


def _level_number(number: Decimal, text: str, levels: Mapping[int, str]) -> Decimal:
    if number != number.to_integral_value():
        raise ValueError(f"“{text}”: a level is a whole number.")
    level = int(number)
    if levels and level not in levels:
        raise ValueError(f"Level {level} is not on the scale ({_scale_words(levels)}).")
    if not levels and level < 0:
        raise ValueError(f"“{text}”: a level cannot be negative.")
    return Decimal(level)


def _parse_level(text: str, levels: Mapping[int, str]) -> Decimal:
    wanted = _squash(text)
    by_label = {_squash(label): value for value, label in levels.items()}
    if wanted in by_label:
        return Decimal(by_label[wanted])
    if _NUMBER.match(wanted.replace(" ", "")):
        return _level_number(_number(wanted, text), text, levels)
    for pattern in _LEVEL_FORMS:
        match = pattern.match(wanted)
        if not match:
            continue
        number = _level_number(Decimal(match["number"]), text, levels)
        label = _squash(match["label"])
        if not label:
            return number
        if not levels:
            break
        if label != _squash(levels[int(number)]):
            raise ValueError(
                f"“{text}”: level {number} is “{levels[int(number)]}”; the label and the "
                "number disagree."
            )
        return number
    if levels:
        raise ValueError(f"“{text}” is not a level of the scale ({_scale_words(levels)}).")
    raise ValueError(f"“{text}” is not a level number.")


def _parse_yes_no(text: str) -> Decimal:
    word = _squash(text).rstrip(".!")
    if word in _YES:
        return Decimal(1)
    if word in _NO:
        return Decimal(0)
    raise ValueError(f"“{text}”: write yes or no.")


def _parse_amount(text: str, measure_kind: str) -> Decimal:
    """Numbers: strip the unit the kind allows, then check the range the kind allows."""
    body = text.replace("\u00a0", " ").strip()
    percent = body.endswith("%")
    if percent:
        if measure_kind != "percentage":
            raise ValueError(f"“{text}”: this measure is not a percentage.")
        body = body[:-1].strip()
    factor = Decimal(1)
    if measure_kind == "money":
        negative = body.startswith("-")
        body = body.lstrip("-").strip()
        body = body.removeprefix("£").strip()
        lowered = body.lower()
        if lowered.endswith(("m", "mn")):
            factor = Decimal(1000)
            body = body.rstrip("mnMN").strip()
        elif lowered.endswith("k"):
            body = body[:-1].strip()
        if negative:
            body = "-" + body
    elif measure_kind == "days":
        body = re.sub(r"\s*days?$", "", body, flags=re.IGNORECASE)
    number = _number(body, text) * factor
    if factor != 1:
        _check_size(number, text)
    if measure_kind == "percentage":
        if number > 100:
            raise ValueError(f"“{text}” is over 100% for a percentage.")
        if number < 0:
            raise ValueError(f"“{text}”: a percentage cannot be negative.")
    elif number < 0:
        what = {"money": "An amount of money (£k)", "days": "A number of days"}.get(
            measure_kind, "A count"
        )
        raise ValueError(f"“{text}”: {what.lower()} cannot be negative.")
    return number


def parse_value(text: str, *, measure_kind: str, levels: Mapping[int, str]) -> Decimal | None:
    """The value typed for a measure of ``measure_kind``, or None when nothing was typed.

    ``levels`` maps level numbers to labels for ordinal and milestone measures (empty for the
    others). Raises ValueError with a message for the person who typed ``text``.
    """
    if measure_kind not in _KINDS:
        raise ValueError(f"Unknown kind of measure: {measure_kind!r}.")
    text = (text or "").strip()
    if not text or text in {"-", "—", "–"}:
        return None
    if measure_kind in _LEVEL_KINDS:
        return _parse_level(text, levels)
    if measure_kind == "yes_no":
        return _parse_yes_no(text)
    return _parse_amount(text, measure_kind)


def format_value_for_input(
    value: Decimal | None, *, measure_kind: str, levels: Mapping[int, str] | None = None
) -> str:
    """A stored value as an input shows it (the inverse of ``parse_value``): "" for None,
    the level number for levels and 1 / 0 for yes/no (the values of the select's options),
    and a plain number without trailing zeros for the rest ("92.79", "41661")."""
    if value is None:
        return ""
    if measure_kind in _LEVEL_KINDS or measure_kind == "yes_no":
        if measure_kind == "yes_no":
            return "1" if value != 0 else "0"
        if value == value.to_integral_value():
            return str(int(value))
    normalised = value.normalize()
    return "0" if normalised == 0 else f"{normalised:f}"

"""How the engine words values, gaps, margins and rule parameters in its explanations.

Numbers without trailing zeros, with thousands separators; values as the Board papers write
them (95%, £1,038k, 20 days, level 3 (Performing well), yes).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from .base import (
    AMBER_MARGIN_ORIGIN,
    DEFAULT_LEVEL_AMBER_MARGIN,
    DEFAULT_NUMBER_AMBER_MARGIN,
    LEVEL_KINDS,
    Direction,
    MeasureKind,
    RatingRule,
    RuleKind,
    ToleranceKind,
)


def plain(number: Decimal, *, grouped: bool = True) -> str:
    """95.00 → "95", 1E+3 → "1,000" ("1000" if not grouped), 92.790 → "92.79"."""
    if number == 0:
        return "0"
    return f"{number.normalize():{',' if grouped else ''}f}"


def rounded(number: Decimal, places: int = 2) -> str:
    """A derived figure (a mean, a percentage) rounded for reading: 55.5555 → "55.56"."""
    if number.adjusted() < 20:  # quantize would exceed the context's precision beyond this
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return plain(number)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def levels_words(number: Decimal) -> str:
    return "1 level" if number == 1 else f"{rounded(number)} levels"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _level(number: Decimal, rule: RatingRule, *, round_it: bool = False) -> str:
    if number == number.to_integral_value():
        label = rule.level_labels.get(int(number))
        if label:
            return f"level {plain(number)} ({label})"
    return f"level {rounded(number) if round_it else plain(number)}"


def amount(number: Decimal, rule: RatingRule, *, round_it: bool = False) -> str:
    """A quantity in the measure's units; for percentages a difference is in points."""
    text = rounded(number) if round_it else plain(number)
    kind = rule.measure_kind
    if kind is MeasureKind.PERCENTAGE:
        return f"{text}%"
    if kind is MeasureKind.MONEY:
        return f"-£{text[1:]}k" if text.startswith("-") else f"£{text}k"
    if kind is MeasureKind.DAYS:
        return f"{text} day" if number == 1 else f"{text} days"
    return f"{text} {rule.unit}".strip()


def value(number: Decimal, rule: RatingRule, *, round_it: bool = False) -> str:
    """A value as the Board papers write it: 95%, £1,038k, 20 days, level 3 (well), yes."""
    kind = rule.measure_kind
    if kind in LEVEL_KINDS:
        return _level(number, rule, round_it=round_it)
    if kind is MeasureKind.YES_NO:
        return "yes" if number != 0 else "no"
    return amount(number, rule, round_it=round_it)


def comparator(direction: Direction, strict: bool) -> str:
    """How a threshold is worded: "at least", "above", "at most" or "below"."""
    if direction is Direction.LOWER:
        return "below" if strict else "at most"
    return "above" if strict else "at least"


def against(target: Decimal, rule: RatingRule, *, strict: bool | None = None) -> str:
    """The pass mark in words: "at least 95%", "below 20 days", "at least level 3 (…)"."""
    strict = rule.strict if strict is None else strict
    return f"{comparator(rule.direction, strict)} {value(target, rule)}"


def sides(direction: Direction) -> tuple[str, str]:
    """The words for the bad and the good side of a target."""
    return ("above", "below") if direction is Direction.LOWER else ("below", "above")


def gap(number: Decimal, rule: RatingRule) -> str:
    """A difference between two values: percentage points for percentages."""
    if rule.measure_kind is MeasureKind.PERCENTAGE:
        return f"{rounded(number)} percentage points"
    return amount(number, rule, round_it=True)


def relative(rule: RatingRule) -> bool:
    return rule.tolerance_kind is ToleranceKind.RELATIVE


def tolerance_words(rule: RatingRule) -> str:
    if relative(rule):
        return f"the ±{plain(rule.tolerance)}% tolerance"
    return f"the tolerance of ±{gap(rule.tolerance, rule)}"


def level_margin(rule: RatingRule) -> Decimal:
    return DEFAULT_LEVEL_AMBER_MARGIN if rule.amber_margin is None else rule.amber_margin


def amber_words(rule: RatingRule, *, reference: str = "the target") -> str:
    """ "the amber margin of 10% of the target, set by the partnership" (no paper sets one)."""
    if rule.measure_kind in LEVEL_KINDS:
        margin = levels_words(level_margin(rule))
    elif rule.amber_margin is None:
        margin = f"{plain(DEFAULT_NUMBER_AMBER_MARGIN)}% of {reference}"
    elif relative(rule):
        margin = f"{plain(rule.amber_margin)}% of {reference}"
    else:
        margin = gap(rule.amber_margin, rule)
    return f"the amber margin of {margin}, {AMBER_MARGIN_ORIGIN}"


def rule_parameters(rule: RatingRule, target: Decimal | None = None) -> dict[str, str]:
    """The parameters a rating used, as strings, for display and audit."""
    # Worked out once per rule and target (every line of a target shares them; an import
    # rates thousands), and copied, so that no caller shares the cached dict.
    return dict(_parameters(rule, target, None if target is None else str(target)))


@lru_cache(maxsize=1024)
def _parameters(rule: RatingRule, target: Decimal | None, _exactly: str | None) -> dict[str, str]:
    # ``_exactly`` keeps apart targets that are equal but written differently (95, 95.0000).
    params = {
        "rule": str(rule.kind),
        "measure_kind": str(rule.measure_kind),
        "direction": str(rule.direction),
        "threshold_passes": "no (strict)" if rule.strict else "yes (inclusive)",
    }
    if rule.measure_kind in LEVEL_KINDS:
        params["tolerance"] = "not applied to levels"
        params["amber_margin"] = f"{levels_words(level_margin(rule))} ({AMBER_MARGIN_ORIGIN})"
    elif rule.measure_kind is MeasureKind.YES_NO:
        params["tolerance"] = "not applied to yes/no"
        params["amber_margin"] = "none (yes/no)"
    else:
        params["tolerance"] = (
            f"{plain(rule.tolerance, grouped=False)}{'%' if relative(rule) else ''}"
            f" {rule.tolerance_kind} (marks only)"
        )
        if rule.amber_margin is None:
            margin = f"{plain(DEFAULT_NUMBER_AMBER_MARGIN)}% of the target"
        elif relative(rule):
            margin = f"{plain(rule.amber_margin, grouped=False)}% of the target"
        else:
            margin = f"{plain(rule.amber_margin, grouped=False)} absolute"
        params["amber_margin"] = f"{margin} ({AMBER_MARGIN_ORIGIN})"
    optional = {
        "target": target,
        "threshold": rule.threshold,
        "required_share": rule.required_share if rule.kind is RuleKind.SHARE_MEET else None,
        "aggregate_amount": rule.aggregate_amount if rule.kind is RuleKind.AGGREGATE else None,
        "baseline": rule.baseline if rule.kind is RuleKind.RATIO_BASELINE else None,
    }
    for name, number in optional.items():
        if number is not None:
            params[name] = plain(number, grouped=False) + ("%" if name == "required_share" else "")
    if rule.kind is RuleKind.SHARE_MEET:
        params["share_amber_margin"] = (
            f"{plain(rule.share_amber_margin)} percentage points ({AMBER_MARGIN_ORIGIN})"
        )
    if rule.kind is RuleKind.RATIO_BASELINE:
        params["direction"] = str(Direction.LOWER)
    if rule.also:
        params["also"] = "; ".join(
            condition.words or str(condition.kind) for condition in rule.also
        )
    return params

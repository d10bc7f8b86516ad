"""A target's success rule in plain English, from plain values (no database access)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

KIND_LABELS = {
    "county": "county councils",
    "unitary": "unitary councils",
    "district": "district councils",
    "national_park": "the national park authority",
    "fire_rescue": "fire and rescue authorities",
}
ALL_KINDS = frozenset(KIND_LABELS)


def format_number(value: Decimal) -> str:
    """A decimal without trailing zeros and with thousands separators: 300000.00 -> 300,000."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def format_value(
    value: Decimal | None,
    *,
    measure_kind: str,
    unit: str = "",
    levels: Mapping[int, str] | None = None,
) -> str:
    """A value as a reader of the Board papers writes it: 95%, £1,038k, 20 days, level 3 (well)."""
    if value is None:
        return "—"
    if measure_kind in {"ordinal", "milestone"}:
        level = int(value)
        label = (levels or {}).get(level)
        return f"level {level} ({label})" if label else f"level {level}"
    if measure_kind == "yes_no":
        return "yes" if value else "no"
    number = format_number(value)
    if measure_kind == "percentage":
        return f"{number}%"
    if measure_kind == "money":
        return f"£{number}k"
    if measure_kind == "days":
        return f"{number} days"
    return f"{number} {unit}".strip()


def describe_scope(*, scope: str, applies_to: Sequence[str]) -> str:
    """Who a target is about, as a plural noun phrase: "relevant authorities (…)"."""
    if scope == "region":
        return "the region as a whole"
    if scope == "laa":
        return "Local Area Agreements (each reported by its lead council)"
    kinds = [k for k in KIND_LABELS if k in set(applies_to)]
    if not kinds or set(kinds) == ALL_KINDS:
        return "authorities"
    labels = [KIND_LABELS[k] for k in kinds]
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"relevant authorities ({joined})"


def describe_rule(
    *,
    rule: str,
    scope: str,
    applies_to: Sequence[str],
    measure_kind: str,
    direction: str,
    unit: str = "",
    levels: Mapping[int, str] | None = None,
    threshold: Decimal | None = None,
    required_share: Decimal | None = None,
    aggregate_amount: Decimal | None = None,
    baseline: Decimal | None = None,
    notes: str = "",
    strict: bool = False,
    also: Sequence[str] = (),
) -> str:
    """The success rule of a target in one plain sentence for the Board.

    The threshold is worded as the engine judges it: "at least" / "above" when higher is
    better, "at most" / "below" when lower is better, "above" and "below" when the threshold
    itself does not pass. Undecided and comparison rules cannot be judged from the returns
    alone; their sentence carries the paper's own note on what is open. Further conditions of
    a compound rule follow in the paper's words.
    """
    fmt = {"measure_kind": measure_kind, "unit": unit, "levels": levels}
    who = describe_scope(scope=scope, applies_to=applies_to)
    if measure_kind == "yes_no":
        reach = "achieve it"
    elif threshold is not None:
        reach = f"are {comparator(direction, strict)} {format_value(threshold, **fmt)}"
    else:
        own = "strictly better than" if strict else "at least as good as"
        reach = f"are {own} their own target value"

    if rule == "all_meet":
        sentence = f"Met when all {who} {reach}."
    elif rule == "share_meet":
        share = format_number(required_share) if required_share is not None else "?"
        sentence = f"Met when at least {share}% of {who} {reach}."
    elif rule == "aggregate":
        amount = format_value(aggregate_amount, **fmt) if aggregate_amount is not None else "?"
        sentence = f"Met when the total across {who} reaches {amount}."
    elif rule == "improvement":
        way = "falls" if direction == "lower" else "rises"
        sentence = f"Met when the measure {way} between two periods, across {who}."
    elif rule == "ratio_baseline":
        base = format_number(baseline) if baseline is not None else "its baseline"
        sentence = f"Met when the ratio falls below {base}."
    elif rule == "comparison":
        sentence = "Judged by comparison with other regions or a national quartile."
    elif rule == "trajectory":
        final = f" ({comparator(direction, strict)} {format_value(threshold, **fmt)})"
        sentence = (
            "Rated on the improvement plan's key: Achieved when the final target"
            f"{final if threshold is not None else ''} is met; otherwise Green on the year's "
            "trajectory or better, Amber behind it by no more than the amber margin, Red "
            "further behind; without a figure, the council's own rating of its progress."
        )
    else:
        sentence = "Undecided: the paper leaves the rule open."
    for words in also:
        sentence += f" And: \u2018{words}\u2019"
    if notes and rule in {"undecided", "comparison", "ratio_baseline"}:
        return f"{sentence} {notes}"
    return sentence


def comparator(direction: str, strict: bool) -> str:
    """ "at least", "above", "at most" or "below", as the engine judges a threshold."""
    if direction == "lower":
        return "below" if strict else "at most"
    return "above" if strict else "at least"


def target_applies(
    *,
    scope: str,
    applies_to: Sequence[str],
    kind: str,
    leads_laa: bool,
    council_id: int | None = None,
    authority_id: int | None = None,
) -> bool:
    """Whether a return has a line for this authority against this target.

    A target applies to the authority kinds it names (all kinds when it names none). A target
    about LAAs is answered by each LAA's lead council only, so districts have no line for it.
    A commitment of a council's own improvement plan (``council_id``: the plan's council)
    applies to that council alone (``authority_id``), whatever its kind.
    """
    if council_id is not None:
        return authority_id == council_id
    if applies_to and kind not in applies_to:
        return False
    return scope != "laa" or leads_laa


def target_covers(target, *, kind: str, leads_laa: bool, authority_id: int | None) -> bool:
    """``target_applies`` with the target's own fields (anything with a target's ``scope``,
    ``applies_to`` and ``council_id``: a model or a row): every reader asks it of a target and
    an authority, and the target's side is always the same three fields."""
    return target_applies(
        scope=target.scope,
        applies_to=target.applies_to,
        kind=kind,
        leads_laa=leads_laa,
        council_id=target.council_id,
        authority_id=authority_id,
    )

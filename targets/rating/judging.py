"""A value against a threshold: the mark beside it and the Green / Amber / Red it earns.

The comparison every rule builds on (``lines.computed_rating`` for a line, ``trajectory`` for
an improvement plan's commitment, ``overall`` for aggregates): whether a value meets its
target as worded (direction, and whether the threshold itself passes), how far it falls short
against the amber margin, and the worse / within / better mark against the tolerance (which
never changes a rating). Pure functions over plain values: no Django, no database.
"""

from __future__ import annotations

from decimal import Decimal

from .base import (
    DEFAULT_NUMBER_AMBER_MARGIN,
    LEVEL_KINDS,
    Direction,
    MeasureKind,
    Rating,
    RatingRule,
    Status,
    ToleranceKind,
    as_decimal,
)
from .wording import (
    against,
    amber_words,
    capitalised,
    gap,
    level_margin,
    levels_words,
    rounded,
    sides,
    tolerance_words,
    value,
)

# ---------------------------------------------------------------------------------------------
# The mark: worse / within / better than the tolerance
# ---------------------------------------------------------------------------------------------


def gain(actual: Decimal, target: Decimal, direction: Direction) -> Decimal:
    """How far the value is on the good side of the target (negative: on the bad side)."""
    return actual - target if direction is Direction.HIGHER else target - actual


def band(target: Decimal, kind: ToleranceKind, size: Decimal) -> Decimal:
    """A tolerance or margin as an amount: a % of the target's magnitude, or units as given.

    With a zero target a relative band is zero: there is no "2% of nothing", and dividing by
    the target is never needed.
    """
    return abs(target) * size / Decimal(100) if kind is ToleranceKind.RELATIVE else size


def compare(
    actual: Decimal,
    target: Decimal,
    *,
    measure_kind: MeasureKind | str,
    direction: Direction | str = Direction.HIGHER,
    tolerance_kind: ToleranceKind | str = ToleranceKind.RELATIVE,
    tolerance: Decimal = Decimal(2),
) -> Status:
    """The mark beside a value: worse than, within or better than its target's tolerance.

    * Numbers (percentage, money, days, count): within when the value is no further from the
      target than the tolerance, on either side (the band is symmetric); better beyond it on
      the good side, worse beyond it on the bad side; the good side is set by ``direction``.
      A relative tolerance is a % of the target (±2%, as in the Lincolnshire return); an
      absolute one is in units of the measure.
    * Levels (ordinal, milestone): the same level is within, a better level better, a worse
      one worse; tolerance does not apply.
    * Yes/no: yes (any non-zero value) is within; no is worse.

    The mark never decides the rating: 93.86% against "at least 95%" is within ±2% (●) and
    still short of the target, so it is Amber, not Green.
    """
    kind = MeasureKind(measure_kind)
    actual = as_decimal(actual, "actual")
    if kind is MeasureKind.YES_NO:
        return Status.WITHIN if actual != 0 else Status.WORSE
    target = as_decimal(target, "target")
    ahead = gain(actual, target, Direction(direction))
    if kind in LEVEL_KINDS:
        width = Decimal(0)
    else:
        width = band(target, ToleranceKind(tolerance_kind), as_decimal(tolerance, "tolerance"))
    if ahead > width:
        return Status.BETTER
    if ahead < -width:
        return Status.WORSE
    return Status.WITHIN


_MARK_WORDS = {
    Status.WORSE: "▲ worse than",
    Status.WITHIN: "● within",
    Status.BETTER: "★ better than",
}


def _mark_sentence(status: Status, rule: RatingRule) -> str:
    if rule.measure_kind in LEVEL_KINDS or rule.measure_kind is MeasureKind.YES_NO:
        words = {
            Status.WORSE: "▲ worse than",
            Status.WITHIN: "● at",
            Status.BETTER: "★ better than",
        }
        return f" Mark: {words[status]} the target."
    return f" Mark: {_MARK_WORDS[status]} {tolerance_words(rule)}."


# ---------------------------------------------------------------------------------------------
# Judging a value against its target
# ---------------------------------------------------------------------------------------------

#: The mark, the rating and the explanation of a value against its target.
Judgement = tuple[Status, Rating, str]


def amber_band(target: Decimal, rule: RatingRule) -> Decimal:
    """How far short of the target a value may be and still be Amber, as an amount."""
    if rule.measure_kind in LEVEL_KINDS:
        return level_margin(rule)
    if rule.amber_margin is None:
        return band(target, ToleranceKind.RELATIVE, DEFAULT_NUMBER_AMBER_MARGIN)
    return band(target, rule.tolerance_kind, rule.amber_margin)


def meets(actual: Decimal, target: Decimal, *, direction: Direction, strict: bool) -> bool:
    """Whether a value meets its target as worded: reaching a strict threshold is not enough."""
    ahead = gain(actual, target, direction)
    return ahead > 0 if strict else ahead >= 0


def judge(
    actual: Decimal,
    target: Decimal,
    rule: RatingRule,
    *,
    direction: Direction | None = None,
    strict: bool | None = None,
    head: str | None = None,
    reference: str = "the target",
    met: str = "meets it",
    equal: str = "equal to it, which does not meet it",
) -> Judgement:
    """A value against its target: Green when it meets it as worded, Amber when short by no
    more than the amber margin, Red beyond; with the tolerance mark (see the module).

    ``direction`` and ``strict`` default to the rule's (the ratio and improvement rules pass
    their own); ``head`` replaces the opening words of the explanation, and ``reference``
    names what the target is ("the earlier value", "the baseline") in it; ``met`` and
    ``equal`` say "it meets it" and "a strict threshold reached exactly" in the rule's words.
    """
    if rule.measure_kind is MeasureKind.YES_NO:
        if actual != 0:
            return Status.WITHIN, Rating.GREEN, "Yes: the target is met: Green."
        return Status.WORSE, Rating.RED, "No: the target is not met (yes/no has no Amber): Red."
    direction = rule.direction if direction is None else direction
    strict = rule.strict if strict is None else strict
    status = compare(
        actual,
        target,
        measure_kind=rule.measure_kind,
        direction=direction,
        tolerance_kind=rule.tolerance_kind,
        tolerance=rule.tolerance,
    )
    ahead = gain(actual, target, direction)
    levels = rule.measure_kind in LEVEL_KINDS
    good_side = sides(direction)[1]
    if head is None:
        head = f"{capitalised(value(actual, rule))} against {against(target, rule, strict=strict)}"
    distance = levels_words(abs(ahead)) if levels else gap(abs(ahead), rule)
    if not levels and target != 0 and ahead != 0:
        share = rounded(abs(ahead) / abs(target) * Decimal(100), 1)
        distance += f" ({share}% of {reference})"

    if meets(actual, target, direction=direction, strict=strict):
        where = met if ahead == 0 else f"{distance} {good_side} it: {met}"
        rating, text = Rating.GREEN, f"{head}: {where}: Green."
    else:
        where = equal if ahead == 0 else f"short by {distance}"
        margin = amber_words(rule, reference=reference)
        if -ahead <= amber_band(target, rule):
            rating, text = Rating.AMBER, f"{head}: {where}, within {margin}: Amber."
        else:
            rating, text = Rating.RED, f"{head}: {where}, beyond {margin}: Red."
    return status, rating, text + _mark_sentence(status, rule)


def judge_change(before: Decimal, after: Decimal, rule: RatingRule) -> Judgement:
    """An improvement between two periods: the earlier value is a strict threshold ("will be
    improving"): better than it is Green, no change or worse by up to the amber margin (of
    the earlier value) Amber, worse beyond it Red."""
    head = (
        f"Went from {value(before, rule, round_it=True)} to {value(after, rule, round_it=True)}"
        f"{' (lower is better)' if rule.direction is Direction.LOWER else ''}"
    )
    return judge(
        after,
        before,
        rule,
        strict=True,
        head=head,
        reference="the earlier value",
        met="improving",
        equal="no change, which is not improving",
    )


def judge_ratio(ratio: Decimal, baseline: Decimal, rule: RatingRule) -> Judgement:
    """A ratio against its baseline: a reduction is needed (lower is better, strictly below
    the baseline is Green); above it by up to the amber margin Amber; beyond Red."""
    head = f"The ratio {rounded(ratio)} against below the baseline of {value(baseline, rule)}"
    return judge(
        ratio,
        baseline,
        rule,
        direction=Direction.LOWER,
        strict=True,
        head=head,
        reference="the baseline",
        met="a reduction",
        equal="level with it, which is no reduction",
    )

"""The rating of one line: a value against its target, as the target's words say.

The one line rule, for every target (written in the README and the key of every page and
paper): **Green** when the value meets the target as worded (its direction, and whether the
threshold itself passes: "at least 95%" passes at 95, "below 20 days" fails at 20); **Amber**
when it falls short by no more than the target's amber margin (set by the partnership: no
paper defines one); **Red** beyond it. A shortfall is never Green. The tolerance has one job:
the worse / within / better mark shown beside the value (the Lincolnshire return's ▲ ● ★).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .base import (
    DEFAULT_NUMBER_AMBER_MARGIN,
    LEVEL_KINDS,
    RAG_WORST_FIRST,
    Direction,
    LineInput,
    LineRating,
    LineState,
    MeasureKind,
    Rating,
    RatingRule,
    RuleKind,
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
    rule_parameters,
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


# ---------------------------------------------------------------------------------------------
# The computed rating of a line, and the rating that stands
# ---------------------------------------------------------------------------------------------


def computed_rating(rule: RatingRule, line: LineInput) -> LineRating:
    """The rating the rule gives a line, with its mark and a plain-English explanation.

    * Marked not applicable → NA. Awaiting data, no return made, no value, or no target to
      compare with → Grey. Not yet due (the data comes in a later quarter) → Not yet due, a
      state of its own: nothing is missing. Progress rated by hand without a figure → Grey
      (the rule has nothing to rate; the hand rating stands in).
    * The trajectory rule (an improvement plan's commitment) → ``trajectory.judge_trajectory``:
      Achieved when the final target is met, else Green / Amber / Red against the year's
      trajectory point (the line's own target value), else Grey.
    * A value → ``judge``: Green when it meets the target as worded, else Amber within the
      amber margin, else Red (ordinal and milestone measures: a margin in levels, one by
      default; numbers: 10% of the target by default; yes/no: no is Red).
    * "Met" stated without a figure → Green; "not met" stated without a figure → Red: without
      a figure the shortfall cannot be shown to be within the amber margin.
    The line's target is its own ``target_value``, else the rule's ``threshold``. The
    improvement rule judges the change from the line's ``earlier`` value; the ratio rule the
    ratio against the line's target value, else the rule's baseline.
    A manual rating never changes the computed one: the explanation says whether it agrees,
    differs (the rule's rating stands), or stands in where the rule had nothing to rate. A
    line outside the target's scope is rated the same way, and said not to count.
    """
    target = line.target_value if line.target_value is not None else rule.threshold
    status: Status | None = None
    if line.state is LineState.NOT_APPLICABLE:
        rating, text = Rating.NOT_APPLICABLE, "Marked not applicable to this authority."
    elif line.state is LineState.AWAITING:
        rating, text = Rating.GREY, "Awaiting data."
    elif line.state is LineState.NO_RETURN:
        rating, text = Rating.GREY, "No return was made for this authority."
    elif line.state is LineState.NOT_YET_DUE:
        rating = Rating.NOT_YET_DUE
        text = "Not yet due: the data comes in a later quarter (nothing is missing yet)."
    elif line.state is LineState.PROGRESS:
        rating = Rating.GREY
        text = "Progress rated by hand, with no figure for the rule to rate."
    elif line.state is LineState.MET:
        rating, text = Rating.GREEN, "The return states the target is met, without a figure: Green."
    elif line.state is LineState.NOT_MET:
        rating = Rating.RED
        text = (
            "The return states the target is not met and gives no figure: the shortfall cannot "
            "be shown to be within the amber margin: Red."
        )
    elif line.actual is None:
        rating, text = Rating.GREY, "No value was given."
    elif rule.kind is RuleKind.TRAJECTORY:
        # Imported here: the trajectory rule builds on ``judge`` of this module.
        from .trajectory import judge_trajectory

        target = line.target_value
        status, rating, text = judge_trajectory(line.actual, line.target_value, rule)
    elif rule.kind is RuleKind.IMPROVEMENT:
        target = line.earlier
        if line.earlier is None:
            rating, text = Rating.GREY, "There is no earlier value to measure the change from."
        else:
            status, rating, text = judge_change(line.earlier, line.actual, rule)
    elif rule.kind is RuleKind.RATIO_BASELINE:
        target = line.target_value if line.target_value is not None else rule.baseline
        if target is None:
            rating, text = Rating.GREY, "The baseline has not been set yet."
        else:
            status, rating, text = judge_ratio(line.actual, target, rule)
    elif target is None and rule.measure_kind is not MeasureKind.YES_NO:
        rating, text = Rating.GREY, "There is no target value to compare the value with."
    else:
        status, rating, text = judge(line.actual, target or Decimal(0), rule)

    who = "the council" if rule.kind is RuleKind.TRAJECTORY else "the sub-region"
    text += manual_note(rating, line.manual, who=who)
    if not line.in_scope and line.state is not LineState.NOT_APPLICABLE:
        text = f"Reported outside the target's scope, so not counted. {text}"
    return LineRating(
        line=line,
        status=status,
        computed=rating,
        explanation=text,
        parameters=rule_parameters(rule, target),
    )


def manual_note(computed: Rating, manual: Rating | None, *, who: str = "the sub-region") -> str:
    """What the explanation says of the sub-region's own rating of the line (``who``: "the
    council" for an improvement plan's commitment)."""
    if manual is None:
        return ""
    if computed not in RAG_WORST_FIRST:
        return f" Nothing for the rule to rate: {who}'s own rating, {manual.label}, stands."
    if manual is computed:
        return f" {capitalised(who)}'s own rating ({manual.label}) agrees."
    return (
        f" {capitalised(who)} rated it {manual.label} by hand; the rule's {computed.label} "
        "stands (a value is rated by the rule, the same for everyone)."
    )


def worst(ratings: Iterable[Rating]) -> Rating | None:
    """The worst of the R / A / G ratings given (Grey and NA are ignored); None if none."""
    rag = [rating for rating in ratings if rating in RAG_WORST_FIRST]
    return min(rag, key=RAG_WORST_FIRST.index) if rag else None


# ---------------------------------------------------------------------------------------------
# The sub-region's own overall rating beside the computed one
# ---------------------------------------------------------------------------------------------


def reported_differs(computed: Rating | None, reported: Rating | None) -> bool:
    """True when a sub-region gave its own rating, the rule gave one too, and they disagree."""
    return computed is not None and reported is not None and computed is not reported


def reported_note(
    *, who: str, computed: Rating | None, reported: Rating | None, reason: str
) -> str:
    """The sentence shown beside an overall rating where the sub-region gave its own.

    "Lincolnshire rated it Red ('Not all achieving Level 3 therefore RED'); the rule gives
    Amber." Empty when the sub-region gave none.
    """
    if reported is None:
        return ""
    said = f"{who} rated it {reported.label}"
    if reason:
        said += f" (\u2018{reason}\u2019)"
    if computed is None:
        return f"{said}; the rule cannot rate it from the returns."
    if computed is reported:
        return f"{said}, as the rule does."
    return f"{said}; the rule gives {computed.label}."

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
    RAG_WORST_FIRST,
    LineInput,
    LineRating,
    LineState,
    MeasureKind,
    Rating,
    RatingRule,
    RuleKind,
    Status,
)
from .judging import judge, judge_change, judge_ratio
from .trajectory import judge_trajectory
from .wording import (
    capitalised,
    rule_parameters,
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

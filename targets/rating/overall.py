"""The overall rating of a target for a set of authorities (a sub-region, or the region).

One function per success rule: ``_all_meet``, ``_share_meet``, ``_aggregate``,
``_improvement``, ``_ratio_baseline``, ``_not_computable``; compound rules add their further
conditions (``RatingRule.also``) and take the worst. Only counted lines count: a line marked
not applicable, or reported for an authority outside the target's scope, is left out of every
denominator (and counted apart, so the counts always add up).

Decisions the business rules left open (each docstring has the detail):

* *all_meet* is the worst known rating; authorities awaiting data do not pull it down, they are
  counted and named in the explanation.
* *share_meet* takes the share over all relevant authorities: those awaiting data count as not
  meeting (conservative). Its Amber band is ``share_amber_margin`` (10 percentage points by
  default, set by the partnership), separate from a target's amber margin, which is in the
  measure's units.
* *improvement* and *ratio_baseline* use the mean of the authorities' values; *improvement*
  only uses authorities that have both an earlier and a later value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from .base import (
    HUNDRED,
    MEETING,
    RAG_WORST_FIRST,
    Condition,
    LineInput,
    LineRating,
    LineState,
    MeasureKind,
    OverallRating,
    Rating,
    RatingRule,
    RuleKind,
    Scope,
    required,
)
from .judging import judge, judge_change, judge_ratio
from .lines import computed_rating, worst
from .wording import against, plain, plural, rounded, rule_parameters

Lines = Sequence[LineRating]
#: What each rule returns: the rating (None: cannot be computed), the explanation, the figure.
Outcome = tuple[Rating | None, str, Decimal | None]

COUNT_KEYS = ("R", "A", "G", "GREY", "missing", "NA", "outside")
#: Counted apart only where there are any (an improvement plan's lines): Achieved, and not yet
#: due, which is never counted as awaiting data (seed 004: "Data will be available in Qrt 2").
PLAN_COUNT_KEYS = ("ACH", "NYD")


def count_lines(lines: Lines) -> dict[str, int]:
    """The lines by what they show: R, A, G, GREY, missing (no return), NA, outside; and ACH
    (Achieved) and NYD (not yet due) where there are any."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for line in lines:
        scope = line.scope
        if scope is Scope.OUTSIDE:
            key = "outside"
        elif scope is Scope.NOT_APPLICABLE:
            key = "NA"
        elif line.effective is Rating.GREY and line.line.state is LineState.NO_RETURN:
            key = "missing"
        else:
            key = str(line.effective)
        counts[key] = counts.get(key, 0) + 1
    return counts


def relevant(lines: Lines) -> list[LineRating]:
    """The lines that count: the rule covers the authority and it is not marked n/a."""
    return [line for line in lines if line.counted]


def known(lines: Lines) -> list[LineRating]:
    return [line for line in lines if line.effective in RAG_WORST_FIRST]


def _coverage(
    relevant_lines: Lines, known_lines: Lines, what: str = "rated", other: str = "not rated"
) -> str:
    """How much is known: "7 of 9 relevant authorities rated; 1 awaiting data, 1 without a
    return." The other unknown ones are described by ``other``."""
    known_ids = {id(line) for line in known_lines}
    reasons = {"awaiting data": 0, "without a return": 0, "not yet due": 0, other: 0}
    for line in relevant_lines:
        if id(line) in known_ids:
            continue
        if line.line.state is LineState.NO_RETURN:
            reasons["without a return"] += 1
        elif line.line.state is LineState.AWAITING:
            reasons["awaiting data"] += 1
        elif line.effective is Rating.NOT_YET_DUE:
            reasons["not yet due"] += 1
        else:
            reasons[other] += 1
    total = plural(len(relevant_lines), "relevant authority", "relevant authorities")
    text = f"{len(known_lines)} of {total} {what}"
    parts = [f"{count} {reason}" for reason, count in reasons.items() if count]
    if parts:
        text += "; " + ", ".join(parts)
    return text + "."


def _left_out(lines: Lines) -> str:
    """ " 1 not applicable and 2 reported outside the target's scope, left out." """
    na = sum(1 for line in lines if line.scope is Scope.NOT_APPLICABLE)
    outside = sum(1 for line in lines if line.scope is Scope.OUTSIDE)
    parts = []
    if na:
        parts.append(f"{na} marked not applicable")
    if outside:
        parts.append(f"{outside} reported outside the target's scope")
    return f" {' and '.join(parts)}, left out." if parts else ""


def _what_meets(rule: RatingRule) -> str:
    if rule.threshold is None or rule.measure_kind is MeasureKind.YES_NO:
        return "meet their target"
    return f"meet the target ({against(rule.threshold, rule)})"


def _all_meet(rule: RatingRule, lines: Lines) -> Outcome:
    """Every relevant authority must meet the target: the worst known rating (R < A < G).

    This is how the Derbyshire return's overall row was made. Authorities awaiting data do not
    pull the rating down; they are counted and named ("7 of 9 relevant authorities rated; 2
    awaiting data"): the rating is honest about what is known and says what is not. Nothing
    known → Grey.
    """
    counted = relevant(lines)
    rated = known(counted)
    coverage = _coverage(counted, rated)
    if not rated:
        return Rating.GREY, f"No authority rated yet: {coverage}", None
    ratings = [line.effective for line in rated]
    rating = min(ratings, key=RAG_WORST_FIRST.index)
    if rating in MEETING:
        text = f"All {len(rated)} rated authorities {_what_meets(rule)}: {rating.label}"
        text += "." if len(rated) == len(counted) else " on what is known."
    else:
        text = (
            f"Not all authorities {_what_meets(rule)}: {ratings.count(Rating.GREEN)} of "
            f"{len(rated)} rated are Green, {ratings.count(Rating.AMBER)} Amber, "
            f"{ratings.count(Rating.RED)} Red; the worst rating, {rating.label}, "
            "is the overall one."
        )
    return rating, f"{text} {coverage}", None


def _share_meet(rule: RatingRule, lines: Lines) -> Outcome:
    """A share of the relevant authorities must meet the target (be Green).

    The share is over all relevant authorities: those awaiting data count as not meeting
    (conservative; the explanation says how many). Green when the share reaches the required
    share; Amber when it is short by no more than ``share_amber_margin`` percentage points;
    Red otherwise. Nothing known → Grey.
    """
    counted = relevant(lines)
    rated = known(counted)
    coverage = _coverage(counted, rated)
    if not rated:
        return Rating.GREY, f"No authority rated yet: {coverage}", None
    share_required = required(rule.required_share, "required_share")
    meeting = sum(1 for line in rated if line.effective in MEETING)
    share = Decimal(meeting) * HUNDRED / Decimal(len(counted))
    margin = rule.share_amber_margin
    if share >= share_required:
        rating, verdict = Rating.GREEN, "Green"
    elif share >= share_required - margin:
        rating = Rating.AMBER
        verdict = f"Amber (short by no more than {plain(margin)} percentage points)"
    else:
        rating = Rating.RED
        verdict = f"Red (short by more than {plain(margin)} percentage points)"
    text = (
        f"{meeting} of {len(counted)} relevant authorities {_what_meets(rule)} "
        f"({rounded(share, 1)}%) against at least {plain(share_required)}% required: {verdict}. "
        f"{coverage}"
    )
    if len(rated) < len(counted):
        text += " Authorities without a rating count as not meeting the target."
    return rating, text, share


def _with_values(lines: Lines) -> list[LineRating]:
    return [
        line
        for line in lines
        if line.line.state is LineState.VALUE and line.line.actual is not None
    ]


def _aggregate(rule: RatingRule, lines: Lines) -> Outcome:
    """The total across the authorities must reach an amount (e.g. NI 179 "£300m per annum"),
    judged like a value against its target (see ``lines.judge``). Authorities without a value
    are counted and reported: the total then leaves them out. Nothing known → Grey."""
    counted = relevant(lines)
    summed = _with_values(counted)
    coverage = _coverage(counted, summed, "with a value", "without a value")
    if not summed:
        return Rating.GREY, f"No values yet: {coverage}", None
    total = sum((line.line.actual for line in summed if line.line.actual is not None), Decimal(0))
    amount = required(rule.aggregate_amount, "aggregate_amount")
    _, rating, text = judge(total, amount, rule)
    text = f"Total of {plural(len(summed), 'authority', 'authorities')}: {text} {coverage}"
    if len(summed) < len(counted):
        text += " The total leaves out the authorities without a value."
    return rating, text, total


def _mean(numbers: Sequence[Decimal]) -> Decimal:
    return sum(numbers, Decimal(0)) / Decimal(len(numbers))


def _improvement(rule: RatingRule, lines: Lines) -> Outcome:
    """The measure must improve between two periods, across the authorities: the mean of the
    later values against the mean of the earlier ones, over the authorities that have both,
    judged as a change (see ``lines.judge_change``). Nothing known → Grey."""
    counted = relevant(lines)
    paired = [line for line in _with_values(counted) if line.line.earlier is not None]
    coverage = _coverage(counted, paired, "with values for both periods", "without both values")
    if not paired:
        return Rating.GREY, f"No authority has values for both periods: {coverage}", None
    before = _mean([line.line.earlier for line in paired if line.line.earlier is not None])
    after = _mean([line.line.actual for line in paired if line.line.actual is not None])
    _, rating, text = judge_change(before, after, rule)
    who = plural(len(paired), "authority", "authorities")
    return rating, f"The mean of {who} {text[:1].lower()}{text[1:]} {coverage}", after


def _ratio_baseline(rule: RatingRule, lines: Lines) -> Outcome:
    """A ratio (e.g. red:green flags) must fall below its baseline: the mean of the ratios
    returned, judged against the baseline (see ``lines.judge_ratio``). Nothing known → Grey."""
    counted = relevant(lines)
    values = _with_values(counted)
    coverage = _coverage(counted, values, "with a value", "without a value")
    if not values:
        return Rating.GREY, f"No ratio returned yet: {coverage}", None
    ratio = _mean([line.line.actual for line in values if line.line.actual is not None])
    _, rating, text = judge_ratio(ratio, required(rule.baseline, "baseline"), rule)
    subject = "" if len(values) == 1 else f"The mean of {len(values)} lines: "
    return rating, f"{subject}{text} {coverage}", ratio


def _trajectory(rule: RatingRule, lines: Lines) -> Outcome:
    """An improvement plan's commitment: the rating of its council's line (seed 004's key:
    the rule's, or the council's own where the rule has nothing to rate), with that line's
    explanation. Over several lines, the worst known rating, as for ``_all_meet``: Achieved
    only when every line is. Nothing known → Grey."""
    counted = relevant(lines)
    rated = known(counted)
    if not rated:
        return Rating.GREY, f"Not rated yet: {_coverage(counted, rated)}", None
    rating = min((line.effective for line in rated), key=RAG_WORST_FIRST.index)
    if len(counted) == 1:
        return rating, f"{rating.label}. {rated[0].explanation}".strip(), None
    return rating, f"The worst rating known, {rating.label}. {_coverage(counted, rated)}", None


def computable(rule: RatingRule) -> bool:
    """Whether the region's returns alone can rate the target."""
    if rule.kind is RuleKind.RATIO_BASELINE:
        return rule.baseline is not None
    return rule.kind not in {RuleKind.COMPARISON, RuleKind.UNDECIDED}


def _not_computable(rule: RatingRule, lines: Lines) -> Outcome:
    """No rating (None) when the returns alone cannot give one: a comparison with other
    regions or a national quartile, a rule the paper leaves open, a baseline not yet set."""
    if rule.kind is RuleKind.COMPARISON:
        text = (
            "Not rated: the target needs comparison with other regions or a national quartile, "
            "which the region's returns alone cannot give."
        )
    elif rule.kind is RuleKind.RATIO_BASELINE:
        text = "Not rated: the baseline has not been set yet."
    else:
        text = "Not rated: the paper leaves the rule open."
    if rule.notes:
        text += f" {rule.notes}"
    return None, text, None


RULES: dict[RuleKind, Callable[[RatingRule, Lines], Outcome]] = {
    RuleKind.ALL_MEET: _all_meet,
    RuleKind.SHARE_MEET: _share_meet,
    RuleKind.AGGREGATE: _aggregate,
    RuleKind.IMPROVEMENT: _improvement,
    RuleKind.RATIO_BASELINE: _ratio_baseline,
    RuleKind.COMPARISON: _not_computable,
    RuleKind.UNDECIDED: _not_computable,
    RuleKind.TRAJECTORY: _trajectory,
}


def condition_rule(rule: RatingRule, condition: Condition) -> RatingRule:
    """The main rule with a further condition's own threshold, share and amber margin."""
    return replace(
        rule,
        kind=condition.kind,
        threshold=condition.threshold,
        strict=condition.strict,
        required_share=condition.required_share,
        amber_margin=condition.amber_margin,
        also=(),
    )


def _condition_outcome(rule: RatingRule, condition: Condition, lines: Lines) -> Outcome:
    """A further condition judged over the same lines, each re-rated by the condition's rule."""
    sub_rule = condition_rule(rule, condition)
    rerated = [computed_rating(sub_rule, line.line) for line in lines]
    return RULES[condition.kind](sub_rule, rerated)


def _with_conditions(rule: RatingRule, lines: Lines, outcome: Outcome) -> Outcome:
    """A compound rule: every condition must hold; the overall rating is the worst of them."""
    rating, text, figure = outcome
    ratings = [rating]
    for condition in rule.also:
        cond_rating, cond_text, _ = _condition_outcome(rule, condition, lines)
        ratings.append(cond_rating)
        words = f"\u2018{condition.words}\u2019" if condition.words else "A further condition"
        label = cond_rating.label if cond_rating is not None else "not rated"
        text += f" Also {words}: {label}. {cond_text}"
    if rating is None or rating is Rating.GREY:
        return rating, text, figure
    combined = worst(r for r in ratings if r is not None) or rating
    if combined is not rating:
        text += f" The worst of the conditions, {combined.label}, is the overall rating."
    return combined, text, figure


def overall_rating(rule: RatingRule, lines: Sequence[LineRating | LineInput]) -> OverallRating:
    """The rating of a target for a set of authorities, by the target's success rule.

    ``lines`` are the authorities' lines (rated ones, or inputs that are rated here). Before
    the rule: a rule the returns cannot rate gives None (see ``_not_computable``); no lines at
    all → Grey; no counted line (every one marked n/a or outside the scope) → NA; every
    counted line not yet due → Not yet due (not Grey: nothing is missing). Then the rule's own
    function decides, with the further conditions of a compound rule.
    """
    rated = [
        line if isinstance(line, LineRating) else computed_rating(rule, line) for line in lines
    ]
    counted = relevant(rated)
    left_out = _left_out(rated)
    if not computable(rule):
        rating, text, figure = _not_computable(rule, rated)
    elif not rated:
        rating, text, figure = Rating.GREY, "No authorities to rate.", None
    elif not counted:
        rating, figure = Rating.NOT_APPLICABLE, None
        text = (
            f"The target applies to none of these {plural(len(rated), 'authority', 'authorities')}."
        )
    elif all(line.effective is Rating.NOT_YET_DUE for line in counted):
        rating, figure = Rating.NOT_YET_DUE, None
        text = "Not yet due: the data comes in a later quarter (nothing is missing yet)."
    else:
        rating, text, figure = _with_conditions(rule, rated, RULES[rule.kind](rule, rated))
    return OverallRating(
        rating=rating,
        explanation=text + left_out,
        parameters=rule_parameters(rule),
        counts=count_lines(rated),
        value=figure,
        relevant=len(counted),
        known=len(known(counted)),
    )

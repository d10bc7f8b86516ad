"""The rating engine: how a value, a return line and a target are rated Red / Amber / Green.

The Steering Group found the sub-regions' returns "inconsistent in the allocating of the RAG
ratings" (seed 002, agenda item 8, §3.1). This module is the one rule for everyone. It is made
of pure functions over plain values (dataclasses, ``Decimal``, ``str`` enums): it imports no
Django model and never touches the database, so it can be used from views, reports, the API,
management commands and tests alike.

Where each rule lives
---------------------
1. A value against its target: worse / within / better ........................ ``compare``
2. The computed rating of one line (value → R / A / G, Grey, NA) ....... ``computed_rating``
3. The effective rating of a line (the manual rating wins) .............. ``effective_rating``
4. The overall rating of a target for a set of authorities ................ ``overall_rating``
   one function per success rule: ``_all_meet``, ``_share_meet``, ``_aggregate``,
   ``_improvement``, ``_ratio_baseline``, ``_not_computable``.

Every result carries a plain-English ``explanation`` and the rule ``parameters`` used.

Decisions the business rules left open (see each docstring for the detail)
--------------------------------------------------------------------------
* Tolerance is symmetric around the target. A relative tolerance is a percentage of the
  target's magnitude (``abs(target)``); so with a zero target a relative tolerance (and a
  relative amber margin) is zero: the value must equal or beat the target exactly.
* The amber margin is measured from the target (not from the edge of the tolerance).
* The overall rating of the *all_meet* rule is the worst known rating; authorities awaiting
  data do not pull it down, but they are counted and named in the explanation.
* The *share_meet* share is taken over all relevant authorities: those awaiting data count as
  not meeting (conservative). Its Amber band is a separate parameter (``share_amber_margin``,
  10 percentage points by default), because a target's ``amber_margin`` is in the measure's
  units (levels, % of the target) and cannot also be a margin of authorities.
* *improvement* and *ratio_baseline* use the mean of the authorities' values; *improvement*
  only uses authorities that have both an earlier and a later value, so the two means are
  over the same authorities.
* *ratio_baseline* always means "lower is better": the target is a ratio falling below its
  baseline (the red:green flag ratio of seed 001).
* Lines that are not applicable are left out of every denominator. A line with a manual
  rating is rated by that rating, even if its state says otherwise (the manual rating wins).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "DEFAULT_LEVEL_AMBER_MARGIN",
    "DEFAULT_NUMBER_AMBER_MARGIN",
    "DEFAULT_SHARE_AMBER_MARGIN",
    "DEFAULT_TOLERANCE",
    "RAG_WORST_FIRST",
    "Direction",
    "LineInput",
    "LineRating",
    "LineState",
    "MeasureKind",
    "OverallRating",
    "Rating",
    "RatingRule",
    "RuleKind",
    "Status",
    "ToleranceKind",
    "compare",
    "computed_rating",
    "effective_rating",
    "overall_rating",
    "worst",
]


# ---------------------------------------------------------------------------------------------
# Vocabulary. The values equal the choices of targets.models (a test keeps them equal); they are
# repeated here so that this module never imports the ORM.
# ---------------------------------------------------------------------------------------------


class MeasureKind(StrEnum):
    ORDINAL = "ordinal"
    PERCENTAGE = "percentage"
    MONEY = "money"
    DAYS = "days"
    COUNT = "count"
    YES_NO = "yes_no"
    MILESTONE = "milestone"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class ToleranceKind(StrEnum):
    RELATIVE = "relative"
    ABSOLUTE = "absolute"


class RuleKind(StrEnum):
    ALL_MEET = "all_meet"
    SHARE_MEET = "share_meet"
    AGGREGATE = "aggregate"
    IMPROVEMENT = "improvement"
    RATIO_BASELINE = "ratio_baseline"
    COMPARISON = "comparison"
    UNDECIDED = "undecided"


class Rating(StrEnum):
    """A RAG rating. Grey is "awaiting data"; NA is "the target does not apply"."""

    RED = "R"
    AMBER = "A"
    GREEN = "G"
    GREY = "GREY"
    NOT_APPLICABLE = "NA"

    @property
    def label(self) -> str:
        return _RATING_LABELS[self]


_RATING_LABELS = {
    Rating.RED: "Red",
    Rating.AMBER: "Amber",
    Rating.GREEN: "Green",
    Rating.GREY: "Grey",
    Rating.NOT_APPLICABLE: "Not applicable",
}

#: The ratings that say something about performance, worst first: R < A < G.
RAG_WORST_FIRST = (Rating.RED, Rating.AMBER, Rating.GREEN)


class Status(StrEnum):
    """Where a value stands against its target, as in the Lincolnshire return's symbols."""

    WORSE = "worse"  # ▲ worse than tolerance
    WITHIN = "within"  # ● within tolerance
    BETTER = "better"  # ★ better than tolerance


class LineState(StrEnum):
    """What a return line holds for one authority."""

    VALUE = "value"  # a value was returned
    AWAITING = "awaiting"  # awaiting data (Grey)
    NOT_APPLICABLE = "not_applicable"  # the target does not apply to the authority (n/a)
    NO_RETURN = "no_return"  # nothing was returned for the authority (Grey)


LEVEL_KINDS = frozenset({MeasureKind.ORDINAL, MeasureKind.MILESTONE})
NUMBER_KINDS = frozenset(
    {MeasureKind.PERCENTAGE, MeasureKind.MONEY, MeasureKind.DAYS, MeasureKind.COUNT}
)

#: ±2% of the target: the Lincolnshire return's tolerance (seed 002, agenda item 8).
DEFAULT_TOLERANCE = Decimal(2)
#: A number short of its target by up to 10% of the target is Amber; further short is Red.
DEFAULT_NUMBER_AMBER_MARGIN = Decimal(10)
#: A level one below the threshold is Amber; further below is Red.
DEFAULT_LEVEL_AMBER_MARGIN = Decimal(1)
#: A share of authorities up to 10 percentage points short of the required share is Amber.
DEFAULT_SHARE_AMBER_MARGIN = Decimal(10)

_HUNDRED = Decimal(100)


# ---------------------------------------------------------------------------------------------
# Inputs and results
# ---------------------------------------------------------------------------------------------


def _decimal(value: object, name: str) -> Decimal:
    """A finite Decimal from a Decimal, int or str; floats are refused (they are not exact)."""
    if isinstance(value, float):
        raise TypeError(f"{name}: use Decimal, not float ({value!r}).")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str):
        number = Decimal(value)
    else:
        raise TypeError(f"{name}: expected a Decimal, got {type(value).__name__}.")
    if not number.is_finite():
        raise ValueError(f"{name}: {number} is not a finite number.")
    return number


def _required(value: Decimal | None, name: str) -> Decimal:
    if value is None:  # RatingRule checks this; here for the type checker
        raise ValueError(f"The rule needs {name}.")
    return value


def _optional_decimal(value: object, name: str) -> Decimal | None:
    return None if value is None else _decimal(value, name)


@dataclass(frozen=True)
class RatingRule:
    """Everything the engine needs to know about one target: its measure and its success rule.

    ``tolerance`` is a percentage of the target when ``tolerance_kind`` is relative, else units
    of the measure. ``amber_margin`` (None: the kind's default) is in the same terms for
    numbers (a relative tolerance makes it a % of the target, an absolute one makes it units),
    and a number of levels for ordinal and milestone measures. ``threshold`` is the value
    every authority must reach when a line has no target value of its own. ``required_share``
    is a percentage of authorities. ``levels`` gives labels to level numbers for explanations
    (pairs or a mapping, e.g. ``targets.models.level_labels(measure)``).
    Strings are accepted for the enums (the models' values), ints and strs for the numbers.
    """

    kind: RuleKind
    measure_kind: MeasureKind
    direction: Direction = Direction.HIGHER
    tolerance_kind: ToleranceKind = ToleranceKind.RELATIVE
    tolerance: Decimal = DEFAULT_TOLERANCE
    amber_margin: Decimal | None = None
    threshold: Decimal | None = None
    required_share: Decimal | None = None
    share_amber_margin: Decimal = DEFAULT_SHARE_AMBER_MARGIN
    aggregate_amount: Decimal | None = None
    baseline: Decimal | None = None
    levels: tuple[tuple[int, str], ...] = ()
    unit: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", RuleKind(self.kind))
        set_(self, "measure_kind", MeasureKind(self.measure_kind))
        set_(self, "direction", Direction(self.direction))
        set_(self, "tolerance_kind", ToleranceKind(self.tolerance_kind))
        set_(self, "tolerance", _decimal(self.tolerance, "tolerance"))
        set_(self, "share_amber_margin", _decimal(self.share_amber_margin, "share_amber_margin"))
        for name in ("amber_margin", "threshold", "required_share", "aggregate_amount", "baseline"):
            set_(self, name, _optional_decimal(getattr(self, name), name))
        pairs = self.levels.items() if isinstance(self.levels, Mapping) else self.levels
        set_(self, "levels", tuple((int(value), str(label)) for value, label in pairs))

        if self.tolerance < 0 or self.share_amber_margin < 0:
            raise ValueError("A tolerance or margin cannot be negative.")
        if self.amber_margin is not None and self.amber_margin < 0:
            raise ValueError("An amber margin cannot be negative.")
        if self.kind is RuleKind.SHARE_MEET and self.required_share is None:
            raise ValueError("A share rule needs the share of authorities (required_share).")
        if self.required_share is not None and not 0 < self.required_share <= _HUNDRED:
            raise ValueError("A share is more than 0% and at most 100%.")
        if self.kind is RuleKind.AGGREGATE:
            if self.aggregate_amount is None:
                raise ValueError("An aggregate rule needs the amount to reach (aggregate_amount).")
            if self.measure_kind not in NUMBER_KINDS:
                raise ValueError("An aggregate rule needs a numeric measure to add up.")
        if (
            self.kind in {RuleKind.IMPROVEMENT, RuleKind.RATIO_BASELINE}
            and self.measure_kind is MeasureKind.YES_NO
        ):
            raise ValueError(f"A {self.kind} rule cannot work on yes/no values.")

    @property
    def level_labels(self) -> dict[int, str]:
        return dict(self.levels)


@dataclass(frozen=True)
class LineInput:
    """One authority's line of a return for one target.

    ``actual`` is the returned value (for yes/no: 1 is yes, 0 is no; for levels: the level
    number); ``target_value`` is the line's own target (None: the rule's threshold);
    ``earlier`` is the value in the earlier period, used only by the improvement rule;
    ``manual`` is the rating the programme manager gave, if any.
    """

    authority: str
    actual: Decimal | None = None
    target_value: Decimal | None = None
    state: LineState = LineState.VALUE
    manual: Rating | None = None
    earlier: Decimal | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "state", LineState(self.state))
        set_(self, "manual", None if self.manual is None else Rating(self.manual))
        for name in ("actual", "target_value", "earlier"):
            set_(self, name, _optional_decimal(getattr(self, name), name))


@dataclass(frozen=True)
class LineRating:
    """The rating of one line: the computed one, the manual one and the effective one."""

    line: LineInput
    status: Status | None  # None when there is nothing to compare (Grey, NA)
    computed: Rating
    explanation: str
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def authority(self) -> str:
        return self.line.authority

    @property
    def manual(self) -> Rating | None:
        return self.line.manual

    @property
    def effective(self) -> Rating:
        return effective_rating(self.computed, self.manual)

    @property
    def overridden(self) -> bool:
        """True when a manual rating was given and it differs from the computed one."""
        return self.manual is not None and self.manual is not self.computed


@dataclass(frozen=True)
class OverallRating:
    """The rating of a target for a set of authorities (a sub-region or the region).

    ``rating`` is None when the rule cannot be computed from the returns (comparison,
    undecided, a baseline not yet set). ``value`` is the figure the rule judged (the share
    meeting in %, the total, the later mean, the mean ratio), where there is one.
    ``counts`` has one entry per line, by effective rating: "R", "A", "G", "NA", "GREY"
    (Grey: awaiting data, or no value) and "missing" (Grey because no return was made); so
    the counts always add up to the number of lines.
    """

    rating: Rating | None
    explanation: str
    parameters: dict[str, str]
    counts: dict[str, int]
    value: Decimal | None = None


# ---------------------------------------------------------------------------------------------
# Formatting for explanations: numbers without trailing zeros, with thousands separators.
# ---------------------------------------------------------------------------------------------


def _plain(number: Decimal, *, grouped: bool = True) -> str:
    """95.00 → "95", 1E+3 → "1,000" ("1000" if not grouped), 92.790 → "92.79"."""
    if number == 0:
        return "0"
    return f"{number.normalize():{',' if grouped else ''}f}"


def _rounded(number: Decimal, places: int = 2) -> str:
    """A derived figure (a mean, a percentage) rounded for reading: 55.5555 → "55.56"."""
    if number.adjusted() < 20:  # quantize would exceed the context's precision beyond this
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _plain(number)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _levels_words(number: Decimal) -> str:
    return "1 level" if number == 1 else f"{_rounded(number)} levels"


def _level(number: Decimal, rule: RatingRule, *, rounded: bool = False) -> str:
    if number == number.to_integral_value():
        label = rule.level_labels.get(int(number))
        if label:
            return f"level {_plain(number)} ({label})"
    return f"level {_rounded(number) if rounded else _plain(number)}"


def _value(number: Decimal, rule: RatingRule, *, rounded: bool = False) -> str:
    """A value as the Board papers write it: 95%, £1,038k, 20 days, level 3 (well), yes."""
    kind = rule.measure_kind
    if kind in LEVEL_KINDS:
        return _level(number, rule, rounded=rounded)
    if kind is MeasureKind.YES_NO:
        return "yes" if number != 0 else "no"
    return _amount(number, rule, rounded=rounded)


def _sides(direction: Direction) -> tuple[str, str]:
    """The words for the bad and the good side of a target."""
    return ("above", "below") if direction is Direction.LOWER else ("below", "above")


def _lower_note(direction: Direction) -> str:
    return " (lower is better)" if direction is Direction.LOWER else ""


def _amount(number: Decimal, rule: RatingRule, *, rounded: bool = False) -> str:
    """A quantity in the measure's units; for percentages a difference is in points."""
    text = _rounded(number) if rounded else _plain(number)
    kind = rule.measure_kind
    if kind is MeasureKind.PERCENTAGE:
        return f"{text}%"
    if kind is MeasureKind.MONEY:
        return f"-£{text[1:]}k" if text.startswith("-") else f"£{text}k"
    if kind is MeasureKind.DAYS:
        return f"{text} day" if number == 1 else f"{text} days"
    return f"{text} {rule.unit}".strip()


def _gap(number: Decimal, rule: RatingRule) -> str:
    """A difference between two values: percentage points for percentages."""
    if rule.measure_kind is MeasureKind.PERCENTAGE:
        return f"{_rounded(number)} percentage points"
    return _amount(number, rule, rounded=True)


def _tolerance_words(rule: RatingRule) -> str:
    if rule.tolerance_kind is ToleranceKind.RELATIVE:
        return f"the ±{_plain(rule.tolerance)}% tolerance"
    return f"the tolerance of ±{_gap(rule.tolerance, rule)}"


def _amber_words(rule: RatingRule) -> str:
    if rule.measure_kind in LEVEL_KINDS:
        return f"the amber margin of {_levels_words(_level_margin(rule))}"
    if rule.amber_margin is None:
        return f"the amber margin of {_plain(DEFAULT_NUMBER_AMBER_MARGIN)}% of the target"
    if rule.tolerance_kind is ToleranceKind.RELATIVE:
        return f"the amber margin of {_plain(rule.amber_margin)}% of the target"
    return f"the amber margin of {_gap(rule.amber_margin, rule)}"


def _rule_parameters(rule: RatingRule, target: Decimal | None = None) -> dict[str, str]:
    """The parameters a rating used, as strings, for display and audit."""
    params = {
        "rule": str(rule.kind),
        "measure_kind": str(rule.measure_kind),
        "direction": str(rule.direction),
    }
    if rule.measure_kind in LEVEL_KINDS:
        params["tolerance"] = "not applied to levels"
        params["amber_margin"] = _levels_words(_level_margin(rule))
    elif rule.measure_kind is MeasureKind.YES_NO:
        params["tolerance"] = "not applied to yes/no"
        params["amber_margin"] = "none (yes/no)"
    else:
        params["tolerance"] = (
            f"{_plain(rule.tolerance, grouped=False)}{'%' if _relative(rule) else ''}"
            f" {rule.tolerance_kind}"
        )
        if rule.amber_margin is None:
            params["amber_margin"] = f"{_plain(DEFAULT_NUMBER_AMBER_MARGIN)}% of the target"
        elif _relative(rule):
            params["amber_margin"] = f"{_plain(rule.amber_margin, grouped=False)}% of the target"
        else:
            params["amber_margin"] = f"{_plain(rule.amber_margin, grouped=False)} absolute"
    optional = {
        "target": target,
        "threshold": rule.threshold,
        "required_share": rule.required_share if rule.kind is RuleKind.SHARE_MEET else None,
        "aggregate_amount": rule.aggregate_amount if rule.kind is RuleKind.AGGREGATE else None,
        "baseline": rule.baseline if rule.kind is RuleKind.RATIO_BASELINE else None,
    }
    for name, number in optional.items():
        if number is not None:
            params[name] = _plain(number, grouped=False) + ("%" if name == "required_share" else "")
    if rule.kind is RuleKind.SHARE_MEET:
        params["share_amber_margin"] = f"{_plain(rule.share_amber_margin)} percentage points"
    if rule.kind in {RuleKind.IMPROVEMENT, RuleKind.RATIO_BASELINE}:
        del params["amber_margin"]  # a change or a ratio is Amber within the tolerance
    if rule.kind is RuleKind.RATIO_BASELINE:
        params["direction"] = str(Direction.LOWER)
    return params


# ---------------------------------------------------------------------------------------------
# 1. A value against its target: worse / within / better
# ---------------------------------------------------------------------------------------------


def _relative(rule: RatingRule) -> bool:
    return rule.tolerance_kind is ToleranceKind.RELATIVE


def _gain(actual: Decimal, target: Decimal, direction: Direction) -> Decimal:
    """How far the value is on the good side of the target (negative: on the bad side)."""
    return actual - target if direction is Direction.HIGHER else target - actual


def _band(target: Decimal, kind: ToleranceKind, amount: Decimal) -> Decimal:
    """A tolerance or margin as an amount: a % of the target's magnitude, or units as given.

    With a zero target a relative band is zero, so the value is compared exactly: there is
    no "2% of nothing", and dividing by the target is never needed.
    """
    return abs(target) * amount / _HUNDRED if kind is ToleranceKind.RELATIVE else amount


def compare(
    actual: Decimal,
    target: Decimal,
    *,
    measure_kind: MeasureKind | str,
    direction: Direction | str = Direction.HIGHER,
    tolerance_kind: ToleranceKind | str = ToleranceKind.RELATIVE,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> Status:
    """Whether a value is worse than, within or better than its target's tolerance.

    * Numbers (percentage, money, days, count): within when the value is no further from the
      target than the tolerance, on either side (the band is symmetric); better beyond it on
      the good side, worse beyond it on the bad side; the good side is set by ``direction``
      (higher or lower is better). A relative tolerance is a % of the target (±2% by default,
      as in the Lincolnshire return); an absolute one is in units of the measure. With a zero
      target a relative tolerance is zero: equal is within, anything else better or worse.
    * Levels (ordinal, milestone): compared by level; tolerance does not apply. The same
      level is within; a level on the good side is better, on the bad side worse.
    * Yes/no: yes (any non-zero value) meets the target, so is within; no (0) is worse.
      Direction and target do not matter: yes is always the goal.
    """
    kind = MeasureKind(measure_kind)
    actual = _decimal(actual, "actual")
    if kind is MeasureKind.YES_NO:
        return Status.WITHIN if actual != 0 else Status.WORSE
    target = _decimal(target, "target")
    gain = _gain(actual, target, Direction(direction))
    if kind in LEVEL_KINDS:
        band = Decimal(0)
    else:
        band = _band(target, ToleranceKind(tolerance_kind), _decimal(tolerance, "tolerance"))
    if gain > band:
        return Status.BETTER
    if gain < -band:
        return Status.WORSE
    return Status.WITHIN


# ---------------------------------------------------------------------------------------------
# 2. The computed rating of a value, and of a line
# ---------------------------------------------------------------------------------------------


def _level_margin(rule: RatingRule) -> Decimal:
    return DEFAULT_LEVEL_AMBER_MARGIN if rule.amber_margin is None else rule.amber_margin


def _number_amber_band(target: Decimal, rule: RatingRule) -> Decimal:
    """How far short of the target a number may be and still be Amber, as an amount."""
    if rule.amber_margin is None:
        return _band(target, ToleranceKind.RELATIVE, DEFAULT_NUMBER_AMBER_MARGIN)
    return _band(target, rule.tolerance_kind, rule.amber_margin)


_Judgement = tuple[Status, Rating, str]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _rate_yes_no(actual: Decimal) -> _Judgement:
    if actual != 0:
        return Status.WITHIN, Rating.GREEN, "Yes: the target is met: Green."
    return Status.WORSE, Rating.RED, "No: the target is not met (yes/no has no Amber): Red."


def _rate_levels(actual: Decimal, target: Decimal, rule: RatingRule) -> _Judgement:
    """Levels: at or beyond the target level Green; up to the amber margin below Amber."""
    status = compare(actual, target, measure_kind=rule.measure_kind, direction=rule.direction)
    gain = _gain(actual, target, rule.direction)
    bad_side, good_side = _sides(rule.direction)
    head = f"{_capitalised(_value(actual, rule))} against the target of {_value(target, rule)}"
    head += _lower_note(rule.direction)
    levels = _levels_words(abs(gain))
    if status is Status.WITHIN:
        return status, Rating.GREEN, f"{head}: at the target level: Green."
    if status is Status.BETTER:
        return status, Rating.GREEN, f"{head}: {levels} {good_side} it: Green."
    if -gain <= _level_margin(rule):
        return (
            status,
            Rating.AMBER,
            f"{head}: {levels} {bad_side} it, within {_amber_words(rule)}: Amber.",
        )
    return status, Rating.RED, f"{head}: {levels} {bad_side} it, beyond {_amber_words(rule)}: Red."


def _rate_number(actual: Decimal, target: Decimal, rule: RatingRule) -> _Judgement:
    """Numbers: within tolerance or better Green; short by up to the amber margin Amber."""
    status = compare(
        actual,
        target,
        measure_kind=rule.measure_kind,
        direction=rule.direction,
        tolerance_kind=rule.tolerance_kind,
        tolerance=rule.tolerance,
    )
    gain = _gain(actual, target, rule.direction)
    bad_side, good_side = _sides(rule.direction)
    head = f"{_capitalised(_value(actual, rule))} against the target of {_value(target, rule)}"
    head += _lower_note(rule.direction)
    gap = _gap(abs(gain), rule)
    if target != 0:
        gap += f" ({_rounded(abs(gain) / abs(target) * _HUNDRED, 1)}% of the target)"
    tolerance = _tolerance_words(rule)
    if target == 0 and _relative(rule):
        tolerance += " (zero, as the target is zero)"
    amber = _amber_words(rule)

    if status is Status.WITHIN:
        where = "equal to it" if gain == 0 else f"{gap} {good_side if gain > 0 else bad_side} it"
        return status, Rating.GREEN, f"{head}: {where}, within {tolerance}: Green."
    if status is Status.BETTER:
        return status, Rating.GREEN, f"{head}: {gap} {good_side} it, beyond {tolerance}: Green."
    if -gain <= _number_amber_band(target, rule):
        text = f"{head}: {gap} {bad_side} it, beyond {tolerance} but within {amber}: Amber."
        return status, Rating.AMBER, text
    return status, Rating.RED, f"{head}: {gap} {bad_side} it, beyond {tolerance} and {amber}: Red."


def _rate_value(actual: Decimal, target: Decimal, rule: RatingRule) -> _Judgement:
    """Status, rating and explanation of one value against one target (see computed_rating)."""
    if rule.measure_kind is MeasureKind.YES_NO:
        return _rate_yes_no(actual)
    if rule.measure_kind in LEVEL_KINDS:
        return _rate_levels(actual, target, rule)
    return _rate_number(actual, target, rule)


def _rate_change(before: Decimal, after: Decimal, rule: RatingRule) -> _Judgement:
    """A change between two periods: improved beyond the tolerance (around the earlier value)
    Green; no change beyond it Amber; worse beyond it Red. Levels compare exactly. The text is
    a clause: "went from 60% to 64%: improved by 4 percentage points, beyond …: Green." """
    status = compare(
        after,
        before,
        measure_kind=rule.measure_kind,
        direction=rule.direction,
        tolerance_kind=rule.tolerance_kind,
        tolerance=rule.tolerance,
    )
    rating = {Status.BETTER: Rating.GREEN, Status.WITHIN: Rating.AMBER, Status.WORSE: Rating.RED}
    gain = _gain(after, before, rule.direction)
    if rule.measure_kind in LEVEL_KINDS:
        gap, band = _levels_words(abs(gain)), ""
    else:
        gap, band = _gap(abs(gain), rule), f", beyond {_tolerance_words(rule)}"
    verdict = {
        Status.BETTER: f"improved by {gap}{band}",
        Status.WITHIN: f"no change{band.replace(', beyond', ' beyond')}",
        Status.WORSE: f"worse by {gap}{band}",
    }[status]
    text = (
        f"went from {_value(before, rule, rounded=True)} to {_value(after, rule, rounded=True)}"
        f"{_lower_note(rule.direction)}: {verdict}: {rating[status].label}."
    )
    return status, rating[status], text


def _rate_ratio(ratio: Decimal, baseline: Decimal, rule: RatingRule) -> _Judgement:
    """A ratio against its baseline; lower is better. Below it by more than the tolerance
    Green; level with it (within the tolerance) Amber; above it Red. The text is a clause."""
    status = compare(
        ratio,
        baseline,
        measure_kind=rule.measure_kind,
        direction=Direction.LOWER,
        tolerance_kind=rule.tolerance_kind,
        tolerance=rule.tolerance,
    )
    tolerance = _tolerance_words(rule)
    rating, where = {
        Status.BETTER: (Rating.GREEN, f"below the baseline of {_plain(baseline)}, beyond"),
        Status.WITHIN: (Rating.AMBER, f"level with the baseline of {_plain(baseline)}, within"),
        Status.WORSE: (Rating.RED, f"above the baseline of {_plain(baseline)}, beyond"),
    }[status]
    return status, rating, f"is {_rounded(ratio)}, {where} {tolerance}: {rating.label}."


def computed_rating(rule: RatingRule, line: LineInput) -> LineRating:
    """The rating the rule gives a line, with its status and a plain-English explanation.

    * Not applicable → NA. Awaiting data, no return made, no value or no target → Grey.
    * Green when the value is within tolerance of its target or better (see ``compare``).
    * Otherwise Amber or Red by the amber margin, measured from the target:
      - ordinal and milestone measures: up to one level below the threshold is Amber, further
        below is Red (``amber_margin`` sets the number of levels);
      - numbers: a shortfall of up to 10% of the target is Amber, more is Red (``amber_margin``
        sets the %; with an absolute tolerance it is in units of the measure). If the amber
        margin is smaller than the tolerance, every value worse than tolerance is Red;
      - yes/no: no Amber: no is Red.
    The line's target is its own ``target_value``, else the rule's ``threshold``; yes/no needs
    none. Two rules judge a line differently, as they judge the whole target:
      - improvement: the change from the line's ``earlier`` value (see ``_rate_change``);
      - ratio_baseline: the ratio against the line's own target value, else the rule's
        baseline (see ``_rate_ratio``).
    A manual rating does not change the computed one; the explanation says whether it agrees
    or overrides it (see ``LineRating.effective`` and ``LineRating.overridden``).
    """
    target = line.target_value if line.target_value is not None else rule.threshold
    status: Status | None = None
    if line.state is LineState.NOT_APPLICABLE:
        rating, text = Rating.NOT_APPLICABLE, "The target does not apply to this authority."
    elif line.state is LineState.AWAITING:
        rating, text = Rating.GREY, "Awaiting data."
    elif line.state is LineState.NO_RETURN:
        rating, text = Rating.GREY, "No return was made for this authority."
    elif line.actual is None:
        rating, text = Rating.GREY, "No value was given."
    elif rule.kind is RuleKind.IMPROVEMENT:
        target = line.earlier
        if line.earlier is None:
            rating, text = Rating.GREY, "There is no earlier value to measure the change from."
        else:
            status, rating, clause = _rate_change(line.earlier, line.actual, rule)
            text = f"The value {clause}"
    elif rule.kind is RuleKind.RATIO_BASELINE:
        target = line.target_value if line.target_value is not None else rule.baseline
        if target is None:
            rating, text = Rating.GREY, "The baseline has not been set yet."
        else:
            status, rating, clause = _rate_ratio(line.actual, target, rule)
            text = f"The ratio {clause}"
    elif target is None and rule.measure_kind is not MeasureKind.YES_NO:
        rating, text = Rating.GREY, "There is no target value to compare the value with."
    else:
        status, rating, text = _rate_value(line.actual, target or Decimal(0), rule)

    if line.manual is not None:
        if line.manual is rating:
            text += f" The manual rating ({line.manual.label}) agrees."
        else:
            text += f" Rated {line.manual.label} by hand, overriding the computed {rating.label}."
    params = _rule_parameters(rule, target)
    return LineRating(
        line=line, status=status, computed=rating, explanation=text, parameters=params
    )


# ---------------------------------------------------------------------------------------------
# 3. The effective rating of a line
# ---------------------------------------------------------------------------------------------


def effective_rating(computed: Rating, manual: Rating | None) -> Rating:
    """The manual rating where one is given, else the computed one."""
    return computed if manual is None else manual


def worst(ratings: Iterable[Rating]) -> Rating | None:
    """The worst of the R / A / G ratings given (Grey and NA are ignored); None if none."""
    rag = [rating for rating in ratings if rating in RAG_WORST_FIRST]
    return min(rag, key=RAG_WORST_FIRST.index) if rag else None


# ---------------------------------------------------------------------------------------------
# 4. The overall rating of a target for a set of authorities
# ---------------------------------------------------------------------------------------------

_Lines = Sequence[LineRating]
#: What each rule returns: the rating (None: cannot be computed), the explanation, the figure.
_Outcome = tuple[Rating | None, str, Decimal | None]


def _count(lines: _Lines) -> dict[str, int]:
    counts = dict.fromkeys(["R", "A", "G", "GREY", "NA", "missing"], 0)
    for line in lines:
        rating = line.effective
        if rating is Rating.GREY and line.line.state is LineState.NO_RETURN:
            counts["missing"] += 1
        else:
            counts[str(rating)] += 1
    return counts


def _relevant(lines: _Lines) -> list[LineRating]:
    """The lines the target applies to (every line whose effective rating is not NA)."""
    return [line for line in lines if line.effective is not Rating.NOT_APPLICABLE]


def _coverage(
    relevant: _Lines, known: _Lines, what: str = "rated", other: str = "not rated"
) -> str:
    """How much is known: "7 of 9 relevant authorities rated; 1 awaiting data, 1 without a
    return." The other unknown ones are described by ``other``."""
    known_ids = {id(line) for line in known}
    reasons = {"awaiting data": 0, "without a return": 0, other: 0}
    for line in relevant:
        if id(line) in known_ids:
            continue
        if line.line.state is LineState.NO_RETURN:
            reasons["without a return"] += 1
        elif line.line.state is LineState.AWAITING:
            reasons["awaiting data"] += 1
        else:
            reasons[other] += 1
    text = f"{len(known)} of {_plural(len(relevant), 'relevant authority', 'relevant authorities')}"
    text += f" {what}"
    parts = [f"{count} {reason}" for reason, count in reasons.items() if count]
    if parts:
        text += "; " + ", ".join(parts)
    return text + "."


def _excluded(lines: _Lines, relevant: _Lines) -> str:
    left_out = len(lines) - len(relevant)
    return f" {left_out} not applicable, left out." if left_out else ""


def _what_meets(rule: RatingRule) -> str:
    if rule.threshold is None or rule.measure_kind is MeasureKind.YES_NO:
        return "meet their target"
    better = "or lower" if rule.direction is Direction.LOWER else "or better"
    return f"are at {_value(rule.threshold, rule)} {better}"


def _all_meet(rule: RatingRule, lines: _Lines) -> _Outcome:
    """Every relevant authority must meet the threshold: the worst known rating (R < A < G).

    This is how the Derbyshire return's overall row was made. Authorities awaiting data do not
    pull the rating down, they are counted and named instead ("7 of 9 relevant authorities
    rated; 2 awaiting data"): the rating is honest about what is known and says what is not.
    Nothing known → Grey.
    """
    relevant = _relevant(lines)
    known_lines = [line for line in relevant if line.effective in RAG_WORST_FIRST]
    known = [line.effective for line in known_lines]
    coverage = _coverage(relevant, known_lines) + _excluded(lines, relevant)
    if not known:
        return Rating.GREY, f"No authority rated yet: {coverage}", None
    rating = min(known, key=RAG_WORST_FIRST.index)
    green = known.count(Rating.GREEN)
    if rating is Rating.GREEN:
        text = f"All {len(known)} rated authorities {_what_meets(rule)}: Green"
        text += "." if len(known) == len(relevant) else " on what is known."
    else:
        amber, red = known.count(Rating.AMBER), known.count(Rating.RED)
        text = (
            f"Not all authorities {_what_meets(rule)}: {green} of {len(known)} rated are Green, "
            f"{amber} Amber, {red} Red; the worst rating, {rating.label}, is the overall one."
        )
    return rating, f"{text} {coverage}", None


def _share_meet(rule: RatingRule, lines: _Lines) -> _Outcome:
    """A share of the relevant authorities must meet the threshold (be Green).

    The share is over all relevant authorities: those awaiting data count as not meeting
    (conservative; the explanation says how many). Green when the share reaches the required
    share; Amber when it is short by no more than ``share_amber_margin`` percentage points
    (10 by default); Red otherwise. Nothing known → Grey.
    """
    relevant = _relevant(lines)
    known_lines = [line for line in relevant if line.effective in RAG_WORST_FIRST]
    known = [line.effective for line in known_lines]
    coverage = _coverage(relevant, known_lines) + _excluded(lines, relevant)
    if not known:
        return Rating.GREY, f"No authority rated yet: {coverage}", None
    required = _required(rule.required_share, "required_share")
    meeting = known.count(Rating.GREEN)
    share = Decimal(meeting) * _HUNDRED / Decimal(len(relevant))
    margin = rule.share_amber_margin
    if share >= required:
        rating, verdict = Rating.GREEN, "Green"
    elif share >= required - margin:
        rating = Rating.AMBER
        verdict = f"Amber (short by no more than {_plain(margin)} percentage points)"
    else:
        rating = Rating.RED
        verdict = f"Red (short by more than {_plain(margin)} percentage points)"
    text = (
        f"{meeting} of {len(relevant)} relevant authorities {_what_meets(rule)} "
        f"({_rounded(share, 1)}%) against {_plain(required)}% required: {verdict}. {coverage}"
    )
    if len(known) < len(relevant):
        text += " Authorities without a rating count as not meeting the target."
    return rating, text + _excluded(lines, relevant), share


def _with_values(relevant: _Lines) -> list[LineRating]:
    return [
        line
        for line in relevant
        if line.line.state is LineState.VALUE and line.line.actual is not None
    ]


def _aggregate(rule: RatingRule, lines: _Lines) -> _Outcome:
    """The total across the authorities must reach an amount (e.g. NI 179 "£300m per annum").

    The sum of the values returned is judged like a value against its target, with the same
    tolerance and amber margin (see ``computed_rating``). Authorities without a value are
    counted and reported: the total then leaves them out. Nothing known → Grey.
    """
    relevant = _relevant(lines)
    summed = _with_values(relevant)
    coverage = _coverage(relevant, summed, "with a value", "without a value")
    coverage += _excluded(lines, relevant)
    if not summed:
        return Rating.GREY, f"No values yet: {coverage}", None
    amount = _required(rule.aggregate_amount, "aggregate_amount")
    total = sum((line.line.actual for line in summed if line.line.actual is not None), Decimal(0))
    _, rating, text = _rate_value(total, amount, rule)
    text = f"Total of {_plural(len(summed), 'authority', 'authorities')}: {text} {coverage}"
    if len(summed) < len(relevant):
        text += " The total leaves out the authorities without a value."
    return rating, text, total


def _mean(numbers: Sequence[Decimal]) -> Decimal:
    return sum(numbers, Decimal(0)) / Decimal(len(numbers))


def _improvement(rule: RatingRule, lines: _Lines) -> _Outcome:
    """The measure must improve between two periods, across the authorities.

    The mean of the later values is compared with the mean of the earlier ones, over the
    authorities that have both (so both means cover the same authorities), in the measure's
    direction, with the tolerance taken around the earlier mean: improved by more than the
    tolerance → Green; within it (no real change) → Amber; worse → Red (see
    ``_rate_change``). Levels compare exactly. Nothing known → Grey.
    """
    relevant = _relevant(lines)
    paired = [line for line in _with_values(relevant) if line.line.earlier is not None]
    coverage = _coverage(relevant, paired, "with values for both periods", "without both values")
    coverage += _excluded(lines, relevant)
    if not paired:
        return Rating.GREY, f"No authority has values for both periods: {coverage}", None
    before = _mean([line.line.earlier for line in paired if line.line.earlier is not None])
    after = _mean([line.line.actual for line in paired if line.line.actual is not None])
    _, rating, clause = _rate_change(before, after, rule)
    authorities = _plural(len(paired), "authority", "authorities")
    return rating, f"The mean of {authorities} {clause} {coverage}", after


def _ratio_baseline(rule: RatingRule, lines: _Lines) -> _Outcome:
    """A ratio (e.g. red:green flags) must fall below its baseline; lower is always better.

    The ratio judged is the mean of the ratios returned. Below the baseline by more than the
    tolerance → Green; level with it (within the tolerance) → Amber; above it → Red (see
    ``_rate_ratio``). No baseline yet → no rating (None). Nothing known → Grey.
    """
    relevant = _relevant(lines)
    known = _with_values(relevant)
    coverage = _coverage(relevant, known, "with a value", "without a value")
    coverage += _excluded(lines, relevant)
    if not known:
        return Rating.GREY, f"No ratio returned yet: {coverage}", None
    ratio = _mean([line.line.actual for line in known if line.line.actual is not None])
    _, rating, clause = _rate_ratio(ratio, _required(rule.baseline, "baseline"), rule)
    subject = "The ratio" if len(known) == 1 else f"The mean ratio of {len(known)} lines"
    return rating, f"{subject} {clause} {coverage}", ratio


def _computable(rule: RatingRule) -> bool:
    """Whether the region's returns alone can rate the target."""
    if rule.kind is RuleKind.RATIO_BASELINE:
        return rule.baseline is not None
    return rule.kind not in {RuleKind.COMPARISON, RuleKind.UNDECIDED}


def _not_computable(rule: RatingRule, lines: _Lines) -> _Outcome:
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


_RULES: dict[RuleKind, Callable[[RatingRule, _Lines], _Outcome]] = {
    RuleKind.ALL_MEET: _all_meet,
    RuleKind.SHARE_MEET: _share_meet,
    RuleKind.AGGREGATE: _aggregate,
    RuleKind.IMPROVEMENT: _improvement,
    RuleKind.RATIO_BASELINE: _ratio_baseline,
    RuleKind.COMPARISON: _not_computable,
    RuleKind.UNDECIDED: _not_computable,
}


def overall_rating(rule: RatingRule, lines: Sequence[LineRating | LineInput]) -> OverallRating:
    """The rating of a target for a set of authorities, by the target's success rule.

    ``lines`` are the authorities' lines (rated ones, or inputs that are rated here). Before
    the rule: a rule the returns cannot rate gives None (comparison, undecided, a ratio with
    no baseline yet: see ``_not_computable``); no lines at all → Grey; every
    line not applicable → NA. Then the rule's own function decides (``_all_meet``,
    ``_share_meet``, ``_aggregate``, ``_improvement``, ``_ratio_baseline``), and gives Grey
    when nothing is known.
    """
    rated = [
        line if isinstance(line, LineRating) else computed_rating(rule, line) for line in lines
    ]
    params = _rule_parameters(rule)
    counts = _count(rated)
    if not _computable(rule):
        rating, text, value = _not_computable(rule, rated)
    elif not rated:
        rating, text, value = Rating.GREY, "No authorities to rate.", None
    elif not _relevant(rated):
        rating = Rating.NOT_APPLICABLE
        authorities = _plural(len(rated), "authority", "authorities")
        text = f"The target applies to none of these {authorities}."
        value = None
    else:
        rating, text, value = _RULES[rule.kind](rule, rated)
    return OverallRating(
        rating=rating, explanation=text, parameters=params, counts=counts, value=value
    )

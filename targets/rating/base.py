"""The engine's vocabulary and its plain-value inputs and results (no Django, no database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

# ---------------------------------------------------------------------------------------------
# Vocabulary. The values equal the choices of targets.models and returns.models (a test keeps
# them equal); they are repeated here so that the engine never imports the ORM.
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
    TRAJECTORY = "trajectory"  # an improvement plan's commitment (seed 004's key)


class Rating(StrEnum):
    """A RAG rating. Grey is "awaiting data"; NA is "the target does not apply".

    Achieved and Not yet due come from seed 004's key (an improvement plan's monitoring):
    Achieved is "completed on time or ahead of schedule", a state of its own beyond Green;
    Not yet due is "data will be available in a later quarter": nothing is missing yet, so it
    is neither Grey nor counted as awaiting data.
    """

    RED = "R"
    AMBER = "A"
    GREEN = "G"
    ACHIEVED = "ACH"
    NOT_YET_DUE = "NYD"
    GREY = "GREY"
    NOT_APPLICABLE = "NA"

    @property
    def label(self) -> str:
        return _RATING_LABELS[self]


_RATING_LABELS = {
    Rating.RED: "Red",
    Rating.AMBER: "Amber",
    Rating.GREEN: "Green",
    Rating.ACHIEVED: "Achieved",
    Rating.NOT_YET_DUE: "Not yet due",
    Rating.GREY: "Grey",
    Rating.NOT_APPLICABLE: "Not applicable",
}

#: The ratings that say something about performance, worst first: R < A < G < Achieved.
#: Achieved (seed 004: "completed on time or ahead of schedule") meets the target, as Green
#: does, and more: a set of lines is Achieved only when every one of them is.
RAG_WORST_FIRST = (Rating.RED, Rating.AMBER, Rating.GREEN, Rating.ACHIEVED)
#: The ratings that meet the target (a share rule counts them as meeting).
MEETING = frozenset({Rating.GREEN, Rating.ACHIEVED})


class Status(StrEnum):
    """Where a value stands against its target's tolerance: the Lincolnshire return's marks.

    The mark is shown beside the value; it never decides the rating (see ``computed_rating``).
    """

    WORSE = "worse"  # ▲ worse than tolerance
    WITHIN = "within"  # ● within tolerance
    BETTER = "better"  # ★ better than tolerance


class LineState(StrEnum):
    """What a return line holds for one authority."""

    VALUE = "value"  # a value was returned
    MET = "met"  # the return states the target is met, without a figure
    NOT_MET = "not_met"  # the return states the target is not met, without a figure
    AWAITING = "awaiting"  # awaiting data (Grey)
    NOT_APPLICABLE = "not_applicable"  # marked not applicable, with a reason (n/a)
    NO_RETURN = "no_return"  # nothing was returned for the authority (Grey)
    PROGRESS = "progress"  # progress rated by hand, with no figure (an improvement plan's)
    NOT_YET_DUE = "not_yet_due"  # the data comes in a later quarter: not missing (seed 004)


class Scope(StrEnum):
    """Whether a line counts for its target: the API's ``scope`` of a line."""

    IN = "in"  # the target's rule covers the authority: the line counts
    OUTSIDE = "outside"  # reported, but the rule does not cover the authority: never counted
    NOT_APPLICABLE = "not_applicable"  # marked not applicable: left out of every denominator


LEVEL_KINDS = frozenset({MeasureKind.ORDINAL, MeasureKind.MILESTONE})
NUMBER_KINDS = frozenset(
    {MeasureKind.PERCENTAGE, MeasureKind.MONEY, MeasureKind.DAYS, MeasureKind.COUNT}
)

#: ±2% of the target: the Lincolnshire return's tolerance (seed 002, agenda item 8). It only
#: decides the mark beside a value (▲ ● ★), never the rating.
DEFAULT_TOLERANCE = Decimal(2)
#: A number short of its target by up to 10% of the target is Amber; further short is Red.
#: No paper defines an amber margin: this one is set by the partnership.
DEFAULT_NUMBER_AMBER_MARGIN = Decimal(10)
#: A level one below the threshold is Amber; further below is Red (set by the partnership).
DEFAULT_LEVEL_AMBER_MARGIN = Decimal(1)
#: A share of authorities up to 10 percentage points short of the required share is Amber.
DEFAULT_SHARE_AMBER_MARGIN = Decimal(10)
#: How explanations say where the amber margins come from: no paper defines them.
AMBER_MARGIN_ORIGIN = "set by the partnership"

HUNDRED = Decimal(100)


# ---------------------------------------------------------------------------------------------
# Inputs and results
# ---------------------------------------------------------------------------------------------


def as_decimal(value: object, name: str) -> Decimal:
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


def optional_decimal(value: object, name: str) -> Decimal | None:
    return None if value is None else as_decimal(value, name)


def required(value: Decimal | None, name: str) -> Decimal:
    if value is None:  # RatingRule checks this; here for the type checker
        raise ValueError(f"The rule needs {name}.")
    return value


@dataclass(frozen=True)
class Condition:
    """A further condition of a compound rule, judged over the same lines as the main rule.

    The 2008 strategy's target 15 has two: "75% ... in the top two ratings" (the main rule)
    and "No authority will receive the lowest rating" (``Condition(kind="all_meet",
    threshold=2, amber_margin=0, words=...)``). ``words`` are the paper's own.
    """

    kind: RuleKind
    threshold: Decimal | None = None
    strict: bool = False
    required_share: Decimal | None = None
    amber_margin: Decimal | None = None
    words: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", RuleKind(self.kind))
        for name in ("threshold", "required_share", "amber_margin"):
            set_(self, name, optional_decimal(getattr(self, name), name))
        if self.kind not in {RuleKind.ALL_MEET, RuleKind.SHARE_MEET}:
            raise ValueError("A further condition is an all_meet or a share_meet rule.")
        if self.kind is RuleKind.SHARE_MEET and self.required_share is None:
            raise ValueError("A share condition needs the share of authorities.")
        if self.amber_margin is not None and self.amber_margin < 0:
            raise ValueError("An amber margin cannot be negative.")


@dataclass(frozen=True)
class RatingRule:
    """Everything the engine needs to know about one target: its measure and its success rule.

    ``threshold`` is the value every authority must reach when a line has no target value of
    its own; ``strict`` says the threshold itself does not pass ("below 20 days" fails at 20,
    "over achieved" fails at exactly the target), otherwise reaching it meets it ("at least
    95%" passes at 95). ``tolerance`` (a % of the target when relative, else units) only
    decides the worse / within / better mark. ``amber_margin`` (None: the kind's default) is
    how far short is still Amber: in the tolerance's terms for numbers (% of the target, or
    units), a number of levels for ordinal and milestone measures. ``required_share`` is a
    percentage of authorities. ``also`` holds the further conditions of a compound rule.
    ``levels`` gives labels to level numbers for explanations (pairs or a mapping).
    Strings are accepted for the enums (the models' values), ints and strs for the numbers.
    """

    kind: RuleKind
    measure_kind: MeasureKind
    direction: Direction = Direction.HIGHER
    tolerance_kind: ToleranceKind = ToleranceKind.RELATIVE
    tolerance: Decimal = DEFAULT_TOLERANCE
    amber_margin: Decimal | None = None
    threshold: Decimal | None = None
    strict: bool = False
    required_share: Decimal | None = None
    share_amber_margin: Decimal = DEFAULT_SHARE_AMBER_MARGIN
    aggregate_amount: Decimal | None = None
    baseline: Decimal | None = None
    also: tuple[Condition, ...] = ()
    levels: tuple[tuple[int, str], ...] = ()
    unit: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", RuleKind(self.kind))
        set_(self, "measure_kind", MeasureKind(self.measure_kind))
        set_(self, "direction", Direction(self.direction))
        set_(self, "tolerance_kind", ToleranceKind(self.tolerance_kind))
        set_(self, "tolerance", as_decimal(self.tolerance, "tolerance"))
        set_(self, "share_amber_margin", as_decimal(self.share_amber_margin, "share_amber_margin"))
        for name in ("amber_margin", "threshold", "required_share", "aggregate_amount", "baseline"):
            set_(self, name, optional_decimal(getattr(self, name), name))
        set_(self, "strict", bool(self.strict))
        set_(self, "also", tuple(self.also))
        pairs = self.levels.items() if isinstance(self.levels, Mapping) else self.levels
        set_(self, "levels", tuple((int(value), str(label)) for value, label in pairs))

        if self.tolerance < 0 or self.share_amber_margin < 0:
            raise ValueError("A tolerance or margin cannot be negative.")
        if self.amber_margin is not None and self.amber_margin < 0:
            raise ValueError("An amber margin cannot be negative.")
        if self.kind is RuleKind.SHARE_MEET and self.required_share is None:
            raise ValueError("A share rule needs the share of authorities (required_share).")
        if self.required_share is not None and not 0 < self.required_share <= HUNDRED:
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
    ``manual`` is the rating the sub-region gave the line by hand, if any; ``in_scope`` is
    False for a line reported for an authority the target's rule does not cover.
    """

    authority: str
    actual: Decimal | None = None
    target_value: Decimal | None = None
    state: LineState = LineState.VALUE
    manual: Rating | None = None
    earlier: Decimal | None = None
    in_scope: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "state", LineState(self.state))
        set_(self, "manual", None if self.manual is None else Rating(self.manual))
        for name in ("actual", "target_value", "earlier"):
            set_(self, name, optional_decimal(getattr(self, name), name))
        set_(self, "in_scope", bool(self.in_scope))


@dataclass(frozen=True)
class LineRating:
    """The rating of one line: the rule's (``computed``), the sub-region's (``manual``), and the
    one that stands (``effective``), with the mark against tolerance and the explanation."""

    line: LineInput
    status: Status | None  # the mark; None when there is nothing to compare (Grey, NA)
    computed: Rating
    explanation: str
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def authority(self) -> str:
        return self.line.authority

    @property
    def manual(self) -> Rating | None:
        return self.line.manual

    @cached_property
    def effective(self) -> Rating:
        # Worked out once per line: an overall rating asks each line for it several times
        # (counts, known, worst...), and a region's refresh aggregates thousands of lines.
        # The instance is frozen, so the cached value cannot go stale.
        return effective_rating(self.computed, self.manual, state=self.line.state)

    @property
    def scope(self) -> Scope:
        if self.line.state is LineState.NOT_APPLICABLE:
            return Scope.NOT_APPLICABLE
        return Scope.IN if self.line.in_scope else Scope.OUTSIDE

    @property
    def counted(self) -> bool:
        """Whether the line counts in overall ratings: in the rule's scope and applicable."""
        return self.scope is Scope.IN

    @property
    def overridden(self) -> bool:
        """True when the sub-region's own rating of the line differs from the rule's: both are
        shown, and the rule's counts (a shortfall is never Green, whoever says so)."""
        return (
            self.manual is not None
            and self.computed in RAG_WORST_FIRST
            and self.manual is not self.computed
        )

    @property
    def stands_in(self) -> bool:
        """True when the sub-region's own rating stands because the rule had nothing to rate."""
        return self.manual is not None and self.computed not in RAG_WORST_FIRST


@dataclass(frozen=True)
class OverallRating:
    """The rating of a target for a set of authorities (a sub-region or the region).

    ``rating`` is None when the rule cannot be computed from the returns (comparison,
    undecided, a baseline not yet set). ``value`` is the figure the rule judged (the share
    meeting in %, the total, the later mean, the mean ratio), where there is one.
    ``counts`` has one entry per line, by effective rating among the counted lines: "R",
    "A", "G", "GREY" (awaiting data or no value), "missing" (Grey because no return was
    made), "NA" (marked not applicable) and "outside" (reported outside the target's scope,
    never counted); so the counts always add up to the number of lines. ``relevant`` is the
    number of counted lines (the denominator), ``known`` how many of them are rated R, A or G.
    """

    rating: Rating | None
    explanation: str
    parameters: dict[str, str]
    counts: dict[str, int]
    value: Decimal | None = None
    relevant: int = 0
    known: int = 0


def effective_rating(
    computed: Rating, manual: Rating | None, *, state: LineState | str = LineState.VALUE
) -> Rating:
    """The rating that stands for a line: the rule's wherever it rated the line R, A or G
    (one rule for everyone: a shortfall is never Green, whoever says so); else the
    sub-region's own R, A or G rating, which stands in where the rule had nothing to rate
    (no value given); else the computed Grey or NA. A line marked not applicable is NA."""
    if LineState(state) is LineState.NOT_APPLICABLE:
        return Rating.NOT_APPLICABLE
    if computed in RAG_WORST_FIRST:
        return computed
    if manual is not None and manual in RAG_WORST_FIRST:
        return manual
    return computed

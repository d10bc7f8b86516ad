"""The rating engine: how a value, a return line and a target are rated Red / Amber / Green.

The Steering Group found the sub-regions' returns "inconsistent in the allocating of the RAG
ratings" (seed 002, agenda item 8, §3.1). This package is the one rule for everyone. It is
made of pure functions over plain values (dataclasses, ``Decimal``, ``str`` enums): it imports
no Django model and never touches the database, so it can be used from services, the API,
management commands and tests alike. Ratings are computed here once, when a line or its
target changes, and stored (returns.rating); every reader reads the stored rating.

The one line rule (README, and the key of every page and paper)
----------------------------------------------------------------
**Green** when the value meets the target as worded: its direction, and whether the threshold
itself passes ("at least 95%" passes at 95.00; "below 20 days" fails at 20). **Amber** when it
falls short by no more than the target's amber margin (set by the partnership: no paper
defines one; 10% of the target for numbers, one level for levels). **Red** beyond it. A
shortfall is never Green. The tolerance (±2%, the Lincolnshire return's) has one job: the
worse / within / better mark shown beside the value (▲ ● ★).

Where each rule lives
---------------------
1. The mark beside a value: worse / within / better ................ ``lines.compare``
2. A value against its target (R / A / G) ................................ ``lines.judge``
3. The computed rating of one line (R / A / G, Grey, NA) ........ ``lines.computed_rating``
4. The rating that stands (the rule's; the sub-region's only where
   the rule had nothing to rate) ................................... ``base.effective_rating``
5. The overall rating of a target for a set of authorities .... ``overall.overall_rating``
6. The sub-region's own overall rating beside the computed one ...... ``lines.reported_note``
7. An improvement plan's commitment against its trajectory
   (seed 004's key: Green, Amber, Red, Achieved) ............ ``trajectory.judge_trajectory``
8. How authorities' ratings moved between two quarters ................ ``moves.line_moves``

Seed 004 adds two states of its own: **Achieved** (completed on time or ahead of schedule: the
final target met), beyond Green in every order and count; and **not yet due** ("data will be
available in Qrt 2"), which is not missing data: never Grey, never counted as awaiting.

Every result carries a plain-English ``explanation`` and the rule ``parameters`` used.
"""

from .base import (
    AMBER_MARGIN_ORIGIN,
    DEFAULT_LEVEL_AMBER_MARGIN,
    DEFAULT_NUMBER_AMBER_MARGIN,
    DEFAULT_SHARE_AMBER_MARGIN,
    DEFAULT_TOLERANCE,
    MEETING,
    RAG_WORST_FIRST,
    Condition,
    Direction,
    LineInput,
    LineRating,
    LineState,
    MeasureKind,
    OverallRating,
    Rating,
    RatingRule,
    RuleKind,
    Scope,
    Status,
    ToleranceKind,
    effective_rating,
)
from .judging import compare, judge, meets
from .lines import computed_rating, reported_differs, reported_note, worst
from .moves import MOVE_RANK, Moves, line_marks, line_moves
from .overall import COUNT_KEYS, PLAN_COUNT_KEYS, computable, overall_rating
from .trajectory import judge_trajectory
from .wording import rule_parameters

__all__ = [
    "AMBER_MARGIN_ORIGIN",
    "COUNT_KEYS",
    "DEFAULT_LEVEL_AMBER_MARGIN",
    "DEFAULT_NUMBER_AMBER_MARGIN",
    "DEFAULT_SHARE_AMBER_MARGIN",
    "DEFAULT_TOLERANCE",
    "MEETING",
    "MOVE_RANK",
    "PLAN_COUNT_KEYS",
    "RAG_WORST_FIRST",
    "Condition",
    "Direction",
    "LineInput",
    "LineRating",
    "LineState",
    "MeasureKind",
    "Moves",
    "OverallRating",
    "Rating",
    "RatingRule",
    "RuleKind",
    "Scope",
    "Status",
    "ToleranceKind",
    "compare",
    "computable",
    "computed_rating",
    "effective_rating",
    "judge",
    "judge_trajectory",
    "line_marks",
    "line_moves",
    "meets",
    "overall_rating",
    "reported_differs",
    "reported_note",
    "rule_parameters",
    "worst",
]

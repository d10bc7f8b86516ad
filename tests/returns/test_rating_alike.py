"""returns.rating.AlikeRated: lines alike are rated once, each exactly as ``rate`` rates it.

No database: the lines are unsaved instances and the rules are the engine's own.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from returns.models import LineScope, LineState, ReturnLine
from returns.rating import AlikeRated, rate
from targets.rating import RatingRule

RULES = {
    1: RatingRule(kind="all_meet", measure_kind="percentage", threshold=Decimal(95)),
    2: RatingRule(kind="all_meet", measure_kind="days", direction="lower", threshold=20),
}
RATED = ("status", "computed_rating", "effective_rating", "counted", "explanation")


def line(target: int, **fields) -> ReturnLine:
    return ReturnLine(target_id=target, **{"state": LineState.VALUE, **fields})


def rated(made: ReturnLine) -> tuple:
    return tuple(getattr(made, name) for name in RATED)


LINES = [
    line(1, actual=Decimal(96)),
    line(1, actual=Decimal(96)),  # alike: the same result
    line(1, actual=Decimal("96.0000")),  # the same figure, written otherwise
    line(1, actual=Decimal(90)),
    line(1, actual=Decimal(96), target_value=Decimal(97)),
    line(1, actual=Decimal(96), scope=LineScope.OUTSIDE),
    line(1, state=LineState.AWAITING),
    line(1, state=LineState.AWAITING, manual_rating="A", manual_reason="Survey late"),
    line(2, actual=Decimal(96)),  # the same input under another rule
    line(2, actual=Decimal(19)),
]


@pytest.mark.parametrize("index", range(len(LINES)))
def test_each_line_gets_what_rate_gives_it(index):
    rater = AlikeRated(RULES)
    alike = [line(made.target_id, **_fields(made)) for made in LINES]
    for made in alike:
        rater.rate(made)
    alone = line(LINES[index].target_id, **_fields(LINES[index]))
    rate(alone, RULES[alone.target_id])

    assert rated(alike[index]) == rated(alone)


def test_the_engine_is_asked_once_per_distinct_input(monkeypatch):
    from returns import rating

    asked = []
    real = rating.computed_rating
    monkeypatch.setattr(rating, "computed_rating", lambda *a: asked.append(1) or real(*a))
    rater = AlikeRated(RULES)
    for made in LINES:
        rater.rate(line(made.target_id, **_fields(made)))

    assert len(asked) == len(LINES) - 1  # the second 96 only is shared


def _fields(made: ReturnLine) -> dict:
    names = ("state", "actual", "target_value", "manual_rating", "manual_reason", "scope")
    return {name: getattr(made, name) for name in names}

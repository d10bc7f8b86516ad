"""How authorities' ratings moved between two quarters (targets.rating.moves): pure, no database."""

from decimal import Decimal

import pytest

from targets.rating import (
    LineInput,
    LineRating,
    Moves,
    Rating,
    RatingRule,
    computed_rating,
    line_marks,
    line_moves,
)

AT_LEAST_95 = RatingRule(kind="all_meet", measure_kind="percentage", threshold=Decimal(95))


def rated(actual=None, **kwargs) -> LineRating:
    value = Decimal(actual) if actual is not None else None
    return computed_rating(AT_LEAST_95, LineInput("An authority", value, **kwargs))


@pytest.mark.parametrize(
    ("line", "mark"),
    [
        (rated(96), "G"),
        (rated(90), "A"),
        (rated(50), "R"),
        (rated(state="awaiting"), None),  # Grey: nothing known to move
        (rated(state="not_applicable"), None),
        (rated(96, in_scope=False), None),  # outside the rule's scope: never counted
        (rated(state="not_yet_due"), None),
        (rated(50, manual=Rating.GREEN), "R"),  # the rating that stands, not the hand's
    ],
)
def test_a_line_is_marked_when_counted_and_red_amber_green_or_achieved(line, mark):
    marks = line_marks([(7, line)])

    assert marks == ({"7": mark} if mark else {})


def test_achieved_is_marked_beyond_green():
    achieved = LineRating(
        line=LineInput("An authority"), status=None, computed=Rating.ACHIEVED, explanation=""
    )

    assert line_marks([(3, achieved)]) == {"3": "ACH"}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"1": "R"}, {"1": "A"}, Moves(improved=1)),
        ({"1": "G"}, {"1": "ACH"}, Moves(improved=1)),
        ({"1": "ACH"}, {"1": "G"}, Moves(worse=1)),
        ({"1": "G"}, {"1": "R"}, Moves(worse=1)),
        ({"1": "A"}, {"1": "A"}, Moves(same=1)),
        ({"1": "A"}, {"2": "G"}, Moves()),  # marked in one quarter only: not a movement
        ({}, {"1": "G"}, Moves()),
        (
            {"1": "R", "2": "G", "3": "A", "4": "G"},
            {"1": "G", "2": "A", "3": "A", "5": "R"},
            Moves(improved=1, worse=1, same=1),
        ),
    ],
)
def test_movements_pair_the_authorities_marked_in_both_quarters(before, after, expected):
    assert line_moves(before, after) == expected

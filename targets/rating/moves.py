"""How authorities' ratings moved between two quarters (the comparison of two quarters).

The business rule: an authority's line improved, got worse or stayed the same when it is
counted and rated Red, Amber, Green or Achieved in both quarters, Red < Amber < Green <
Achieved (seed 004: Achieved is beyond Green in every order). A line that is Grey, not yet
due, not applicable, outside the target's scope, or missing in either quarter is not a
movement: nothing is known to have moved.

``line_marks`` takes what a movement needs from a set of rated lines (kept with each stored
overall rating, so that a comparison reads no line); ``line_moves`` pairs two quarters' marks.
Pure functions over plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .base import LineRating, Rating

__all__ = ["MOVE_RANK", "Moves", "line_marks", "line_moves"]

#: The ratings a movement compares, worst first.
MOVE_RANK: dict[str, int] = {
    Rating.RED.value: 0,
    Rating.AMBER.value: 1,
    Rating.GREEN.value: 2,
    Rating.ACHIEVED.value: 3,
}


@dataclass(frozen=True)
class Moves:
    """How many authorities' lines improved, got worse or stayed the same."""

    improved: int = 0
    worse: int = 0
    same: int = 0


def line_marks(lines: Iterable[tuple[int, LineRating]]) -> dict[str, str]:
    """The marks a movement compares, by authority id (as text: they are kept as JSON): the
    effective rating of each counted line rated R, A, G or Achieved; other lines are left
    out. ``lines``: (authority id, the line's rating) pairs."""
    marks = {}
    for authority_id, rating in lines:
        code = rating.effective.value
        if code in MOVE_RANK and rating.counted:
            marks[str(authority_id)] = code
    return marks


def line_moves(before: Mapping[str, str], after: Mapping[str, str]) -> Moves:
    """The authorities marked in both quarters, by how their rating moved (``MOVE_RANK``)."""
    improved = worse = same = 0
    earlier_of = dict(before.items())  # a plain dict's lookups, whatever mapping is given
    for authority, code in after.items():
        earlier = earlier_of.get(authority)
        if earlier is None:
            continue
        moved = MOVE_RANK[code] - MOVE_RANK[earlier]
        if moved > 0:
            improved += 1
        elif moved < 0:
            worse += 1
        else:
            same += 1
    return Moves(improved=improved, worse=worse, same=same)

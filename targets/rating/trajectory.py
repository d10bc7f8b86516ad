"""An improvement plan's commitment against its trajectory: seed 004's key as a rule.

Seed 004 (a county council's CPA Improvement Plan and MTCS monitoring, Q1 2008/09) rates each
commitment on its own key: "Green – On Trajectory; Amber – Off Trajectory, but With Prospects
For Recovery With Remedial Action; Red – Off Trajectory and there is Little Prospect Remedial
Activity Will Get Indicator Trajectory Back On Target; Achieved – Completed on time or ahead of
schedule". Where a commitment has numbers, the rule below applies that key to them; where it
has none, the council rates its progress by hand, with its comment, and that rating stands
(``base.effective_rating``: the rule has nothing to rate).

The trajectory rule (README, and the key of every page and paper that shows a plan)
-------------------------------------------------------------------------------------
* **Achieved** when the value meets the commitment's final target as worded (the target's
  threshold: seed 004's permanent exclusions "Year 3 reward target of 69").
* Otherwise, against the year's trajectory point (the line's own target value: the year
  target of the commitment for the year the figure is for, e.g. "the Year 2 target of 110"):
  **Green** on it or better; **Amber** behind it by no more than the amber margin (set by the
  partnership: the paper defines none; 10% of the point for numbers by default); **Red**
  further behind.
* Without a trajectory point for the year the rule cannot say whether the commitment is on
  trajectory: the line is not rated by the rule (Grey), and the council's own rating, if it
  gave one, stands in. Without a figure, likewise.

Pure functions over plain values: no Django, no database.
"""

from __future__ import annotations

from decimal import Decimal

from .base import Rating, RatingRule, Status
from .judging import compare, judge, meets
from .wording import against, capitalised, value

__all__ = ["judge_trajectory"]


def judge_trajectory(
    actual: Decimal, point: Decimal | None, rule: RatingRule
) -> tuple[Status | None, Rating, str]:
    """A commitment's figure against its final target (``rule.threshold``) and the year's
    trajectory ``point``: Achieved when the final target is met, else Green / Amber / Red
    against the point (``lines.judge``), else Grey without a point (see the module).

    Returns the mark beside the value (against the point, or against the final target when
    it is Achieved; none without a point), the rating and a plain-English explanation."""
    final = rule.threshold
    if final is not None and meets(actual, final, direction=rule.direction, strict=rule.strict):
        status = compare(
            actual,
            final,
            measure_kind=rule.measure_kind,
            direction=rule.direction,
            tolerance_kind=rule.tolerance_kind,
            tolerance=rule.tolerance,
        )
        text = (
            f"{capitalised(value(actual, rule))} against the final target "
            f"({against(final, rule)}): met: Achieved."
        )
        return status, Rating.ACHIEVED, text
    if point is None:
        text = (
            f"{capitalised(value(actual, rule))}: there is no trajectory point for the year to "
            "say whether it is on trajectory, so the rule does not rate it"
        )
        if final is not None:
            text += f"; the final target ({against(final, rule)}) is not yet met"
        return None, Rating.GREY, text + "."
    head = (
        f"{capitalised(value(actual, rule))} against the year's trajectory ({against(point, rule)})"
    )
    status, rating, text = judge(
        actual,
        point,
        rule,
        head=head,
        reference="the trajectory point",
        met="on trajectory",
        equal="level with it, which is not on trajectory",
    )
    if final is not None:
        text += f" The final target ({against(final, rule)}) is not yet met."
    return status, rating, text

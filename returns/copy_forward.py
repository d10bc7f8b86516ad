"""Copy forward: start a quarter's return from what the same sub-region returned last quarter.

Many values change once a year (CAA scores, Use of Resources levels, star ratings), so a
programme manager's first step each quarter is to carry last quarter's figures forward and then
change what moved. What is copied, and what is not:

* Only into lines that are still empty: awaiting data and without a value. A line with a value,
  or marked not applicable or "no return", is somebody's entry and is never touched.
* Within such a line, each field only where it is still unset, so nothing entered is lost:
  - the value, with the state "value given"; a "met" or "not met" statement; a not-applicable
    line stays not applicable, with its reason ("no return" is not carried forward: last
    quarter's missing return says nothing of this one);
  - the target value, when the line still has the target's threshold that opening the return
    gave it (or none);
  - the date of the data (kept as it was: it shows the figure is last quarter's);
  - the comment and the source of the figure.
* Manual ratings and their reasons are NOT copied: a manual rating is the programme manager's
  judgement of that quarter, and this quarter's must be made afresh (the copied values are
  rated again by the rule).

Everything goes through returns.services.update_lines, so the copy is checked, rated,
versioned, saved and recorded in each line's history with the channel "copy forward from
2009/10 Q2". Each line filled is marked ``copied_forward`` (shown in the grid) until it is
written again by any other channel.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import permissions
from .models import LineState, Return, ReturnLine
from .periods import Quarter
from .services import UpdateResult, update_lines


class NoPreviousReturn(ValidationError):
    """The sub-region made no return for this target set in the previous quarter."""


def previous_return(return_obj: Return) -> Return | None:
    """The same sub-region's return for the same target set in the quarter before."""
    quarter = return_obj.period.previous()
    return (
        Return.objects.filter(
            sub_region_id=return_obj.sub_region_id, target_set_id=return_obj.target_set_id
        )
        .for_quarter(quarter)
        .first()
    )


def is_empty(line: ReturnLine) -> bool:
    """A line nobody has entered anything decisive into yet: awaiting data, no value."""
    return line.state == LineState.AWAITING and line.actual is None


def carried_values(earlier: ReturnLine, line: ReturnLine) -> dict[str, Any]:
    """The fields of an empty `line` to take from last quarter's `earlier` line."""
    values: dict[str, Any] = {}
    if earlier.state == LineState.VALUE and earlier.actual is not None:
        values["state"] = LineState.VALUE
        values["actual"] = earlier.actual
    elif earlier.state in {LineState.MET, LineState.NOT_MET}:
        values["state"] = earlier.state
    elif earlier.state == LineState.NOT_APPLICABLE:
        values["state"] = LineState.NOT_APPLICABLE
        values["state_reason"] = earlier.state_reason or "Not applicable last quarter."
    default_target = line.target.threshold
    if (
        earlier.target_value is not None
        and earlier.target_value != line.target_value
        and (line.target_value is None or line.target_value == default_target)
    ):
        values["target_value"] = earlier.target_value
    if earlier.date_of_data and not line.date_of_data:
        values["date_of_data"] = earlier.date_of_data
    if earlier.comment.strip() and not line.comment.strip():
        values["comment"] = earlier.comment
    if earlier.source.strip() and not line.source.strip():
        values["source"] = earlier.source
    return values


def channel_for(quarter: Quarter) -> str:
    return f"copy forward from {quarter.label}"


@transaction.atomic
def copy_forward(*, return_obj: Return, actor) -> UpdateResult:
    """Fill the return's empty lines from the previous quarter's return (see the module).

    Raises PermissionDenied (not the actor's sub-region), ReturnLocked (submitted or approved),
    NoPreviousReturn, or StaleReturn (someone wrote meanwhile). Returns update_lines' result:
    the lines changed (none when there was nothing to copy).
    """
    if not permissions.can_edit_sub_region(actor, return_obj.sub_region_id):
        raise PermissionDenied("You may only change the returns of your own sub-region.")
    current = Return.objects.select_related("sub_region", "target_set").get(pk=return_obj.pk)
    earlier_return = previous_return(current)
    quarter = current.period.previous()
    if earlier_return is None:
        raise NoPreviousReturn(
            f"There is no {quarter.label} return for {current.sub_region} against "
            f"{current.target_set.title}: nothing to copy forward."
        )
    earlier_lines = {
        (line.authority_id, line.target_id): line for line in earlier_return.lines.all()
    }
    changes: dict[tuple[int, int], dict[str, Any]] = {}
    for line in current.lines.select_related("target"):
        key = (line.authority_id, line.target_id)
        if key not in earlier_lines or not is_empty(line):
            continue
        values = carried_values(earlier_lines[key], line)
        if values:
            changes[key] = values
    result = update_lines(
        return_obj=current,
        changes=changes,
        actor=actor,
        channel=channel_for(quarter),
        base_version=current.version,
        copied=True,
    )
    return_obj.version = result.version
    return result

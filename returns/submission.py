"""What a submission records beside the step itself: the lines still awaiting data (with the
programme manager's reason for each, or one confirmation for all) and whether the return came
in on time (returns.deadlines).

Business rules
--------------
* A line **awaits data** when it counts (in the target's scope, not marked not applicable) and
  its state is "awaiting data": nothing was given for it, not even "met" or "not met".
* Submitting a return with such lines is allowed, but the page asks first: a reason for each
  line, or one confirmation for all (``awaiting_problem``). Whatever the channel, the
  submission records the lines that were awaiting data, with the reasons given.
* Timeliness is recorded at the first submission only, against the deadline then in force.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone

from .deadlines import deadline_for, on_time
from .models import LineScope, LineState, Return, ReturnLine


def awaiting_lines(return_obj: Return) -> list[ReturnLine]:
    """The return's lines still awaiting data, in the grid's order (one query)."""
    return list(
        ReturnLine.objects.filter(
            return_obj=return_obj, state=LineState.AWAITING, scope=LineScope.IN
        )
        .select_related("authority", "target")
        .order_by("authority__short_name", "target__priority", "target__number")
    )


def where(line: ReturnLine) -> str:
    return f"{line.authority.short_name}, target {line.target.number}"


def awaiting_record(lines: list[ReturnLine], reasons: Mapping[int, str]) -> list[dict]:
    """What the submission's transition keeps of the awaiting lines."""
    return [
        {"line": line.pk, "where": where(line), "reason": (reasons.get(line.pk) or "").strip()}
        for line in lines
    ]


def awaiting_problem(
    lines: list[ReturnLine], reasons: Mapping[int, str], *, confirmed: bool
) -> str:
    """Why a submission with awaiting lines may not go yet ("" when it may): every line needs
    its reason, unless all are confirmed at once."""
    if not lines or confirmed:
        return ""
    missing = [line for line in lines if not (reasons.get(line.pk) or "").strip()]
    if not missing:
        return ""
    count = len(missing)
    return (
        f"{count} line{'s' if count != 1 else ''} still await{'s' if count == 1 else ''} data "
        "without a reason: give a reason for each, or confirm that you submit them all as "
        "awaiting data."
    )


def record_timeliness(return_obj: Return) -> None:
    """At the first submission: when, the deadline in force, and whether it was met."""
    if return_obj.submitted_at is not None:
        return
    now = timezone.now()
    deadline = deadline_for(return_obj.target_set_id, return_obj.period)
    due = deadline.due if deadline else None
    Return.objects.filter(pk=return_obj.pk).update(
        submitted_at=now,
        submitted_due=due,
        submitted_on_time=on_time(submitted_on=timezone.localdate(now), due=due),
    )

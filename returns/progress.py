"""An improvement plan's progress, as its monitoring records it (seed 004's key).

One choice per commitment stands for the paper's "Red/ Amber Green/Achieved" column and its
"N/A – Data will be available in Qrt 2" notes, and one text for its "Comments on progress";
``progress_fields`` turns them (with a figure and the year's trajectory point where the
commitment has numbers) into the return line's fields, which returns.services writes as for
any line: rated by the engine (the trajectory rule), versioned, audited, overall ratings kept.

The rule (pure, no database):

* Green / Amber / Red / Achieved without a figure → "progress rated by hand", the comment its
  reason: the council's rating stands (the rule has nothing to rate).
* Green / Amber / Red / Achieved with a figure → a value, rated by the trajectory rule; the
  council's rating is kept beside the rule's, with the comment as its reason.
* "Not yet due" → not yet due; the comment says when the data comes (required). Never awaiting
  data, never counted as missing.
* "Not applicable" → marked not applicable; the comment says why (required).
* No rating → awaiting (a value, if a figure is given); the comment is kept as a comment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .models import LineState, Rating, ReturnLine

__all__ = [
    "NOT_APPLICABLE",
    "NOT_YET_DUE",
    "PROGRESS_CHOICES",
    "ProgressProblem",
    "current_progress",
    "progress_fields",
]

NOT_YET_DUE = "not_yet_due"
NOT_APPLICABLE = "not_applicable"
#: The choices of the progress column: the plan's key, then the two states of its notes.
PROGRESS_CHOICES = [
    ("", "No rating yet"),
    (Rating.GREEN.value, "Green: on trajectory"),
    (Rating.AMBER.value, "Amber: off trajectory, can recover"),
    (Rating.RED.value, "Red: off trajectory, little prospect"),
    (Rating.ACHIEVED.value, "Achieved: completed on time or early"),
    (NOT_YET_DUE, "Not yet due: data in a later quarter"),
    (NOT_APPLICABLE, "Not applicable"),
]
_RATED = {Rating.GREEN.value, Rating.AMBER.value, Rating.RED.value, Rating.ACHIEVED.value}


class ProgressProblem(ValueError):
    """What is missing for the progress chosen; the message says what to give."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def progress_fields(
    *,
    progress: str,
    comment: str,
    value: Decimal | None = None,
    target_value: Decimal | None = None,
) -> dict[str, Any]:
    """The line fields for one commitment's progress (see the module's rule). Raises
    ProgressProblem when the comment the progress needs is missing."""
    comment = comment.strip()
    fields: dict[str, Any] = {
        "actual": value,
        "target_value": target_value,
        "manual_rating": "",
        "manual_reason": "",
        "state_reason": "",
        "comment": "",
    }
    if progress in _RATED:
        if not comment:
            raise ProgressProblem("comment", "Give the comment on progress for the rating.")
        fields.update(manual_rating=progress, manual_reason=comment)
        fields["state"] = LineState.VALUE if value is not None else LineState.PROGRESS
    elif progress in {NOT_YET_DUE, NOT_APPLICABLE}:
        if value is not None:
            raise ProgressProblem("value", "A figure is given: rate it, or leave the figure out.")
        if not comment:
            words = (
                "Say when the data will come (\u201cData will be available in Qrt 2\u201d)."
                if progress == NOT_YET_DUE
                else "Say why the commitment does not apply this quarter."
            )
            raise ProgressProblem("comment", words)
        fields["state"] = LineState(progress)
        fields["state_reason"] = comment
    elif progress == "":
        fields["state"] = LineState.VALUE if value is not None else LineState.AWAITING
        fields["comment"] = comment
    else:
        raise ProgressProblem("progress", f"{progress!r} is not on the plan's key.")
    return fields


def current_progress(line: ReturnLine) -> tuple[str, str]:
    """The progress choice and the comment a stored line shows (the inverse of
    ``progress_fields``)."""
    if line.state in {LineState.NOT_YET_DUE, LineState.NOT_APPLICABLE}:
        return str(line.state), line.state_reason
    if line.manual_rating:
        return line.manual_rating, line.manual_reason
    return "", line.comment

"""Minutes and actions: what a meeting's page lists, and every write to them.

The rule of the actions log (issue 13): an action raised at a meeting stays open until someone
marks it done, and every open action carries to each later meeting of the same body, on its
page and in its pack, until it is done. ``meeting_actions`` reads it in two queries.

Writes are small services: keyword-only, atomic, ``full_clean`` before each save, the actor
kept in the history (django-simple-history), and a refusal as a ``MeetingRefused`` whose
message says what is wrong; a refused write changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .models import Action, ActionStatus, AgendaItem, Decision, Meeting

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = [
    "MeetingActions",
    "MeetingRefused",
    "carry_action",
    "mark_action_done",
    "meeting_actions",
    "record_action",
    "record_decision",
]


class MeetingRefused(ValidationError):
    """A refused write to the minutes or the actions log (nothing was changed)."""


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class MeetingActions:
    """A meeting's actions: those raised at it, and those carried to it (raised at an earlier
    meeting of the same body and still open, or due at this one)."""

    raised: list[Action]
    carried: list[Action]


def _with_meetings(queryset):
    return queryset.select_related("raised_at", "due_meeting", "agenda_item")


def meeting_actions(meeting: Meeting) -> MeetingActions:
    """The actions a meeting's page and pack list (two queries)."""
    raised = list(_with_meetings(meeting.actions.all()).order_by("number"))
    # The same Board: its body, in its region (each region's Board keeps its own actions).
    earlier = Q(
        raised_at__region_id=meeting.region_id,
        raised_at__body=meeting.body,
        raised_at__date__lt=meeting.date,
    )
    carried = list(
        _with_meetings(
            Action.objects.filter(
                (earlier & Q(status=ActionStatus.OPEN)) | Q(due_meeting=meeting)
            ).exclude(raised_at=meeting)
        ).order_by("raised_at__date", "number")
    )
    return MeetingActions(raised=raised, carried=carried)


# --------------------------------------------------------------------------- writing


def _refuse(message: str | dict) -> None:
    raise MeetingRefused(message)


def _checked(row, *, actor: AbstractBaseUser | None) -> None:
    """``full_clean`` then save, with the actor in the row's history; a model's refusal is
    raised as ``MeetingRefused``."""
    try:
        row.full_clean()
    except ValidationError as error:
        raise MeetingRefused(error.message_dict) from error
    row._history_user = actor
    row.save()


@transaction.atomic
def record_decision(
    *,
    meeting: Meeting,
    number: int,
    text: str,
    actor: AbstractBaseUser | None,
    agenda_item: AgendaItem | None = None,
    source: str = "",
) -> Decision:
    """Decision ``number`` of the meeting's minutes (one per number; the item, if given, must be
    on the meeting's agenda)."""
    if not text.strip():
        _refuse({"text": "Write what the meeting decided."})
    decision = Decision(
        meeting=meeting, agenda_item=agenda_item, number=number, text=text.strip(), source=source
    )
    _checked(decision, actor=actor)
    return decision


@transaction.atomic
def record_action(
    *,
    raised_at: Meeting,
    number: int,
    text: str,
    owner: str,
    actor: AbstractBaseUser | None,
    agenda_item: AgendaItem | None = None,
    due_meeting: Meeting | None = None,
    due_text: str = "",
    status_recorded: bool = True,
    source: str = "",
) -> Action:
    """Action ``number`` raised at a meeting, open. ``status_recorded=False`` for an action
    whose status nobody has recorded (loaded from papers that do not say)."""
    if not text.strip():
        _refuse({"text": "Write what is to be done."})
    if not owner.strip():
        _refuse({"owner": "Say who is to do it, as the minutes name them."})
    action = Action(
        raised_at=raised_at,
        agenda_item=agenda_item,
        number=number,
        text=text.strip(),
        owner=owner.strip(),
        due_meeting=due_meeting,
        due_text=due_text,
        status_recorded=status_recorded,
        source=source,
    )
    _checked(action, actor=actor)
    return action


def _open_action(action: Action) -> Action:
    """The action, locked for the change, refused when it is already done."""
    current = Action.objects.select_for_update().select_related("raised_at").get(pk=action.pk)
    if current.status == ActionStatus.DONE:
        _refuse(
            f"Action {current.number} of the {current.raised_at} is already done "
            f"({current.done_note}): nothing was changed."
        )
    return current


@transaction.atomic
def mark_action_done(*, action: Action, note: str, actor: AbstractBaseUser) -> Action:
    """Mark an open action done, saying what was done; it then carries no further."""
    if not note.strip():
        _refuse({"done_note": "Say what was done (a report to the meeting, a date...)."})
    current = _open_action(action)
    current.status = ActionStatus.DONE
    current.status_recorded = True
    current.done_note = note.strip()
    _checked(current, actor=actor)
    return current


@transaction.atomic
def carry_action(*, action: Action, to: Meeting, actor: AbstractBaseUser) -> Action:
    """Carry an open action to a later meeting: it is due there (and stays open, so it is
    listed at every meeting until then and after, until done)."""
    current = _open_action(action)
    if current.due_meeting_id == to.pk:
        _refuse(f"Action {current.number} is already due at the {to}: nothing was changed.")
    if to.region_id != current.raised_at.region_id:
        _refuse(
            {
                "due_meeting": f"The {to} is another region's Board's: action "
                f"{current.number} stays with its own. Nothing was changed."
            }
        )
    if to.date <= current.raised_at.date:
        _refuse(
            {
                "due_meeting": f"The {to} is not after the {current.raised_at}, where action "
                f"{current.number} was raised: nothing was changed."
            }
        )
    current.due_meeting = to
    _checked(current, actor=actor)
    return current

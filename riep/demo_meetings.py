"""The demo's minutes and actions: the Board meeting of 27 November 2009 (seed 002, agenda item 2
of the 20 January 2010 pack), from fixtures/demo/meetings/*.toml, and the kinds of the 20
January 2010 agenda's items as that agenda groups them (seed 002, lines 12-32).

``load_demo_meetings()`` creates, where missing, each file's meeting, its agenda items (the
minutes' headings), its numbered decisions and its actions, through the services
(reports.meetings, reports.papers.services), each citing its paper and line. Actions due at a
meeting name it by date (``due_meeting``); that meeting must exist (the demo paper's meeting of
20 January 2010, riep/demo_papers.py, is made first). The papers never say whether an action
was done: every action is loaded open with its status "not recorded" (the page says so).

Idempotent, and it never overwrites: a meeting that already has decisions or actions is left
as it is (the Director may have marked actions done). Local demo only (``DEMO_DATA_ALLOWED``).
Bad input raises ``DemoDataError`` naming the file and the row, and nothing of that file is
written.
"""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from reports.meetings import record_action, record_decision
from reports.models import AgendaItem, ItemKind, Meeting
from reports.papers.services import add_agenda_item, create_meeting
from reports.regions import region_for_new_meeting
from riep.demo_papers import MEETING_DATE
from riep.demo_returns import DemoDataError, ReferenceDataMissing

MEETINGS_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo" / "meetings"
DIRECTOR = "director"

#: The 20 January 2010 agenda's groups (seed 002, lines 12-32): items 1-4 before "Items for
#: Discussion" (line 19), 5-11 under it, 12-13 under "Information Items" (line 29).
JANUARY_KINDS = {
    **dict.fromkeys(range(1, 5), ItemKind.BUSINESS),
    **dict.fromkeys(range(5, 12), ItemKind.DISCUSSION),
    **dict.fromkeys(range(12, 14), ItemKind.INFORMATION),
}


def _date(raw: Any, *, where: str) -> datetime.date:
    if not isinstance(raw, datetime.date):
        raise DemoDataError(f"{where}: {raw!r} is not a date (write it as 2010-01-20).")
    return raw


def _text(entry: dict, name: str, *, where: str, required: bool = True) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise DemoDataError(f"{where}: {name} is missing or not text.")
    return value.strip()


def _source(entry: dict, *, where: str) -> str:
    source = _text(entry, "source", where=where)
    if "line" not in source:
        raise DemoDataError(f"{where}: the source must cite its line ({source!r}).")
    return source


def _kind(raw: Any, *, where: str) -> str:
    if raw not in ItemKind.values:
        raise DemoDataError(f"{where}: no item kind {raw!r}; they are {ItemKind.values}.")
    return raw


def _load(path: Path, *, director) -> str:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    head = document.get("meeting", {})
    where = f"{path.name} [meeting]"
    date = _date(head.get("date"), where=where)
    body = _text(head, "body", where=where)
    _source(head, where=where)
    # The Director's region's Board (the demo's Director is the East Midlands').
    boards = Meeting.objects.filter(region_id=region_for_new_meeting(director))
    meeting = boards.filter(body=body, date=date).first()
    if meeting is not None and (meeting.decisions.exists() or meeting.actions.exists()):
        return f"{path.name}: the {meeting} already has its minutes (left as they are)."
    if meeting is None:
        meeting = create_meeting(date=date, body=body, venue=head.get("venue", ""), actor=director)
    items: dict[int, AgendaItem] = {item.number: item for item in meeting.items.all()}
    for index, entry in enumerate(document.get("items", []), start=1):
        where = f"{path.name} item row {index}"
        number = entry.get("number")
        _source(entry, where=where)
        if number not in items:
            items[number] = add_agenda_item(
                meeting=meeting,
                number=number,
                title=_text(entry, "title", where=where),
                kind=_kind(entry.get("kind", ""), where=where),
                actor=director,
            )
    decisions = document.get("decisions", [])
    for index, entry in enumerate(decisions, start=1):
        where = f"{path.name} decision row {index}"
        record_decision(
            meeting=meeting,
            number=entry.get("number"),
            text=_text(entry, "text", where=where),
            agenda_item=_item(items, entry, where=where),
            source=_source(entry, where=where),
            actor=director,
        )
    actions = document.get("actions", [])
    for index, entry in enumerate(actions, start=1):
        where = f"{path.name} action row {index}"
        due = None
        if "due_meeting" in entry:
            due_date = _date(entry["due_meeting"], where=where)
            due = boards.filter(body=body, date=due_date).first()
            if due is None:
                raise ReferenceDataMissing(
                    f"{where}: no {body} meeting on {due_date} to be due at: create the demo "
                    "paper's meeting first (setup_demo)."
                )
        record_action(
            raised_at=meeting,
            number=entry.get("number"),
            text=_text(entry, "text", where=where),
            owner=_text(entry, "owner", where=where),
            agenda_item=_item(items, entry, where=where),
            due_meeting=due,
            due_text=_text(entry, "due_text", where=where, required=False),
            status_recorded=False,  # the papers never say whether an action was done
            source=_source(entry, where=where),
            actor=director,
        )
    return (
        f"{path.name}: the {meeting}, {len(decisions)} decisions and {len(actions)} actions "
        "(every action open, its status not recorded in the papers)."
    )


def _item(items: dict[int, AgendaItem], entry: dict, *, where: str) -> AgendaItem | None:
    number = entry.get("item")
    if number is None:
        return None
    if number not in items:
        raise DemoDataError(f"{where}: the meeting has no item {number}.")
    return items[number]


def _january_kinds() -> int:
    """Give the 20 January 2010 agenda's items their kind where none is stated yet."""
    changed = 0
    for item in AgendaItem.objects.filter(
        meeting__body="Board", meeting__date=MEETING_DATE, kind=ItemKind.NOT_STATED
    ):
        kind = JANUARY_KINDS.get(item.number)
        if kind:
            item.kind = kind
            item.save(update_fields=["kind"])
            changed += 1
    return changed


def load_demo_meetings(*, directory: Path = MEETINGS_DIR) -> list[str]:
    """Load every file of ``directory`` (each in one transaction); say what was done."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo minutes are only loaded in a local demo database.")
    from django.contrib.auth import get_user_model

    director = get_user_model().objects.filter(username=DIRECTOR).first()
    if director is None:
        raise ReferenceDataMissing("The demo Director does not exist: create the demo users.")
    outcomes = []
    for path in sorted(directory.glob("*.toml")):
        try:
            with transaction.atomic():
                outcomes.append(_load(path, director=director))
        except ValidationError as error:
            raise DemoDataError(f"{path.name}: {' '.join(error.messages)}") from error
    kinds = _january_kinds()
    if kinds:
        outcomes.append(f"The 20 January 2010 agenda: {kinds} items given their kind.")
    return outcomes

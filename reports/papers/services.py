"""Every write to the Board's papers goes through here: meetings, agenda items, papers and
their sections. Checked (``full_clean`` before each save), atomic, and audited.

The audit is Django's admin log (``django.contrib.admin.models.LogEntry``), the same record the
admin keeps when a meeting or a paper is changed there, so a paper's "History" in the admin
shows the Director's changes from either place: who, when, and what (fields changed; sections
added, changed or deleted, in the admin's own change-message format).

A paper's text is versioned: ``save_sections`` claims the next ``Paper.version`` with a
conditional UPDATE, so a save based on an older version is refused (``StalePaper``) and
nothing of it is written. The paper's details (``update_paper``) do not move the version.
Sections are numbered 1, 2, 3 ... in their order after every save (``renumber``).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.utils import bulk_create_with_history

from returns.models import Basis
from targets.models import TargetSet

from ..models import (
    APPENDIX_KEYS,
    DEFAULT_SECTIONS,
    AgendaItem,
    Meeting,
    Paper,
    Section,
    all_appendices,
)
from ..regions import region_for_new_meeting

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = [
    "SectionEdit",
    "StalePaper",
    "add_agenda_item",
    "create_meeting",
    "renumber",
    "save_sections",
    "start_paper",
    "start_report",
    "update_meeting",
    "update_paper",
]


class StalePaper(ValidationError):
    """Someone saved the paper's text since the version the caller based its changes on."""

    def __init__(self, message: str, *, base_version: int, version: int):
        super().__init__(message, code="stale")
        self.base_version = base_version
        self.version = version


@dataclass(frozen=True)
class SectionEdit:
    """A section as the Director wrote it: an existing one (``pk``) or a new one (no ``pk``).

    ``order`` is its position; 0 puts it after the others.
    """

    heading: str
    body: str = ""
    order: int = 0
    pk: int | None = None


# --------------------------------------------------------------------------- audit


def _labels(model: type[models.Model], names: Sequence[str]) -> list[str]:
    return [str(capfirst(model._meta.get_field(name).verbose_name)) for name in names]


def _record(*, actor: AbstractBaseUser, obj: models.Model, flag: int, message: list) -> None:
    """One entry of the admin log: ``message`` in the admin's JSON change-message format."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[obj], action_flag=flag, change_message=message
    )


def _assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set ``values`` on ``obj``; the names of the fields whose value changed."""
    changed = []
    for name, value in values.items():
        attname = obj._meta.get_field(name).attname
        before = getattr(obj, attname)
        setattr(obj, name, value)
        if getattr(obj, attname) != before:
            changed.append(name)
    return changed


# --------------------------------------------------------------------------- meetings


def _check_region(meeting: Meeting, target_set: TargetSet | None) -> None:
    """A Board's paper reports on its own region's targets only."""
    if target_set is not None and target_set.region_id != meeting.region_id:
        raise ValidationError(
            {"target_set": "That target set is another region's: this Board reports on its own."}
        )


@transaction.atomic
def create_meeting(
    *,
    date: datetime.date,
    actor: AbstractBaseUser,
    body: str = "Board",
    starts_at: datetime.time | None = None,
    venue: str = "",
    region_id: int | None = None,
) -> Meeting:
    """A new meeting of the Board (or of another body) of the actor's region (or
    ``region_id``); one per region, body and day."""
    if region_id is None:
        region_id = region_for_new_meeting(actor)
    meeting = Meeting(body=body, date=date, starts_at=starts_at, venue=venue, region_id=region_id)
    meeting.full_clean()
    meeting.save()
    _record(actor=actor, obj=meeting, flag=ADDITION, message=[{"added": {}}])
    return meeting


@transaction.atomic
def update_meeting(
    *,
    meeting: Meeting,
    actor: AbstractBaseUser,
    body: str,
    date: datetime.date,
    starts_at: datetime.time | None,
    venue: str,
) -> Meeting:
    """Change a meeting's body, date, time or venue; nothing is written when nothing changed."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    changed = _assign(current, {"body": body, "date": date, "starts_at": starts_at, "venue": venue})
    if not changed:
        return current
    current.full_clean()
    current.save(update_fields=changed)
    _record(
        actor=actor,
        obj=current,
        flag=CHANGE,
        message=[{"changed": {"fields": _labels(Meeting, changed)}}],
    )
    return current


@transaction.atomic
def add_agenda_item(
    *, meeting: Meeting, number: int, title: str, actor: AbstractBaseUser, kind: str = ""
) -> AgendaItem:
    """Item ``number`` of the meeting's agenda (one item per number), of any kind
    (``reports.models.ItemKind``)."""
    item = AgendaItem(meeting=meeting, number=number, title=title, kind=kind)
    item.full_clean()
    item.save()
    # As the admin records an inline: a change of the meeting, naming the item added.
    _record(
        actor=actor,
        obj=meeting,
        flag=CHANGE,
        message=[{"added": {"name": str(AgendaItem._meta.verbose_name), "object": str(item)}}],
    )
    return item


# --------------------------------------------------------------------------- papers


@transaction.atomic
def start_paper(
    *,
    agenda_item: AgendaItem,
    author: AbstractBaseUser,
    title: str,
    target_set: TargetSet | None,
    year: int | None,
    quarter: int | None,
    author_name: str,
    author_title: str = "Director EM IEP",
    sections: Sequence[tuple[str, str]] | None = None,
    basis: str = Basis.APPROVED,
    appendices: Sequence[str] | None = None,
) -> Paper:
    """The agenda item's "Report of the Director", with its sections numbered 1, 2, 3 ...

    ``sections`` are (heading, text) pairs; by default the usual headings
    (``reports.models.DEFAULT_SECTIONS``) with no text yet. One paper per agenda item. It
    rests on approved returns only unless ``basis`` is "all"; it carries every appendix unless
    ``appendices`` (keys of ``reports.models.APPENDIX_CHOICES``) says which. With no
    ``target_set`` it is a report without one (``start_report``): text alone, no quarter, no
    appendices.
    """
    if target_set is None:
        appendices = []
    _check_region(agenda_item.meeting, target_set)
    paper = Paper(
        agenda_item=agenda_item,
        author=author,
        title=title,
        target_set=target_set,
        year=year,
        quarter=quarter,
        author_name=author_name,
        author_title=author_title,
        basis=basis,
        appendices=list(appendices) if appendices is not None else all_appendices(),
    )
    paper.full_clean()
    paper.save()
    if sections is None:
        sections = [(heading, "") for heading in DEFAULT_SECTIONS]
    rows = [
        Section(paper=paper, number=number, order=number, heading=heading, body=body)
        for number, (heading, body) in enumerate(sections, start=1)
    ]
    errors: dict[str, list[str]] = {}
    for row in rows:
        try:
            row.full_clean(exclude=["paper"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"Section {row.number} / {name}", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    bulk_create_with_history(rows, Section, default_user=author)
    _record(actor=author, obj=paper, flag=ADDITION, message=[{"added": {}}])
    return paper


@transaction.atomic
def update_paper(
    *,
    paper: Paper,
    actor: AbstractBaseUser,
    title: str,
    target_set: TargetSet | None,
    year: int | None,
    quarter: int | None,
    author_name: str,
    author_title: str,
    basis: str | None = None,
    appendices: Sequence[str] | None = None,
) -> Paper:
    """Change a paper's details (not its text: its version stays); nothing is written when
    nothing changed. ``basis`` and ``appendices`` are left as they are when not given."""
    current = Paper.objects.select_for_update().get(pk=paper.pk)
    _check_region(current.agenda_item.meeting, target_set)
    values: dict[str, Any] = {
        "title": title,
        "target_set": target_set,
        "year": year,
        "quarter": quarter,
        "author_name": author_name,
        "author_title": author_title,
    }
    if basis is not None:
        values["basis"] = basis
    if target_set is None:
        appendices = []  # a report without a target set carries none
    if appendices is not None:
        # In the printed order, so that the same choice is never seen as a change.
        values["appendices"] = [key for key in APPENDIX_KEYS if key in appendices] + [
            key for key in appendices if key not in APPENDIX_KEYS
        ]
    changed = _assign(current, values)
    if not changed:
        return current
    current.full_clean()
    current.save(update_fields=[*changed, "updated_at"])
    _record(
        actor=actor,
        obj=current,
        flag=CHANGE,
        message=[{"changed": {"fields": _labels(Paper, changed)}}],
    )
    return current


@transaction.atomic
def start_report(
    *,
    agenda_item: AgendaItem,
    author: AbstractBaseUser,
    title: str,
    author_name: str,
    author_title: str = "Director EM IEP",
    sections: Sequence[tuple[str, str]] | None = None,
) -> Paper:
    """A "Report of the Director" for an agenda item that has no target set (seed 002's items
    5 to 12): its sections and nothing from the returns."""
    return start_paper(
        agenda_item=agenda_item,
        author=author,
        title=title,
        target_set=None,
        year=None,
        quarter=None,
        author_name=author_name,
        author_title=author_title,
        sections=sections,
    )


# --------------------------------------------------------------------------- sections


@transaction.atomic
def save_sections(
    *,
    paper: Paper,
    base_version: int,
    changed: Sequence[SectionEdit],
    deleted: Collection[int],
    actor: AbstractBaseUser,
) -> int:
    """Write the paper's text, all or nothing, then number the sections 1, 2, 3 ...

    ``changed`` are the sections written or added (in the order they were on the page),
    ``deleted`` the ids of the sections deleted. The write is based on ``base_version`` of the
    paper: when someone saved the text since, ``StalePaper`` is raised and nothing is written.
    A new section with no position (0) goes after the others. Returns the paper's new version
    (also set on ``paper``).
    """
    claimed = Paper.objects.filter(pk=paper.pk, version=base_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        version = Paper.objects.values_list("version", flat=True).get(pk=paper.pk)
        raise StalePaper(
            f"The paper's text was saved again since version {base_version}, which these "
            f"changes are based on (it is now at version {version}): nothing was saved.",
            base_version=base_version,
            version=version,
        )

    deleted = set(deleted)
    existing = {section.pk: section for section in paper.sections.all()}
    unknown = sorted(
        {pk for pk in deleted if pk not in existing}
        | {edit.pk for edit in changed if edit.pk is not None and edit.pk not in existing}
    )
    if unknown:
        raise ValidationError(
            f"Not sections of this paper (deleted meanwhile?): {', '.join(map(str, unknown))}. "
            "Nothing was saved.",
            code="unknown_section",
        )

    log: list[dict[str, Any]] = []
    for pk in sorted(deleted):
        log.append({"deleted": {"name": "section", "object": existing[pk].heading}})
    paper.sections.filter(pk__in=deleted).delete()

    count = len(existing) - len(deleted)
    errors: dict[str, list[str]] = {}
    for edit in changed:
        if edit.pk in deleted:
            continue
        section = Section(paper=paper) if edit.pk is None else existing[edit.pk]
        adding = section.pk is None
        fields = _assign(
            section,
            {"heading": edit.heading, "body": edit.body, "order": edit.order or count + 1},
        )
        try:
            section.full_clean(exclude=["paper"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"{edit.heading or 'New section'} / {name}", []).extend(messages)
            continue
        if not (adding or fields):
            continue  # unchanged: no write, no empty history record
        section.save()
        if adding:
            count += 1
            log.append({"added": {"name": "section", "object": section.heading}})
        elif fields:
            log.append(
                {
                    "changed": {
                        "name": "section",
                        "object": section.heading,
                        "fields": _labels(Section, fields),
                    }
                }
            )
    if errors:
        raise ValidationError(errors)

    renumber(paper=paper)
    if log:
        _record(actor=actor, obj=paper, flag=CHANGE, message=log)
    paper.version = base_version + 1
    return paper.version


@transaction.atomic
def renumber(*, paper: Paper) -> None:
    """Number the paper's sections 1, 2, 3 ... in their order (and make the order the same)."""
    for position, section in enumerate(paper.sections.order_by("order", "number", "id"), 1):
        if (section.number, section.order) != (position, position):
            section.number = section.order = position
            section.save(update_fields=["number", "order"])  # kept in the section's history

"""Who changed what, when, from what: the recent changes of the reference data, the roles and
the Board papers, field by field, from their django-simple-history records.

Each kept model's history (``history = HistoricalRecords()`` on the models of authorities,
targets and reports; Django's users and groups registered in riep/models.py) is read the same
way: the records that match the filters, newest first, each beside the record before it of the
same object, and the fields whose value differs between the two (many-to-many fields too: a
role's permissions, a user's roles). ``recent_changes`` reads a constant number of queries
whatever the amount of history: per kind of record, the records with their predecessor's id
(one query), the predecessors (one), each many-to-many field's rows (one), then one query per
kind of object the values name.

The returns' lines keep their own history (their page shows it) and are not listed here.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone

#: The kinds of record kept, in the order the filter offers them: model, the field that names
#: a record (None: named from its links), and what the page calls it.
KINDS: tuple[tuple[str, str | None, str], ...] = (
    ("targets.Target", "code", "target"),
    ("targets.Measure", "name", "measure"),
    ("targets.MeasureLevel", "label", "measure level"),
    ("targets.TargetSet", "title", "target set"),
    ("targets.Theme", "name", "theme"),
    ("targets.TargetLineage", None, "target lineage"),
    ("authorities.Authority", "name", "authority"),
    ("authorities.AuthorityAlias", "alias", "authority alias"),
    ("authorities.Region", "name", "region"),
    ("authorities.SubRegion", "name", "sub-region"),
    ("authorities.LAAArea", "name", "LAA area"),
    ("authorities.Membership", None, "sub-region membership"),
    ("auth.User", "username", "user"),
    ("auth.Group", "name", "role (group)"),
    ("reports.Meeting", None, "meeting"),
    ("reports.AgendaItem", "title", "agenda item"),
    ("reports.Paper", "title", "Board paper"),
    ("reports.Section", "heading", "paper section"),
    ("reports.Decision", None, "decision"),
    ("reports.Action", None, "action"),
)
#: How many records of one kind are searched when a field is asked for (the newest first).
SCAN_LIMIT = 2000
_HISTORY_FIELDS = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}
_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Kind:
    key: str  # "targets.target"
    label: str  # "target"
    model: type[models.Model]
    name_field: str | None

    @property
    def history(self) -> type[models.Model]:
        return self.model.history.model

    def m2m_fields(self) -> list[models.ManyToManyField]:
        """The many-to-many fields the history keeps (a user's roles, a role's permissions)."""
        return list(getattr(self.history, "_history_m2m_fields", ()))


def kinds() -> list[Kind]:
    found = []
    for label, name_field, what in KINDS:
        model = apps.get_model(label)
        found.append(Kind(model._meta.label_lower, what, model, name_field))
    return found


def visible_kinds(user) -> list[Kind]:
    """The kinds whose records ``user`` may view (the history of what they may read)."""
    return [
        kind
        for kind in kinds()
        if user.has_perm(f"{kind.model._meta.app_label}.view_{kind.model._meta.model_name}")
    ]


@dataclass
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any
    old_text: str = ""
    new_text: str = ""
    # Many-to-many fields: what was added and removed (a role's 40 permissions in full would
    # hide the one that changed).
    added_text: str = ""
    removed_text: str = ""

    @property
    def is_set(self) -> bool:
        return isinstance(self.new, set)


@dataclass
class Change:
    kind: Kind
    object_id: int
    at: datetime.datetime
    who: str
    type: str  # created, changed, deleted
    reason: str
    record: Any
    fields: list[FieldChange] = field(default_factory=list)
    name: str = ""
    history_url: str = ""


@dataclass
class Page:
    changes: list[Change]
    has_more: bool
    scanned_all: bool = True  # False: the search for a field stopped at SCAN_LIMIT of a kind


def recent_changes(
    *,
    user,
    kind: str = "",
    who: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    field_name: str = "",
    offset: int = 0,
    limit: int = 50,
) -> Page:
    """The changes ``user`` may see, newest first, filtered by kind ("targets.target"), by who
    made them (username), by day (inclusive), and by field (name or label, e.g. "threshold")."""
    chosen = [k for k in visible_kinds(user) if not kind or k.key == kind]
    wanted = offset + limit + 1
    scan = SCAN_LIMIT if field_name else wanted
    changes: list[Change] = []
    scanned_all = True
    for each in chosen:
        records = _records(each, who=who, since=since, until=until, limit=scan)
        if field_name and len(records) == scan:
            scanned_all = False
        found = _changes(each, records)
        if field_name:
            needle = field_name.strip().lower()
            for change in found:  # only the field asked for
                change.fields = [
                    fc for fc in change.fields if needle in (fc.name.lower(), fc.label.lower())
                ]
            found = [change for change in found if change.fields]
        changes.extend(found)
    changes.sort(key=lambda change: (change.at, change.record.history_id), reverse=True)
    page = changes[offset : offset + limit]
    _name_values(page)
    return Page(changes=page, has_more=len(changes) > offset + limit, scanned_all=scanned_all)


def _records(kind: Kind, *, who: str, since, until, limit: int) -> list:
    history = kind.history
    earlier = (
        history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    records = history.objects.select_related("history_user").annotate(previous=Subquery(earlier))
    if who:
        records = records.filter(history_user__username=who)
    if since:
        records = records.filter(history_date__date__gte=since)
    if until:
        records = records.filter(history_date__date__lte=until)
    return list(records.order_by("-history_date", "-history_id")[:limit])


def _changes(kind: Kind, records: list) -> list[Change]:
    if not records:
        return []
    history = kind.history
    previous_ids = [record.previous for record in records if record.previous]
    previous = history.objects.in_bulk(previous_ids) if previous_ids else {}
    m2m = _m2m_values(kind, [record.history_id for record in records] + previous_ids)
    fields = [
        f for f in history._meta.concrete_fields if f.name not in _HISTORY_FIELDS and f.editable
    ]
    found = []
    for record in records:
        before = previous.get(record.previous)
        change = Change(
            kind=kind,
            object_id=record.id,
            at=record.history_date,
            who=record.history_user.get_username() if record.history_user else "",
            type=_TYPES.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
            record=record,
        )
        if record.history_type != "-":
            for f in fields:
                old = getattr(before, f.attname) if before is not None else None
                new = getattr(record, f.attname)
                if before is None and new in (None, "", [], {}):
                    continue  # a new record: its empty fields say nothing
                if before is None or old != new:
                    change.fields.append(FieldChange(f.name, _label(f), old, new))
            for m2m_field in kind.m2m_fields():
                name = m2m_field.name
                old = m2m.get((name, record.previous), set()) if before is not None else set()
                new = m2m.get((name, record.history_id), set())
                if old != new:
                    change.fields.append(FieldChange(name, _label(m2m_field), old, new))
        if change.type == "changed" and not change.fields:
            continue  # saved without a change: nothing to tell
        found.append(change)
    return found


def _m2m_values(kind: Kind, history_ids: list[int]) -> dict[tuple[str, int], set[int]]:
    """(field, history id) → the ids the field held in that record."""
    values: dict[tuple[str, int], set[int]] = defaultdict(set)
    for m2m_field in kind.m2m_fields():
        target = m2m_field.m2m_reverse_field_name()
        historical = apps.get_model(
            kind.history._meta.app_label, f"{kind.history.__name__}_{m2m_field.name}"
        )
        for history_id, related in historical.objects.filter(
            history_id__in=history_ids
        ).values_list("history_id", f"{target}_id"):
            values[(m2m_field.name, history_id)].add(related)
    return values


def _label(model_field) -> str:
    return str(model_field.verbose_name)


# ------------------------------------------------------------------------- naming the values


def _name_values(changes: Iterable[Change]) -> None:
    """Each change's name, history page and values as text; the objects the values name are
    read once per kind of object."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for change in changes:
        for link_model, pk in _links_for_name(change):
            wanted[link_model].add(pk)
        for fc in change.fields:
            model = _related_model(change.kind, fc.name)
            if model is None:
                continue
            for value in (fc.old, fc.new):
                if isinstance(value, set):
                    wanted[model].update(value)
                elif value is not None:
                    wanted[model].add(value)
    objects = {model: _objects(model, pks) for model, pks in wanted.items()}
    for change in changes:
        change.name = _name(change, objects)
        change.history_url = _history_url(change)
        for fc in change.fields:
            model = _related_model(change.kind, fc.name)
            model_field = _field(change.kind, fc.name)
            fc.old_text = _text(fc.old, model_field, objects.get(model))
            fc.new_text = _text(fc.new, model_field, objects.get(model))
            if fc.is_set:
                fc.added_text = _text(fc.new - fc.old, model_field, objects.get(model))
                fc.removed_text = _text(fc.old - fc.new, model_field, objects.get(model))


def _field(kind: Kind, name: str):
    try:
        return kind.model._meta.get_field(name)
    except FieldDoesNotExist:  # kept in the history, since removed from the model
        return None


def _related_model(kind: Kind, name: str):
    model_field = _field(kind, name)
    if model_field is not None and model_field.is_relation:
        return model_field.related_model
    return None


def _objects(model: type[models.Model], pks: set[int]) -> dict[int, str]:
    queryset = model._default_manager.all()
    if model is Permission:
        queryset = queryset.select_related("content_type")
    return {pk: _short(obj) for pk, obj in queryset.in_bulk(pks).items()}


def _short(obj: models.Model) -> str:
    """What names an object on the page, without reading anything else."""
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    for label, name_field, _ in KINDS:
        if obj._meta.label == label and name_field:
            return str(getattr(obj, name_field))
    return str(obj)


#: The links that name a record of a kind without a name of its own.
_NAMED_BY = {
    "targets.targetlineage": ("later", "earlier"),
    "authorities.membership": ("user", "sub_region"),
}


def _links_for_name(change: Change) -> list[tuple[type[models.Model], int]]:
    meta = change.kind.model._meta
    return [
        (meta.get_field(name).related_model, getattr(change.record, f"{name}_id"))
        for name in _NAMED_BY.get(change.kind.key, ())
    ]


def _name(change: Change, objects: dict) -> str:
    record = change.record
    key = change.kind.key

    def named(field_name: str, pk) -> str:
        model = change.kind.model._meta.get_field(field_name).related_model
        return objects.get(model, {}).get(pk, f"#{pk} (deleted)")

    if key == "targets.targetlineage":
        return f"{named('later', record.later_id)} replaces {named('earlier', record.earlier_id)}"
    if key == "authorities.membership":
        return f"{named('user', record.user_id)} in {named('sub_region', record.sub_region_id)}"
    if key in {"reports.decision", "reports.action"}:
        return f"{change.kind.label.capitalize()} {record.number}: {record.text[:60]}"
    if key == "reports.meeting":
        return f"{record.body} meeting, {dateformat.format(record.date, 'j F Y')}"
    return str(getattr(record, change.kind.name_field or "id"))


def _history_url(change: Change) -> str:
    opts = change.kind.model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[change.object_id])
    except NoReverseMatch:
        return ""


def _text(value: Any, model_field, names: dict[int, str] | None) -> str:
    """A value as the page writes it: a choice's label, a linked object's name, a number
    without trailing zeros, a date, yes or no; "—" for nothing."""
    if isinstance(value, set):
        shown = sorted((names or {}).get(pk, f"#{pk}") for pk in value)
        return ", ".join(shown) if shown else "—"
    if value is None or value == "" or value == []:
        return "—"
    if model_field is not None and model_field.is_relation:
        return (names or {}).get(value, f"#{value} (deleted)")
    if model_field is not None and getattr(model_field, "flatchoices", None):
        choices = dict(model_field.flatchoices)
        if value in choices:
            return str(choices[value])
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        normalised = value.normalize()
        return "0" if normalised == 0 else f"{normalised:f}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)

"""Bulk writes of return lines and their history, for the services (returns.services).

An import writes thousands of lines at once. Django's ``bulk_create`` compiles every row of its
INSERT field by field, and simple-history's bulk history first builds a model instance per
row, which together made writing a 10,000-line file several times slower than reading it
(docs/benchmarks.md). These functions write the same rows with one prepared statement run over
them all (``executemany``), each value prepared by its field as Django prepares it
(``pre_save``, then ``get_db_prep_save``), and record the same history rows simple-history
records: one per line, with the line's tracked fields, who, when, why, and "+" (created) or
"~" (changed).

They write what they are given: checking, rating and versioning stay with the services, and
they are meant to run inside the service's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, connections, models

from .models import ReturnLine

__all__ = ["insert_lines", "record_history", "update_lines"]

_NONE = type(None)


def _as_is(field: models.Field) -> frozenset[type]:
    """The classes of value that ``field`` prepares to themselves (Django only converts other
    values): a str for a text field, an int for an integer field or an integer foreign key, a
    bool for a boolean field, None for any. Skipping the call for those halves the cost of
    preparing a row; decimals, dates and everything else are always prepared."""
    if isinstance(field, models.BooleanField):
        return frozenset({bool, _NONE})
    if isinstance(field, models.CharField | models.TextField):
        return frozenset({str, _NONE})
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.IntegerField):  # AutoFields too
        return frozenset({int, _NONE})
    return frozenset()


#: How to read and prepare one column: the attribute, the field's get_db_prep_save, the value
#: classes prepared as they are, and whether to call pre_save (an auto_now field being added).
_Spec = tuple[str, Callable[..., Any], frozenset, bool]


def _spec(field: models.Field, *, adding: bool, attname: str | None = None) -> _Spec:
    auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    return attname or field.attname, field.get_db_prep_save, _as_is(field), adding and auto


def _rows(objects: Sequence[models.Model], specs: list[tuple[models.Field, _Spec]]) -> list[list]:
    # The connection itself, not django.db.connection (a proxy that looks the connection up
    # again at every use: several times per value prepared).
    db = connections[connection.alias]
    rows = []
    for obj in objects:
        row = []
        for field, (attname, prepare, as_is, pre_save) in specs:
            value = field.pre_save(obj, True) if pre_save else getattr(obj, attname)
            if value.__class__ not in as_is:
                value = prepare(value, db)
            row.append(value)
        rows.append(row)
    return rows


def _insert(table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 - our names
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _inserted_fields() -> list[models.Field]:
    return [field for field in ReturnLine._meta.concrete_fields if not field.primary_key]


def insert_lines(lines: Sequence[ReturnLine]) -> list[list[Any]]:
    """INSERT the unsaved ``lines`` (every concrete field but the id; ``updated_at`` set as
    Django sets an ``auto_now`` field), then give each its id (one query: a line is one
    return × authority × target). Returns each line's values as prepared for the database,
    which ``record_history`` can take instead of preparing them again."""
    if not lines:
        return []
    fields = _inserted_fields()
    rows = _rows(lines, [(field, _spec(field, adding=True)) for field in fields])
    _insert(ReturnLine._meta.db_table, [field.column for field in fields], rows)
    ids = {
        (return_id, authority_id, target_id): pk
        for pk, return_id, authority_id, target_id in ReturnLine.objects.filter(
            return_obj__in={line.return_obj_id for line in lines}
        )
        .order_by()
        .values_list("id", "return_obj_id", "authority_id", "target_id")
    }
    for line in lines:
        line.pk = ids[(line.return_obj_id, line.authority_id, line.target_id)]
        line._state.adding = False
        line._state.db = connection.alias
    return rows


def record_history(
    lines: Sequence[ReturnLine],
    *,
    history_type: str,
    actor,
    reason: str,
    when: datetime,
    inserted: Sequence[list[Any]] | None = None,
) -> None:
    """A history row for each saved line, as simple-history's ``bulk_history_create`` writes
    it: the line's tracked fields as they are now, ``history_type`` "+" (created) or "~"
    (changed), ``actor``, ``reason`` (the channel) and ``when``. Nothing when the project
    turns history off (``SIMPLE_HISTORY_ENABLED``), as simple-history does. ``inserted``:
    the lines' rows as ``insert_lines`` just prepared them (unchanged since), used instead
    of preparing every value again: each historical field is a copy of the line's own
    field (a foreign key without its constraint), and prepares a value as it does."""
    if not lines or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = ReturnLine.history.model
    tracked = list(history.tracked_fields)
    own = [history._meta.get_field(field.name) for field in tracked]
    extra = {
        "history_date": when,
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user": actor.pk if actor is not None else None,
    }
    extra_fields = [history._meta.get_field(name) for name in extra]
    fixed = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(extra_fields, extra.values(), strict=True)
    ]
    # Each value is the line's (simple-history reads the tracked field's attname on the line),
    # prepared by the historical model's own field.
    specs = [
        (mine, _spec(mine, adding=False, attname=field.attname))
        for field, mine in zip(tracked, own, strict=True)
    ]
    if inserted is None:
        rows = [[*row, *fixed] for row in _rows(lines, specs)]
    else:
        rows = _from_inserted(lines, inserted, tracked, fixed)
    columns = [field.column for field in own] + [field.column for field in extra_fields]
    _insert(history._meta.db_table, columns, rows)


def _from_inserted(
    lines: Sequence[ReturnLine],
    inserted: Sequence[list[Any]],
    tracked: Sequence[models.Field],
    fixed: list[Any],
) -> list[list[Any]]:
    """History rows from the rows ``insert_lines`` wrote: the id, then each tracked field's
    prepared value, in the history's order."""
    written = {field.attname: index for index, field in enumerate(_inserted_fields())}
    order = [None if field.primary_key else written[field.attname] for field in tracked]
    return [
        [line.pk if index is None else row[index] for index in order] + fixed
        for line, row in zip(lines, inserted, strict=True)
    ]


def update_lines(lines: Sequence[ReturnLine], field_names: Sequence[str]) -> None:
    """UPDATE ``field_names`` of the saved ``lines`` to their values on the instances: one
    prepared statement run over them all (Django's bulk_update writes a CASE per line and
    field, and was slower still)."""
    if not lines:
        return
    fields = [ReturnLine._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table = quote(ReturnLine._meta.db_table)
    sql = f"UPDATE {table} SET {columns} WHERE id = %s"  # noqa: S608 - names are ours, quoted
    specs = [(field, _spec(field, adding=False)) for field in fields]
    rows = [[*row, line.pk] for row, line in zip(_rows(lines, specs), lines, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

"""returns.bulk: the services' bulk writes give the rows Django and simple-history would.

The import writes thousands of lines with one prepared statement (returns.bulk) instead of
Django's bulk_create and simple-history's bulk history; these tests hold the rows to what the
libraries write: every field of the line, and every field of its history row.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from returns import bulk, services
from returns.models import LineScope, LineState, ReturnLine
from tests.returns.test_services import Q3, make_world

pytestmark = pytest.mark.django_db

HISTORY_FIELDS = ("history_type", "history_change_reason", "history_user_id", "history_date")


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def _tracked() -> list[str]:
    return [field.attname for field in ReturnLine.history.model.tracked_fields]


@pytest.fixture
def world():
    return make_world(districts=2)


def _unsaved_lines(world, return_obj) -> list[ReturnLine]:
    """Two lines the return lacks: typed values of every kind (decimals, a date, text, an
    enum member, a boolean, an actor), as a service builds them."""
    return [
        ReturnLine(
            return_obj=return_obj,
            authority=authority,
            target=world.invoices,
            state=LineState.VALUE,
            actual=Decimal("96.1250"),
            target_value=Decimal("95"),
            date_of_data=date(2009, 12, 9),
            manual_rating="A",
            manual_reason="Recovery plan agreed.",
            comment="From the finance system — “quoted”.",
            scope=LineScope.OUTSIDE,
            status="better",
            computed_rating="G",
            effective_rating="G",
            counted=False,
            explanation="96.13% against at least 95%: Green.",
            changed_in_version=3,
            updated_by=world.pm,
        )
        for authority in world.districts
    ]


def test_insert_lines_writes_every_field_and_gives_each_line_its_id(world):
    return_obj, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )
    ReturnLine.objects.filter(target=world.invoices, authority__in=world.districts).delete()
    lines = _unsaved_lines(world, return_obj)
    before = timezone.now()

    bulk.insert_lines(lines)

    for line in lines:
        assert line.pk is not None
        assert not line._state.adding
        stored = ReturnLine.objects.get(pk=line.pk)
        names = [f.attname for f in ReturnLine._meta.concrete_fields]
        assert _fields(stored, names) == _fields(line, names)
        # updated_at is set as Django sets an auto_now field, on the instance too.
        assert before <= stored.updated_at <= timezone.now()


def test_record_history_writes_what_simple_history_writes(world):
    return_obj, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )
    ReturnLine.objects.filter(target=world.invoices, authority__in=world.districts).delete()
    lines = _unsaved_lines(world, return_obj)
    bulk.insert_lines(lines)
    when = timezone.now() - timedelta(minutes=5)

    bulk.record_history(lines, history_type="~", actor=world.pm, reason="import: x.csv", when=when)
    ours = {h.id: h for h in ReturnLine.history.filter(history_change_reason="import: x.csv")}
    ReturnLine.history.bulk_history_create(
        lines,
        update=True,
        default_user=world.pm,
        default_change_reason="library",
        default_date=when,
    )
    theirs = {h.id: h for h in ReturnLine.history.filter(history_change_reason="library")}

    assert set(ours) == set(theirs) == {line.pk for line in lines}
    for pk, mine in ours.items():
        assert _fields(mine, _tracked()) == _fields(theirs[pk], _tracked())
        assert _fields(mine, HISTORY_FIELDS) == {
            **_fields(theirs[pk], HISTORY_FIELDS),
            "history_change_reason": "import: x.csv",
        }
        assert _fields(mine, _tracked()) == _fields(ReturnLine.objects.get(pk=pk), _tracked())


def test_update_lines_writes_the_fields_named_and_no_other(world):
    return_obj, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )
    line = return_obj.lines.get(authority=world.county, target=world.invoices)
    line.actual, line.state, line.comment = Decimal("12.5000"), LineState.VALUE, "Changed."

    bulk.update_lines([line], ["actual", "state"])

    stored = ReturnLine.objects.get(pk=line.pk)
    assert (stored.actual, stored.state, stored.comment) == (Decimal("12.5"), "value", "")


def test_history_is_not_written_when_the_project_turns_it_off(world, settings):
    settings.SIMPLE_HISTORY_ENABLED = False
    return_obj, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )

    assert return_obj.lines.exists()
    assert not ReturnLine.history.exists()


def test_history_from_the_inserted_rows_is_the_history_prepared_again(world):
    return_obj, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )
    ReturnLine.objects.filter(target=world.invoices, authority__in=world.districts).delete()
    lines = _unsaved_lines(world, return_obj)
    lines[0].actual, lines[0].state, lines[0].comment = Decimal("12.3456"), "value", "Noted."
    lines[0].date_of_data = date(2009, 12, 9)
    when = timezone.now()

    inserted = bulk.insert_lines(lines)
    bulk.record_history(lines, history_type="+", actor=world.pm, reason="again", when=when)
    bulk.record_history(
        lines, history_type="+", actor=world.pm, reason="reused", when=when, inserted=inserted
    )

    again = {h.id: h for h in ReturnLine.history.filter(history_change_reason="again")}
    reused = {h.id: h for h in ReturnLine.history.filter(history_change_reason="reused")}
    assert set(again) == set(reused) == {line.pk for line in lines}
    for pk, row in reused.items():
        assert _fields(row, _tracked()) == _fields(again[pk], _tracked())
        assert _fields(row, _tracked()) == _fields(ReturnLine.objects.get(pk=pk), _tracked())
        assert (row.history_type, row.history_user, row.history_date) == ("+", world.pm, when)

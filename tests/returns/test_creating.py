"""returns.creating: a new return written with its lines' values in one write.

It must leave the database as ``open_return`` then ``update_lines`` leave it (lines, values,
stored ratings, versions, overall ratings), with one history row per line instead of two.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from returns import services
from returns.creating import create_return_with_lines
from returns.errors import InvalidLines
from returns.models import LineState, Overall, Return, ReturnLine, Transition
from tests.returns.test_services import Q2, Q3, make_world

#: What a line is, apart from which return holds it and when it was written.
COMPARED = (
    "authority_id",
    "target_id",
    *services.EDITABLE_FIELDS,
    *services.RATED_FIELDS,
    "scope",
    "copied_forward",
    "changed_in_version",
    "updated_by_id",
)


@pytest.fixture
def world(db):
    return make_world(districts=2)


def changes_of(world) -> dict:
    return {
        (world.county.pk, world.invoices.pk): {"state": LineState.VALUE, "actual": Decimal(96)},
        (world.district.pk, world.invoices.pk): {"state": LineState.VALUE, "actual": Decimal(80)},
        (world.county.pk, world.social_care.pk): {
            "state": LineState.AWAITING,
            "actual": None,
            "manual_rating": "A",
            "manual_reason": "Inspection due",
        },
        (world.district.pk, world.benefits.pk): {"state": LineState.VALUE, "actual": Decimal(25)},
        # Outside the target's scope: the LAA target covers the county only.
        (world.district.pk, world.laa_target.pk): {"state": LineState.VALUE, "actual": Decimal(1)},
        # The same as a blank line: not a change.
        (world.districts[1].pk, world.benefits.pk): {"state": LineState.AWAITING, "actual": None},
    }


def lines(return_obj: Return) -> list[tuple]:
    return list(
        ReturnLine.objects.filter(return_obj=return_obj)
        .order_by("authority_id", "target_id")
        .values_list(*COMPARED)
    )


def overall_rows(quarter) -> list[tuple]:
    return list(
        Overall.objects.filter(year=quarter.year, quarter=quarter.quarter)
        .order_by("basis", "target_id", "sub_region_id")
        .values_list(
            "basis", "target_id", "sub_region_id", "rating", "counts", "states", "explanation"
        )
    )


def test_it_writes_what_open_return_then_update_lines_write(world):
    opened, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q2, actor=world.pm
    )
    two_steps = services.update_lines(
        return_obj=opened, changes=changes_of(world), actor=world.pm, channel="import: a.csv"
    )

    created_obj, created, one_step = create_return_with_lines(
        sub_region=world.sub_region,
        target_set=world.target_set,
        quarter=Q3,
        actor=world.pm,
        changes=changes_of(world),
        channel="import: a.csv",
    )

    assert created
    assert lines(created_obj) == lines(opened)
    assert len(lines(created_obj)) == 8  # 6 in scope, 1 outside, 1 left blank among them
    assert Return.objects.get(pk=created_obj.pk).version == opened.version == one_step.version
    assert one_step.version == 2
    assert sorted(line.pk for line in one_step.changed) == sorted(
        ReturnLine.objects.filter(return_obj=created_obj, changed_in_version=2).values_list(
            "pk", flat=True
        )
    )
    assert len(one_step.changed) == len(two_steps.changed) == 5
    assert [line.scope for line in one_step.outside_scope] == ["outside"]
    assert overall_rows(Q3) == overall_rows(Q2) != []
    assert Transition.objects.filter(return_obj=created_obj).count() == 1


def test_each_line_has_one_history_row_saying_why_it_was_made(world):
    return_obj, _, result = create_return_with_lines(
        sub_region=world.sub_region,
        target_set=world.target_set,
        quarter=Q3,
        actor=world.pm,
        changes=changes_of(world),
        channel="import: a.csv",
    )

    written = {line.pk for line in result.changed}
    for line in ReturnLine.objects.filter(return_obj=return_obj):
        record = line.history.get()
        reason = "import: a.csv" if line.pk in written else "Line created"
        assert (record.history_type, record.history_change_reason) == ("+", reason)
        assert record.history_user == world.pm
        assert (record.actual, record.effective_rating) == (line.actual, line.effective_rating)
    county = ReturnLine.objects.get(
        return_obj=return_obj, authority=world.county, target=world.invoices
    )
    assert (county.actual, county.effective_rating, county.counted) == (Decimal(96), "G", True)


def test_a_bad_line_is_named_and_nothing_is_written(world):
    changes = changes_of(world)
    changes[(world.county.pk, world.invoices.pk)] = {"state": LineState.VALUE, "actual": None}
    changes[(world.elsewhere.pk, world.invoices.pk)] = {"state": "value", "actual": 1}

    with pytest.raises(InvalidLines) as raised:
        create_return_with_lines(
            sub_region=world.sub_region,
            target_set=world.target_set,
            quarter=Q3,
            actor=world.pm,
            changes=changes,
            channel="import: a.csv",
        )

    assert [problem.field for problem in raised.value.problems] == ["authority"]
    assert "Not an authority of" in raised.value.problems[0].message
    assert not Return.objects.exists()
    assert not ReturnLine.history.exists()

    del changes[(world.elsewhere.pk, world.invoices.pk)]
    with pytest.raises(InvalidLines) as raised:
        create_return_with_lines(
            sub_region=world.sub_region,
            target_set=world.target_set,
            quarter=Q3,
            actor=world.pm,
            changes=changes,
            channel="import: a.csv",
        )
    assert [(problem.authority_id, problem.field) for problem in raised.value.problems] == [
        (world.county.pk, "actual")
    ]
    assert not Return.objects.exists()
    assert not ReturnLine.objects.exists()


def test_it_refuses_another_sub_regions_programme_manager(world):
    with pytest.raises(PermissionDenied):
        create_return_with_lines(
            sub_region=world.sub_region,
            target_set=world.target_set,
            quarter=Q3,
            actor=world.pm_other,
            changes=changes_of(world),
            channel="import: a.csv",
        )
    assert not Return.objects.exists()


def test_an_existing_return_is_written_through_the_services(world):
    opened, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )

    return_obj, created, result = create_return_with_lines(
        sub_region=world.sub_region,
        target_set=world.target_set,
        quarter=Q3,
        actor=world.pm,
        changes=changes_of(world),
        channel="import: a.csv",
    )

    assert (return_obj.pk, created, result.version) == (opened.pk, False, 2)
    county = ReturnLine.objects.get(
        return_obj=opened, authority=world.county, target=world.invoices
    )
    assert [r.history_change_reason for r in county.history.order_by("history_id")] == [
        "Line created",
        "import: a.csv",
    ]


def test_a_field_that_is_not_editable_is_refused(world):
    with pytest.raises(ValueError, match="Not editable"):
        create_return_with_lines(
            sub_region=world.sub_region,
            target_set=world.target_set,
            quarter=Q3,
            actor=world.pm,
            changes={(world.county.pk, world.invoices.pk): {"counted": False}},
            channel="import: a.csv",
        )
    assert not Return.objects.exists()

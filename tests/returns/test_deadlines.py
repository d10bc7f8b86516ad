"""Deadlines: the rules (DB-less), the returns they make due, timeliness recorded at submission,
the Director's deadlines page, and "overdue" marked where returns are listed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from returns import deadlines, services
from returns.deadlines import (
    days_left,
    deadline_for,
    deadline_words,
    in_force,
    is_overdue,
    on_time,
    reminder_due,
)
from returns.models import Deadline, NoticeKind, Return, ReturnStatus
from returns.periods import Quarter
from targets.models import TargetSetStatus
from tests.factories import DeadlineFactory, TargetSetFactory
from tests.returns.test_services import Q3, make_world, open_

D = date(2010, 1, 15)

# ------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("status", "starts", "ends", "expected"),
    [
        (TargetSetStatus.ADOPTED, date(2009, 4, 1), None, True),
        (TargetSetStatus.ADOPTED, date(2010, 1, 1), None, False),  # starts after the quarter
        (TargetSetStatus.SUPERSEDED, date(2008, 4, 1), date(2009, 3, 31), False),
        (TargetSetStatus.SUPERSEDED, date(2008, 4, 1), date(2009, 10, 1), True),  # overlaps
        (TargetSetStatus.PROPOSED, None, None, False),  # a proposal owes no returns
        (TargetSetStatus.ADOPTED, None, None, True),
    ],
)
def test_a_set_owes_returns_for_a_quarter_it_is_in_force_in(status, starts, ends, expected):
    assert in_force(status=status, starts=starts, ends=ends, quarter=Q3) is expected


@pytest.mark.parametrize(
    ("today", "status", "expected"),
    [
        (D, None, False),  # the deadline day counts whole
        (D + timedelta(days=1), None, True),  # not started, the day after
        (D + timedelta(days=1), ReturnStatus.DRAFT, True),
        (D + timedelta(days=1), ReturnStatus.RETURNED, True),
        (D + timedelta(days=1), ReturnStatus.SUBMITTED, False),
        (D + timedelta(days=30), ReturnStatus.APPROVED, False),
        (D - timedelta(days=3), ReturnStatus.DRAFT, False),
    ],
)
def test_a_return_is_overdue_the_day_after_its_deadline_until_submitted(today, status, expected):
    assert is_overdue(status=status, due=D, today=today) is expected


def test_without_a_deadline_nothing_is_overdue_or_timed():
    assert is_overdue(status=None, due=None, today=D) is False
    assert on_time(submitted_on=D, due=None) is None


@pytest.mark.parametrize(
    ("submitted_on", "expected"),
    [(D - timedelta(days=1), True), (D, True), (D + timedelta(1), False)],
)
def test_a_submission_on_the_deadline_day_is_on_time(submitted_on, expected):
    assert on_time(submitted_on=submitted_on, due=D) is expected


@pytest.mark.parametrize(
    ("kind", "offset", "expected"),
    [
        (NoticeKind.REMINDER_BEFORE, -8, False),
        (NoticeKind.REMINDER_BEFORE, -7, True),  # N = 7 days before
        (NoticeKind.REMINDER_BEFORE, -1, True),  # a missed run is caught up
        (NoticeKind.REMINDER_BEFORE, 0, True),
        (NoticeKind.REMINDER_BEFORE, 1, False),
        (NoticeKind.REMINDER_AFTER, 0, False),
        (NoticeKind.REMINDER_AFTER, 1, True),  # the day after
        (NoticeKind.REMINDER_AFTER, 3, True),
        (NoticeKind.REMINDER_AFTER, 4, False),  # past the grace: an old quarter stays quiet
    ],
)
def test_reminders_fall_due_in_their_window(kind, offset, expected):
    today = D + timedelta(days=offset)
    assert reminder_due(kind, due=D, today=today, days_before=7, grace=3) is expected


@pytest.mark.parametrize(
    ("offset", "submitted", "words"),
    [
        (-3, False, "3 days left"),
        (-1, False, "1 day left"),
        (0, False, "due today"),
        (1, False, "overdue by 1 day"),
        (12, False, "overdue by 12 days"),
        (12, True, "submitted"),
    ],
)
def test_deadline_words(offset, submitted, words):
    assert deadline_words(D, D + timedelta(days=offset), submitted=submitted) == words
    assert days_left(D, D + timedelta(days=offset)) == -offset


# ------------------------------------------------------------------- deadlines and returns


@pytest.fixture
def world(db):
    return make_world()


def set_deadline(world, due: date, *, target_set=None, quarter: Quarter = Q3) -> Deadline:
    return DeadlineFactory(
        year=quarter.year,
        quarter=quarter.quarter,
        target_set=target_set,
        due=due,
        set_by=world.director,
    )


def test_a_sets_own_deadline_wins_over_the_quarters(world):
    general = set_deadline(world, D)
    own = set_deadline(world, D + timedelta(days=10), target_set=world.target_set)
    other_set = TargetSetFactory()

    assert deadline_for(world.target_set.pk, Q3) == own
    assert deadline_for(other_set.pk, Q3) == general
    assert deadline_for(world.target_set.pk, Q3.next()) is None


def test_due_returns_are_every_sub_region_of_every_set_in_force_made_or_not(world):
    set_deadline(world, D)
    TargetSetFactory(status=TargetSetStatus.PROPOSED)
    made = open_(world)

    owed = deadlines.due_returns()

    assert {(item.sub_region, item.target_set) for item in owed} == {
        (world.sub_region, world.target_set),
        (world.other_region, world.target_set),
    }
    by_sub_region = {item.sub_region: item for item in owed}
    assert by_sub_region[world.sub_region].return_obj == made
    assert by_sub_region[world.other_region].return_obj is None
    after = D + timedelta(days=1)
    assert [item.sub_region for item in deadlines.overdue_returns(today=after)] == [
        world.sub_region,
        world.other_region,
    ]


def _submit(world, return_obj):
    return services.submit_return(return_obj=return_obj, actor=world.pm)


def test_the_first_submission_records_whether_it_met_the_deadline(world):
    today = timezone.localdate()
    set_deadline(world, today)
    return_obj = _submit(world, open_(world))

    assert (return_obj.submitted_on_time, return_obj.submitted_due) == (True, today)
    assert return_obj.submitted_at is not None

    # Sent back and submitted again after the deadline moved into the past: timeliness is the
    # first submission's, as DHIS2 records it.
    Deadline.objects.update(due=today - timedelta(days=5))
    services.send_back_return(return_obj=return_obj, actor=world.director, comment="Check 1.")
    again = _submit(world, return_obj)
    assert (again.submitted_on_time, again.submitted_due) == (True, today)


def test_a_late_submission_is_recorded_late_and_one_without_deadline_says_nothing(world):
    set_deadline(world, timezone.localdate() - timedelta(days=2))
    late = _submit(world, open_(world))
    undated = _submit(world, open_(world, Q3.previous()))

    assert late.submitted_on_time is False
    assert (undated.submitted_on_time, undated.submitted_due) == (None, None)
    assert undated.submitted_at is not None


# ---------------------------------------------------------------------- the deadlines page

PAGE = reverse("returns:deadlines")


def test_the_director_sets_and_moves_a_deadline_recorded_with_history(client, world):
    client.force_login(world.director)

    first = client.post(PAGE, {"quarter": "2009-3", "target_set": "", "due": "2010-01-15"})
    moved = client.post(
        PAGE, {"quarter": "2009-3", "target_set": "", "due": "2010-01-22", "note": "Board moved"}
    )

    assert first.status_code == moved.status_code == 302
    deadline = Deadline.objects.get()
    assert (deadline.due, deadline.note, deadline.set_by) == (
        date(2010, 1, 22),
        "Board moved",
        world.director,
    )
    assert [row.due for row in deadline.history.order_by("history_date")] == [
        date(2010, 1, 15),
        date(2010, 1, 22),
    ]
    page = client.get(PAGE).content.decode()
    assert "2009/10 Q3: due by 22 January 2010" in page
    assert "Board moved" in page


def test_a_deadline_before_its_quarter_starts_is_refused(client, world):
    client.force_login(world.director)

    response = client.post(PAGE, {"quarter": "2009-3", "due": "2009-09-30"})

    assert response.status_code == 400
    assert "cannot be due before the quarter starts" in response.content.decode()
    assert not Deadline.objects.exists()


@pytest.mark.parametrize("who", ["pm", "board", "admin"])
def test_others_see_the_deadlines_but_may_not_set_them(client, world, who):
    set_deadline(world, D)
    client.force_login(getattr(world, who))

    page = client.get(PAGE)
    refused = client.post(PAGE, {"quarter": "2009-3", "due": "2010-02-01"})

    assert page.status_code == 200
    assert "Set or move a deadline" not in page.content.decode()
    assert refused.status_code == 403
    assert Deadline.objects.get().due == D


def test_a_user_without_a_role_may_not_see_the_deadlines(client, world):
    client.force_login(world.no_role)

    assert client.get(PAGE).status_code == 403


# -------------------------------------------------------------- overdue where listed


def test_the_returns_list_marks_overdue_and_late_returns(client, world):
    set_deadline(world, timezone.localdate() - timedelta(days=2))
    overdue = open_(world)
    late = _submit(world, open_(world, Q3.previous()))  # no deadline for Q2: not late
    DeadlineFactory(
        year=2009, quarter=2, due=timezone.localdate() - timedelta(days=9), set_by=world.director
    )
    Return.objects.filter(pk=late.pk).update(
        submitted_on_time=False, submitted_due=date(2009, 9, 1)
    )
    client.force_login(world.board)

    page = re.sub(r"\s+", " ", client.get(reverse("returns:list")).content.decode())

    assert (
        '<span class="badge badge--overdue">Overdue</span> <span class="small">overdue by 2 days'
        in page
    )
    assert (
        '<span class="badge badge--overdue">Late</span> <span class="small">late (due 1 Sep 2009)'
        in page
    )
    detail = client.get(reverse("returns:detail", args=[overdue.pk])).content.decode()
    assert "badge--overdue" in detail


def test_the_service_sets_and_moves_a_deadline_for_the_director_only(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    from returns.deadlines import set_deadline

    deadline, created = set_deadline(quarter=Q3, target_set=None, due=D, actor=world.director)
    moved, again = set_deadline(
        quarter=Q3, target_set=None, due=D + timedelta(days=7), note="Moved", actor=world.director
    )

    assert (created, again) == (True, False)
    assert moved.pk == deadline.pk
    assert {row.history_user for row in moved.history.all()} == {world.director}
    with pytest.raises(PermissionDenied):
        set_deadline(quarter=Q3, target_set=None, due=D, actor=world.pm)
    with pytest.raises(ValidationError, match="cannot be due before the quarter starts"):
        set_deadline(quarter=Q3, target_set=None, due=date(2009, 9, 1), actor=world.director)
    assert Deadline.objects.get().due == D + timedelta(days=7)

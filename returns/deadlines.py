"""Deadlines of the quarterly returns: the rules (pure functions) and the returns they make due.

Business rules
--------------
* A region's Director sets the day by which a quarter's returns are due (``Deadline``), for
  every target set of the region in force that quarter, or for one set; a set's own deadline
  wins over the region's general one. A Director sets and removes their own region's deadlines
  only; another region's are never theirs to move. A set is in force in a quarter when it is
  not merely proposed and its period of force (``in_force_from`` / ``in_force_to``, either
  open) overlaps the quarter.
* Every sub-region owes a return of each such set for the quarter ("a due return"), made or
  not.
* The deadline day counts whole: a return submitted on the day is on time. A due return is
  **overdue** from the day after its deadline while it is not submitted (not started, draft, or
  returned for changes); a submitted or approved return is never overdue.
* A return records whether it was submitted on time at its **first** submission, against the
  deadline in force then (DHIS2's "timeliness"); without a deadline it says nothing.
* Reminders (returns.reminders): the "before" reminder is due from ``days_before`` days
  before the deadline up to the deadline; the "after" reminder from the day after it, for
  ``grace`` days (so a missed cron run is caught up, and an old quarter never sends one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Subquery

from authorities.models import Region, SubRegion
from authorities.roles import region_id_of
from authorities.scope import regions_of
from targets.models import TargetSet, TargetSetStatus

from .access import Visibility
from .models import Deadline, NoticeKind, Return, ReturnStatus
from .periods import Quarter

#: The statuses in which a due return is still the programme manager's to send.
NOT_SUBMITTED = frozenset({ReturnStatus.DRAFT, ReturnStatus.RETURNED})

# --------------------------------------------------------------------------- the rules


def in_force(*, status: str, starts: date | None, ends: date | None, quarter: Quarter) -> bool:
    """Whether a target set owes returns for ``quarter``: adopted (or superseded later) and in
    force at some time during the quarter."""
    if status == TargetSetStatus.PROPOSED:
        return False
    return not ((starts and quarter.end < starts) or (ends and quarter.start > ends))


def days_left(due: date, today: date) -> int:
    """Days until the deadline: 0 on the day, negative once it has passed."""
    return (due - today).days


def is_overdue(*, status: str | None, due: date | None, today: date) -> bool:
    """A due return not submitted (``status`` None: not started) after its deadline day."""
    if due is None or today <= due:
        return False
    return status is None or status in NOT_SUBMITTED


def on_time(*, submitted_on: date, due: date | None) -> bool | None:
    """Whether a submission on ``submitted_on`` met the deadline (None: there was none)."""
    if due is None:
        return None
    return submitted_on <= due


def reminder_due(kind: str, *, due: date, today: date, days_before: int, grace: int) -> bool:
    """Whether the reminder of ``kind`` (before or after the deadline) is due today."""
    if kind == NoticeKind.REMINDER_BEFORE:
        return due - timedelta(days=days_before) <= today <= due
    if kind == NoticeKind.REMINDER_AFTER:
        return due < today <= due + timedelta(days=grace)
    raise ValueError(f"Not a reminder: {kind!r}")


def deadline_words(due: date, today: date, *, submitted: bool = False) -> str:
    """ "due today", "3 days left", "overdue by 2 days" ("submitted": a submitted return)."""
    if submitted:
        return "submitted"
    left = days_left(due, today)
    if left == 0:
        return "due today"
    if left > 0:
        return f"{left} day{'s' if left != 1 else ''} left"
    return f"overdue by {-left} day{'s' if left != -1 else ''}"


# --------------------------------------------------------------------------- the service


@transaction.atomic
def set_deadline(
    *,
    quarter: Quarter,
    target_set: TargetSet | None,
    due: date,
    note: str = "",
    region: Region | None = None,
    actor,
) -> tuple[Deadline, bool]:
    """A region's Director sets (or moves) the deadline of a quarter's returns, for every set
    of the region in force (``target_set`` None) or for one; recorded in the deadline's history
    with who and when. Returns the deadline and whether it is new.

    ``region`` is the set's region for a set's deadline, else the Director's own (a national
    user with the permission must name it). Only a region the actor may see can be given a
    deadline. A deadline cannot fall before its quarter starts. Reminders already sent for the
    old day are not sent again for it; the new day is a new deadline with its own reminders
    (returns.reminders)."""
    if not (actor.has_perm("returns.add_deadline") and actor.has_perm("returns.change_deadline")):
        raise PermissionDenied("Only the Director sets the returns' deadlines.")
    region_id = _deadline_region(target_set=target_set, region=region, actor=actor)
    if due < quarter.start:
        raise ValidationError(
            {"due": f"Returns for {quarter.label} cannot be due before the quarter starts."}
        )
    deadline = Deadline.objects.filter(
        region_id=region_id, year=quarter.year, quarter=quarter.quarter, target_set=target_set
    ).first()
    created = deadline is None
    if created:
        deadline = Deadline(
            region_id=region_id, year=quarter.year, quarter=quarter.quarter, target_set=target_set
        )
    deadline.due, deadline.note, deadline.set_by = due, note, actor
    deadline._history_user = actor
    deadline.full_clean()
    deadline.save()
    return deadline, created


def _deadline_region(*, target_set: TargetSet | None, region: Region | None, actor) -> int:
    """The region a deadline is set for (see ``set_deadline``), or PermissionDenied /
    ValidationError naming the field."""
    if target_set is not None:
        if region is not None and region.pk != target_set.region_id:
            raise ValidationError({"target_set": "This target set belongs to another region."})
        region_id = target_set.region_id
    elif region is not None:
        region_id = region.pk
    else:
        region_id = region_id_of(actor)
        if region_id is None:
            raise ValidationError({"region": "Choose the region whose returns are due."})
    if not regions_of(actor).allows(region_id):
        raise PermissionDenied("Deadlines of another region are its own Director's to set.")
    return region_id


@transaction.atomic
def remove_deadline(*, deadline: Deadline, actor) -> str:
    """A region's Director removes one of their region's deadlines (recorded in its history);
    returns what was removed, in words."""
    if not actor.has_perm("returns.delete_deadline"):
        raise PermissionDenied("Only the Director removes the returns' deadlines.")
    if not regions_of(actor).allows(deadline.region_id):
        raise PermissionDenied("Deadlines of another region are its own Director's to remove.")
    label = str(deadline)
    deadline._history_user = actor
    deadline.delete()
    return label


# --------------------------------------------------------------------------- the queries


def deadlines_by_quarter(
    quarters: Iterable[Quarter] | None = None,
) -> dict[Quarter, dict[DeadlineKey, Deadline]]:
    """The deadlines (of ``quarters``, or all), by quarter and then by target set id, or by
    ``general(region_id)`` for a region's general one. One query."""
    queryset = Deadline.objects.all()
    if quarters is not None:
        wanted = set(quarters)
        queryset = queryset.filter(year__in={quarter.year for quarter in wanted})
    found: dict[Quarter, dict[DeadlineKey, Deadline]] = defaultdict(dict)
    for deadline in queryset:
        if quarters is None or deadline.period in wanted:
            key = deadline.target_set_id or general(deadline.region_id)
            found[deadline.period][key] = deadline
    return dict(found)


#: A quarter's deadlines are found by target set id, or by ``general(region id)``.
DeadlineKey = int | tuple[str, int]


def general(region_id: int) -> tuple[str, int]:
    """The key of a region's general deadline among a quarter's (``deadlines_by_quarter``)."""
    return ("general", region_id)


def pick(
    by_set: dict[DeadlineKey, Deadline], target_set_id: int, region_id: int
) -> Deadline | None:
    """A set's own deadline, else its region's general one for the quarter."""
    return by_set.get(target_set_id) or by_set.get(general(region_id))


def deadline_for(target_set_id: int, quarter: Quarter) -> Deadline | None:
    """The deadline of a set's returns for a quarter: the set's own, else its region's general
    one (one query: both candidates, the region found through the set)."""
    region = TargetSet.objects.filter(pk=target_set_id).values("region_id")[:1]
    found = {
        deadline.target_set_id or general(deadline.region_id): deadline
        for deadline in Deadline.objects.filter(year=quarter.year, quarter=quarter.quarter).filter(
            Q(target_set_id=target_set_id) | Q(target_set__isnull=True, region_id=Subquery(region))
        )
    }
    own = found.pop(target_set_id, None)
    return own or next(iter(found.values()), None)


@dataclass
class DueReturn:
    """A return a sub-region owes for a quarter, made (``return_obj``) or not."""

    sub_region: SubRegion
    target_set: TargetSet
    quarter: Quarter
    deadline: Deadline
    return_obj: Return | None = None

    @property
    def status(self) -> str | None:
        return self.return_obj.status if self.return_obj else None

    @property
    def status_label(self) -> str:
        return self.return_obj.get_status_display() if self.return_obj else "Not started"

    @property
    def due(self) -> date:
        return self.deadline.due

    def overdue(self, today: date) -> bool:
        return is_overdue(status=self.status, due=self.due, today=today)

    def words(self, today: date) -> str:
        return deadline_words(self.due, today, submitted=self.status not in (None, *NOT_SUBMITTED))


def due_returns(
    *, sub_region_ids: Iterable[int] | None = None, visibility: Visibility | None = None
) -> list[DueReturn]:
    """Every return owed under a deadline, by deadline then sub-region order (four queries:
    deadlines, sets, sub-regions, returns). A set's returns are owed by the sub-regions of its
    own region only; ``visibility`` (returns.access): those a user may see."""
    by_quarter = deadlines_by_quarter()
    if not by_quarter:
        return []
    sets = list(TargetSet.objects.exclude(status=TargetSetStatus.PROPOSED).order_by("order"))
    sub_regions = SubRegion.objects.order_by("order", "name")
    if sub_region_ids is not None:
        sub_regions = sub_regions.filter(pk__in=list(sub_region_ids))
    if visibility is not None:
        sub_regions = visibility.filter(sub_regions, "pk")
    sub_regions = list(sub_regions)
    returns = {
        (r.sub_region_id, r.target_set_id, r.period): r
        for r in Return.objects.filter(
            year__in={quarter.year for quarter in by_quarter},
            sub_region__in=sub_regions,
        )
    }
    owed: list[DueReturn] = []
    for quarter in sorted(by_quarter):
        for target_set in sets:
            deadline = pick(by_quarter[quarter], target_set.pk, target_set.region_id)
            if deadline is None or not in_force(
                status=target_set.status,
                starts=target_set.in_force_from,
                ends=target_set.in_force_to,
                quarter=quarter,
            ):
                continue
            for sub_region in sub_regions:
                if sub_region.region_id != target_set.region_id:
                    continue  # another partnership's targets
                owed.append(
                    DueReturn(
                        sub_region=sub_region,
                        target_set=target_set,
                        quarter=quarter,
                        deadline=deadline,
                        return_obj=returns.get((sub_region.pk, target_set.pk, quarter)),
                    )
                )
    owed.sort(
        key=lambda item: (item.due, item.quarter, item.sub_region.order, item.target_set.order)
    )
    return owed


def overdue_returns(*, today: date, sub_region_ids: Iterable[int] | None = None) -> list[DueReturn]:
    """The due returns not submitted after their deadline, the longest overdue first."""
    return [item for item in due_returns(sub_region_ids=sub_region_ids) if item.overdue(today)]


@dataclass(frozen=True)
class DueFacts:
    """A return's deadline (None: none set) and whether it is overdue today."""

    due: date | None
    overdue: bool


def due_facts(returns: Iterable[Return], *, today: date) -> dict[int, DueFacts]:
    """For each return, its deadline and whether it is overdue (not submitted after it), as the
    API's lists give them. One query, whatever the number of returns (their sets read with
    them: a general deadline is found by the set's region)."""
    returns = list(returns)
    by_quarter = deadlines_by_quarter({r.period for r in returns})
    facts = {}
    for return_obj in returns:
        deadline = pick(
            by_quarter.get(return_obj.period, {}),
            return_obj.target_set_id,
            return_obj.target_set.region_id,
        )
        due = deadline.due if deadline else None
        facts[return_obj.pk] = DueFacts(
            due=due, overdue=is_overdue(status=return_obj.status, due=due, today=today)
        )
    return facts


def deadline_texts(returns: Iterable[Return], *, today: date) -> dict[int, tuple[str, bool]]:
    """For each return, its deadline as the lists show it ("3 days left", "overdue by 2 days",
    "on time (15 Jan 2010)", "late (due 15 Jan 2010)", "none set") and whether to mark it
    (overdue, or submitted late). One query."""
    texts = {}
    returns = list(returns)
    for return_obj in returns:
        if return_obj.submitted_on_time is False:
            texts[return_obj.pk] = (f"late (due {return_obj.submitted_due:%-d %b %Y})", True)
        elif return_obj.submitted_on_time:
            texts[return_obj.pk] = (f"on time (due {return_obj.submitted_due:%-d %b %Y})", False)
    undecided = [r for r in returns if r.pk not in texts]
    facts = due_facts(undecided, today=today) if undecided else {}
    for return_obj in undecided:
        due = facts[return_obj.pk].due
        if due is None:
            texts[return_obj.pk] = ("none set", False)
        else:
            submitted = return_obj.status not in NOT_SUBMITTED
            texts[return_obj.pk] = (
                deadline_words(due, today, submitted=submitted),
                facts[return_obj.pk].overdue,
            )
    return texts

"""What each role has to do next with the returns: the home page's lists (riep.views.HomeView).

* A **programme manager**: for each target set their sub-region owes returns of, this
  quarter's return (the quarter of the set's latest deadline; without any deadline, the
  sub-region's latest return of the set): its status, how many lines have a value out of how
  many, the deadline and the days left (or overdue), the Director's comment when it was sent
  back, and the next step; plus any earlier return still overdue.
* The **Director**: the returns awaiting sign-off, the longest waiting first, with how long
  they have waited; and every return overdue (made or not).

A handful of queries whatever the number of returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from authorities.models import SubRegion
from targets.models import TargetSet, TargetSetStatus

from .access import scope_of
from .deadlines import NOT_SUBMITTED, DueReturn, deadline_words, due_returns
from .models import Deadline, LineState, Return, ReturnStatus, Transition
from .periods import Quarter


@dataclass
class Step:
    """The next thing to do, in words, with where to do it (``start``: a start-return form)."""

    text: str
    url: str = ""
    link_text: str = ""
    start: bool = False


@dataclass
class OwnReturn:
    """One of a programme manager's returns, as the home page shows it."""

    target_set: TargetSet
    quarter: Quarter
    return_obj: Return | None
    deadline: Deadline | None
    lines: int
    values: int
    awaiting: int
    returned_comment: str
    step: Step
    deadline_text: str
    overdue: bool

    @property
    def status_label(self) -> str:
        return self.return_obj.get_status_display() if self.return_obj else "Not started"

    @property
    def status(self) -> str:
        return self.return_obj.status if self.return_obj else "none"


def _counted(returns: list[Return]) -> dict[int, tuple[int, int, int]]:
    """Return id → (lines, lines with a value, lines awaiting data): one query."""
    rows = (
        Return.objects.filter(pk__in=[r.pk for r in returns])
        .annotate(
            line_count=Count("lines"),
            value_count=Count("lines", filter=Q(lines__state=LineState.VALUE)),
            awaiting_count=Count(
                "lines", filter=Q(lines__state=LineState.AWAITING, lines__scope="in")
            ),
        )
        .values_list("pk", "line_count", "value_count", "awaiting_count")
    )
    return {pk: (lines, values, awaiting) for pk, lines, values, awaiting in rows}


def _sent_back(returns: list[Return]) -> dict[int, str]:
    """The Director's comment of the last send-back of each returned return: one query."""
    ids = [r.pk for r in returns if r.status == ReturnStatus.RETURNED]
    comments: dict[int, str] = {}
    for return_id, comment in (
        Transition.objects.filter(return_obj__in=ids, to_status=ReturnStatus.RETURNED)
        .order_by("at", "id")
        .values_list("return_obj_id", "comment")
    ):
        comments[return_id] = comment
    return comments


def next_step(return_obj: Return | None, *, awaiting: int) -> Step:
    """What the programme manager does next with the return."""
    if return_obj is None:
        return Step("Start the return: a draft with a line for every authority.", start=True)
    edit = reverse("returns:edit", args=[return_obj.pk])
    detail = reverse("returns:detail", args=[return_obj.pk])
    if return_obj.status == ReturnStatus.SUBMITTED:
        return Step("Nothing to do: it awaits the Director's sign-off.", detail, "See it")
    if return_obj.status == ReturnStatus.APPROVED:
        return Step("Nothing to do: it is approved.", detail, "See it")
    again = " again" if return_obj.status == ReturnStatus.RETURNED else ""
    if awaiting:
        return Step(
            f"Enter the {awaiting} line{'s' if awaiting != 1 else ''} still awaiting data "
            f"(or import a file), then submit it{again}.",
            edit,
            "Enter values",
        )
    return Step(f"Every line has an entry: review it and submit it{again}.", detail, "Review")


def programme_manager_work(sub_region: SubRegion, *, today: date) -> list[OwnReturn]:
    """A programme manager's returns to show (see the module)."""
    owed = due_returns(sub_region_ids=[sub_region.pk])
    latest_per_set: dict[int, DueReturn] = {}
    for item in owed:
        known = latest_per_set.get(item.target_set.pk)
        if known is None or item.quarter > known.quarter:
            latest_per_set[item.target_set.pk] = item
    shown: list[tuple[TargetSet, Quarter, Return | None, Deadline | None]] = []
    for item in owed:
        current = latest_per_set[item.target_set.pk] is item
        if current or item.overdue(today):
            shown.append((item.target_set, item.quarter, item.return_obj, item.deadline))
    without_deadline = (
        TargetSet.objects.exclude(status=TargetSetStatus.PROPOSED)
        .exclude(pk__in=list(latest_per_set))
        .order_by("order")
    )
    latest_returns = {}
    for return_obj in Return.objects.filter(
        sub_region=sub_region, target_set__in=without_deadline
    ).select_related("target_set"):
        known = latest_returns.get(return_obj.target_set_id)
        if known is None or return_obj.period > known.period:
            latest_returns[return_obj.target_set_id] = return_obj
    for return_obj in latest_returns.values():
        shown.append((return_obj.target_set, return_obj.period, return_obj, None))
    returns = [return_obj for _, _, return_obj, _ in shown if return_obj is not None]
    counts = _counted(returns)
    comments = _sent_back(returns)
    result = []
    for target_set, quarter, return_obj, deadline in shown:
        lines, values, awaiting = counts.get(return_obj.pk, (0, 0, 0)) if return_obj else (0, 0, 0)
        status = return_obj.status if return_obj else None
        submitted = status is not None and status not in NOT_SUBMITTED
        result.append(
            OwnReturn(
                target_set=target_set,
                quarter=quarter,
                return_obj=return_obj,
                deadline=deadline,
                lines=lines,
                values=values,
                awaiting=awaiting,
                returned_comment=comments.get(return_obj.pk, "") if return_obj else "",
                step=next_step(return_obj, awaiting=awaiting),
                deadline_text=deadline_words(deadline.due, today, submitted=submitted)
                if deadline
                else "no deadline set",
                overdue=bool(deadline) and not submitted and today > deadline.due,
            )
        )
    result.sort(key=lambda item: (item.target_set.order, -item.quarter.index))
    return result


@dataclass
class Waiting:
    """A return awaiting the Director's sign-off."""

    return_obj: Return
    submitted_at: datetime
    age: str


def _age(since: datetime, now: datetime) -> str:
    days = (timezone.localdate(now) - timezone.localdate(since)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "1 day"
    return f"{days} days"


def awaiting_sign_off(*, user, now: datetime | None = None) -> list[Waiting]:
    """Submitted returns the user may see (their region's), the longest waiting first (by
    their last submission): one query."""
    now = now or timezone.now()
    returns = (
        Return.objects.for_user(user)
        .filter(status=ReturnStatus.SUBMITTED)
        .select_related("sub_region", "target_set")
        .annotate(
            last_submitted=Max(
                "transitions__at", filter=Q(transitions__to_status=ReturnStatus.SUBMITTED)
            )
        )
        .order_by("last_submitted", "pk")
    )
    return [
        Waiting(return_obj=r, submitted_at=r.last_submitted, age=_age(r.last_submitted, now))
        for r in returns
        if r.last_submitted is not None
    ]


@dataclass
class Overdue:
    item: DueReturn
    words: str


def overdue_work(*, user, today: date) -> list[Overdue]:
    """Every due return the user may see not submitted after its deadline, the longest
    overdue first."""
    return [
        Overdue(item=item, words=deadline_words(item.due, today))
        for item in due_returns(visibility=scope_of(user))
        if item.overdue(today)
    ]

"""Reminders of the returns' deadlines, sent by `manage.py send_reminders` (daily, from cron).

Business rules (the dates: returns.deadlines.reminder_due)
----------------------------------------------------------
* Each programme manager of a sub-region whose due return is not submitted (not started, a
  draft, or returned for changes) gets a reminder ``RETURN_REMINDER_DAYS_BEFORE`` days before
  its deadline and another the day after it, unless they turned that kind off.
* The same reminder is never sent twice, however often the command runs, even two at once:
  each is recorded under a key unique to it (kind, person, sub-region, target set, quarter,
  deadline) before it is emailed, and the database refuses a second record. A deadline the
  Director moves is a new deadline: its reminders go again.
* The command also emails any notice whose email is waiting or failed (returns.notices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .deadlines import NOT_SUBMITTED, DueReturn, deadline_words, due_returns, reminder_due
from .models import NoticeKind, NoticeSettings, Notification
from .notices import Delivery, Notice, deliver, describe_parts, programme_managers, record

KINDS = (NoticeKind.REMINDER_BEFORE, NoticeKind.REMINDER_AFTER)


def reminder_key(kind: str, user_id: int, item: DueReturn) -> str:
    """The identity of one reminder: the same reminder twice has the same key."""
    return (
        f"{kind}:{user_id}:{item.sub_region.pk}:{item.target_set.pk}:"
        f"{item.quarter.year}Q{item.quarter.quarter}:{item.due.isoformat()}"
    )


def reminder_notice(kind: str, item: DueReturn, *, today: date) -> Notice:
    what = describe_parts(item.sub_region.name, item.quarter, item.target_set.title)
    due = f"{item.due:%-d %B %Y}"
    state = item.status_label.lower()
    if item.return_obj is not None:
        link = reverse("returns:edit", args=[item.return_obj.pk])
        lines = item.return_obj.lines.filter(counted=True)
        given = lines.exclude(state="awaiting").count()
        state += f", {given} of {lines.count()} lines given"
    else:
        link = reverse("returns:list")
    if kind == NoticeKind.REMINDER_BEFORE:
        subject = f"Reminder: {what} is due by {due}"
        opening = f"{what} is due by {due} ({deadline_words(item.due, today)})."
    else:
        subject = f"Overdue: {what} was due by {due}"
        opening = f"{what} was due by {due} and is not submitted yet."
    body = "\n".join(
        [
            opening,
            f"It is {state}.",
            *([f"About the deadline: {item.deadline.note}"] if item.deadline.note else []),
            "Open it:",
        ]
    )
    return Notice(kind=kind, subject=subject, body=body, link=link)


def recorded_keys() -> set[str]:
    """The keys of every reminder recorded so far (one query; the database's unique constraint
    still refuses one recorded by another run after this was read)."""
    return set(Notification.objects.exclude(key="").values_list("key", flat=True))


@dataclass
class ReminderRun:
    recorded: list[Notification] = field(default_factory=list)
    already_sent: int = 0
    turned_off: int = 0
    delivery: Delivery = field(default_factory=Delivery)

    def lines(self) -> list[str]:
        return [
            f"Reminders recorded: {len(self.recorded)} (already sent before: "
            f"{self.already_sent}; turned off by their recipient: {self.turned_off}).",
            f"Emails sent: {self.delivery.sent}; failed (tried again next run): "
            f"{self.delivery.failed}.",
        ]


def send_reminders(*, today: date | None = None) -> ReminderRun:
    """Record the reminders due today that were never recorded, then email every notice
    waiting to be emailed (these and any left over)."""
    today = today or timezone.localdate()
    run = ReminderRun()
    days_before = settings.RETURN_REMINDER_DAYS_BEFORE
    grace = settings.RETURN_REMINDER_GRACE_DAYS
    owed = [
        item
        for item in due_returns()
        if item.status is None or item.status in NOT_SUBMITTED
        if any(
            reminder_due(kind, due=item.due, today=today, days_before=days_before, grace=grace)
            for kind in KINDS
        )
    ]
    managers: dict[int, list] = {}
    for item in owed:
        if item.sub_region.pk not in managers:
            managers[item.sub_region.pk] = list(programme_managers(item.sub_region.pk))
    user_ids = {user.pk for users in managers.values() for user in users}
    wants = {row.user_id: row for row in NoticeSettings.objects.filter(user_id__in=user_ids)}
    keys = recorded_keys()
    for item in owed:
        for kind in KINDS:
            if not reminder_due(
                kind, due=item.due, today=today, days_before=days_before, grace=grace
            ):
                continue
            notice = reminder_notice(kind, item, today=today)
            for user in managers[item.sub_region.pk]:
                if user.pk in wants and not wants[user.pk].wants(kind):
                    run.turned_off += 1
                    continue
                key = reminder_key(kind, user.pk, item)
                if key in keys:
                    run.already_sent += 1
                    continue
                try:
                    with transaction.atomic():
                        made = record(
                            notice, recipients=[user], return_obj=item.return_obj, key=key
                        )
                except IntegrityError:  # another run recorded it a moment ago
                    run.already_sent += 1
                    continue
                keys.add(key)
                run.recorded += made
    run.delivery = deliver()
    return run

"""Notices about returns: who is told what, recorded in the app and emailed.

Business rules
--------------
* A return **submitted** → every Director (whoever may sign returns off), with the comment,
  whether it came in on time, and the lines still awaiting data.
* A return **sent back**, **approved** or **reopened** → the sub-region's programme managers,
  with the Director's comment or reason.
* **Reminders** (returns.reminders) → each programme manager whose return is not submitted;
  a person may turn reminders off (``NoticeSettings``); sign-off notices cannot be.
* Every notice is a ``Notification`` row, listed on the recipient's notices page, and emailed
  once through Django's email framework (``deliver``). A person without an email address still
  sees it in the app. A failed email is tried again by ``manage.py send_reminders`` (at most
  ``MAX_ATTEMPTS`` times).

The services record the notices in the transaction of the step itself and email them only
once it commits (``transaction.on_commit``): a refused or rolled-back step tells nobody, and a
slow mail server never holds a database transaction open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .models import EmailState, NoticeKind, Notification, Return

logger = logging.getLogger(__name__)

#: A notice whose email failed this many times is left failed (shown so on its page).
MAX_ATTEMPTS = 5
_PERMISSION_BACKEND = "authorities.backends.PermissionBackend"

#: A submission's email lists at most this many lines awaiting data (the page lists them all).
AWAITING_LISTED = 20
#: The notice kind of each sign-off step (returns.workflow's step names).
STEP_NOTICES = {
    "submit": NoticeKind.SUBMITTED,
    "send-back": NoticeKind.RETURNED,
    "approve": NoticeKind.APPROVED,
    "reopen": NoticeKind.REOPENED,
}


def name_of(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def directors(region_id: int):
    """Everyone who signs the region's returns off (active users with
    returns.approve_return, bound to the region): another region's Director is not told."""
    return (
        get_user_model()
        .objects.with_perm(
            "returns.approve_return", include_superusers=False, backend=_PERMISSION_BACKEND
        )
        .filter(region_membership__region_id=region_id)
    )


def programme_managers(sub_region_id: int):
    """The programme managers of a sub-region (active, bound to it, may submit its returns)."""
    return (
        get_user_model()
        .objects.with_perm(
            "returns.submit_return", include_superusers=False, backend=_PERMISSION_BACKEND
        )
        .filter(membership__sub_region_id=sub_region_id)
    )


def describe_parts(sub_region: str, quarter, target_set: str) -> str:
    """ "Derbyshire's 2009/10 Q3 return (12 stretch targets)" """
    return f"{sub_region}'s {quarter.label} return ({target_set})"


def describe(return_obj: Return) -> str:
    return describe_parts(
        return_obj.sub_region.name, return_obj.period, return_obj.target_set.title
    )


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path else ""


@dataclass(frozen=True)
class Notice:
    kind: str
    subject: str
    body: str
    link: str


def step_notice(return_obj: Return, *, step: str, actor, comment: str) -> Notice | None:
    """What a sign-off step tells (None: a step nobody is told of)."""
    kind = STEP_NOTICES.get(step)
    if kind is None:
        return None
    what = describe(return_obj)
    when = timezone.localtime().strftime("%-d %b %Y at %H:%M")
    link = reverse("returns:detail", args=[return_obj.pk])
    said = comment.strip()
    if kind == NoticeKind.SUBMITTED:
        lines = [f"{name_of(actor)} submitted {what} for sign-off on {when}."]
        if return_obj.submitted_on_time is not None and return_obj.submitted_due:
            timely = "on time" if return_obj.submitted_on_time else "late"
            lines.append(
                f"It came in {timely}: the deadline was {return_obj.submitted_due:%-d %b %Y}."
            )
        awaiting = _awaiting_of(return_obj)
        if awaiting:
            lines.append(
                f"{len(awaiting)} line{'s' if len(awaiting) != 1 else ''} still await data:"
            )
            lines += [
                f"  - {row['where']}: {row['reason'] or '(no reason given)'}"
                for row in awaiting[:AWAITING_LISTED]
            ]
            if len(awaiting) > AWAITING_LISTED:
                lines.append(f"  ... and {len(awaiting) - AWAITING_LISTED} more (see the return).")
        if said:
            lines.append(f"Comment: {said}")
        lines.append("Review and sign it off:")
        subject = f"Submitted for sign-off: {what}"
    elif kind == NoticeKind.RETURNED:
        lines = [
            f"{name_of(actor)} returned {what} to you for changes on {when}.",
            f"What needs changing: {said}",
            "Make the changes and submit it again:",
        ]
        subject = f"Returned for changes: {what}"
    elif kind == NoticeKind.APPROVED:
        lines = [f"{name_of(actor)} approved {what} on {when}. It is locked from now on."]
        if said:
            lines.append(f"Comment: {said}")
        lines.append("See it:")
        subject = f"Approved: {what}"
    else:
        lines = [
            f"{name_of(actor)} reopened {what} as a draft on {when}.",
            f"Reason: {said}",
            "Make the changes and submit it again:",
        ]
        subject = f"Reopened: {what}"
    return Notice(kind=kind, subject=subject, body="\n".join(lines), link=link)


def _awaiting_of(return_obj: Return) -> list[dict]:
    latest = return_obj.transitions.filter(to_status="submitted").order_by("-at", "-id").first()
    return list(latest.awaiting) if latest else []


def record(
    notice: Notice, *, recipients: Iterable, return_obj: Return | None = None, key: str = ""
) -> list[Notification]:
    """One ``Notification`` per recipient (not emailed yet: see ``deliver_on_commit``)."""
    made = []
    for user in recipients:
        made.append(
            Notification.objects.create(
                recipient=user,
                kind=notice.kind,
                return_obj=return_obj,
                subject=notice.subject[:200],
                body=notice.body,
                link=notice.link,
                key=key,
                email_state=EmailState.PENDING if user.email else EmailState.NO_ADDRESS,
            )
        )
    return made


def step_taken(return_obj: Return, *, step: str, actor, comment: str) -> list[Notification]:
    """Record the notices of a sign-off step and email them once the step commits."""
    notice = step_notice(return_obj, step=step, actor=actor, comment=comment)
    if notice is None:
        return []
    if notice.kind == NoticeKind.SUBMITTED:
        recipients = directors(return_obj.sub_region.region_id)
    else:
        recipients = programme_managers(return_obj.sub_region_id)
    made = record(notice, recipients=recipients.exclude(pk=actor.pk), return_obj=return_obj)
    deliver_on_commit([notification.pk for notification in made])
    return made


def deliver_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: deliver(ids))


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0


def deliver(ids: Iterable[int] | None = None) -> Delivery:
    """Email the pending notices (of ``ids``, or every one waiting or failed fewer than
    MAX_ATTEMPTS times), each claimed first so that two senders never send one twice; a
    failure is recorded on the notice, never raised."""
    waiting = Q(email_state=EmailState.PENDING) | Q(
        email_state=EmailState.FAILED, email_attempts__lt=MAX_ATTEMPTS
    )
    queryset = Notification.objects.filter(waiting)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    outcome = Delivery()
    connection = None
    for pk in queryset.order_by("pk").values_list("pk", flat=True):
        claimed = Notification.objects.filter(waiting, pk=pk).update(email_state=EmailState.SENDING)
        if not claimed:
            continue  # another sender has it
        notification = Notification.objects.select_related("recipient").get(pk=pk)
        try:
            connection = connection or get_connection(fail_silently=False)
            _message(notification, connection).send()
        except Exception as error:  # any failure of the mail server is recorded, never raised
            logger.warning("Notice %s not emailed: %s", pk, error)
            Notification.objects.filter(pk=pk).update(
                email_state=EmailState.FAILED,
                email_attempts=notification.email_attempts + 1,
                email_error=str(error)[:300],
            )
            outcome.failed += 1
            connection = None
            continue
        Notification.objects.filter(pk=pk).update(
            email_state=EmailState.SENT,
            email_attempts=notification.email_attempts + 1,
            emailed_at=timezone.now(),
            email_error="",
        )
        outcome.sent += 1
    return outcome


def _message(notification: Notification, connection) -> EmailMessage:
    body = notification.body
    if notification.link:
        body += f"\n{absolute(notification.link)}"
    body += (
        "\n\n--\nEast Midlands RIEP target monitoring. Your notices: "
        f"{absolute(reverse('returns:notices'))}"
    )
    if notification.is_reminder:
        body += "\nTo stop these reminders, change your notice settings on that page."
    return EmailMessage(
        subject=f"[RIEP targets] {notification.subject}",
        body=body,
        to=[notification.recipient.email],
        connection=connection,
    )

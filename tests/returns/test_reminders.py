"""Reminders of the deadlines (`manage.py send_reminders`): who gets which, when, never twice;
and, end to end, through a real SMTP server on the loopback interface (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import date, timedelta
from email import message_from_bytes
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import IntegrityError

from returns import reminders, services
from returns.models import Deadline, EmailState, NoticeKind, NoticeSettings, Notification
from returns.reminders import reminder_key, send_reminders
from tests.factories import DeadlineFactory
from tests.returns.test_services import Q3, make_world, open_

DUE = date(2010, 1, 15)
BEFORE = DUE - timedelta(days=3)  # inside the "before" window (7 days by default)
AFTER = DUE + timedelta(days=1)


@pytest.fixture
def world(db):
    world = make_world()
    for user in (world.pm, world.pm_other, world.director):
        user.email = f"{user.username}@example.org"
        user.save()
    DeadlineFactory(year=Q3.year, quarter=Q3.quarter, due=DUE, set_by=world.director)
    return world


def test_each_programme_manager_whose_return_is_not_submitted_is_reminded(world, mailoutbox):
    run = send_reminders(today=BEFORE)

    assert sorted(note.recipient.username for note in run.recorded) == sorted(
        [world.pm.username, world.pm_other.username]
    )
    assert {note.kind for note in run.recorded} == {NoticeKind.REMINDER_BEFORE}
    assert len(mailoutbox) == 2
    subject = mailoutbox[0].subject
    assert "Reminder:" in subject
    assert "2009/10 Q3 return" in subject
    assert "is due by 15 January 2010 (3 days left)" in mailoutbox[0].body
    assert "To stop these reminders" in mailoutbox[0].body


def test_a_submitted_return_is_not_reminded_and_nobody_is_outside_the_window(world, mailoutbox):
    services.submit_return(return_obj=open_(world), actor=world.pm)
    mailoutbox.clear()

    assert send_reminders(today=DUE - timedelta(days=8)).recorded == []
    run = send_reminders(today=BEFORE)

    assert [note.recipient for note in run.recorded] == [world.pm_other]


def test_running_twice_sends_nothing_twice(world, mailoutbox):
    first = send_reminders(today=BEFORE)
    second = send_reminders(today=BEFORE - timedelta(days=-1))

    assert len(first.recorded) == 2
    assert second.recorded == []
    assert second.already_sent == 2
    assert len(mailoutbox) == 2
    assert Notification.objects.count() == 2


def test_the_day_after_the_deadline_brings_the_second_reminder_once(world, mailoutbox):
    send_reminders(today=BEFORE)
    after = send_reminders(today=AFTER)
    again = send_reminders(today=AFTER + timedelta(days=1))

    assert {note.kind for note in after.recorded} == {NoticeKind.REMINDER_AFTER}
    assert again.recorded == []
    assert len(mailoutbox) == 4
    assert "Overdue:" in mailoutbox[-1].subject


def test_a_moved_deadline_is_a_new_deadline_with_its_own_reminders(world, mailoutbox):
    send_reminders(today=BEFORE)
    Deadline.objects.update(due=DUE + timedelta(days=2))

    moved = send_reminders(today=BEFORE)

    assert len(moved.recorded) == 2


def test_a_person_who_turned_reminders_off_gets_none_of_that_kind(world, mailoutbox):
    NoticeSettings.objects.create(user=world.pm, remind_before=False)

    before = send_reminders(today=BEFORE)
    after = send_reminders(today=AFTER)

    assert [note.recipient for note in before.recorded] == [world.pm_other]
    assert before.turned_off == 1
    assert {note.recipient for note in after.recorded} == {world.pm, world.pm_other}


def test_the_database_refuses_a_second_record_of_one_reminder(world):
    item = next(item for item in reminders.due_returns() if item.sub_region == world.sub_region)
    key = reminder_key(NoticeKind.REMINDER_BEFORE, world.pm.pk, item)
    Notification.objects.create(
        recipient=world.pm, kind=NoticeKind.REMINDER_BEFORE, subject="s", body="b", key=key
    )

    with pytest.raises(IntegrityError):
        Notification.objects.create(
            recipient=world.pm, kind=NoticeKind.REMINDER_BEFORE, subject="s", body="b", key=key
        )


def test_a_run_racing_another_counts_its_reminder_as_sent(world, monkeypatch, mailoutbox):
    """Two runs at once: the other run recorded the reminder after this one read the keys."""
    item = next(item for item in reminders.due_returns() if item.sub_region == world.sub_region)
    key = reminder_key(NoticeKind.REMINDER_BEFORE, world.pm.pk, item)
    Notification.objects.create(
        recipient=world.pm, kind=NoticeKind.REMINDER_BEFORE, subject="s", body="b", key=key
    )
    monkeypatch.setattr(reminders, "recorded_keys", set)  # it read the keys before that

    run = send_reminders(today=BEFORE)

    assert run.already_sent == 1
    assert [note.recipient for note in run.recorded] == [world.pm_other]
    assert Notification.objects.filter(key=key).count() == 1


def test_the_command_reports_what_it_did(world, mailoutbox):
    out = StringIO()

    call_command("send_reminders", "--today", BEFORE.isoformat(), stdout=out)

    assert "Reminders recorded: 2 (already sent before: 0" in out.getvalue()
    assert "Emails sent: 2; failed" in out.getvalue()


def test_the_command_refuses_a_date_it_cannot_read(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a date"):
        call_command("send_reminders", "--today", "15/01/2010")


# ------------------------------------------------------------- end to end, real SMTP


class Collector:
    """An SMTP server's handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


def test_send_reminders_run_twice_delivers_each_reminder_once_through_smtp(
    world, settings, smtp_server
):
    controller, collector = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    services.submit_return(return_obj=open_(world, Q3.previous()), actor=world.pm)  # no deadline
    Notification.objects.all().delete()  # only reminders are looked at here

    for _ in range(2):
        call_command("send_reminders", "--today", BEFORE.isoformat(), stdout=StringIO())
    for _ in range(2):
        call_command("send_reminders", "--today", AFTER.isoformat(), stdout=StringIO())

    received = sorted(
        (recipients[0], message["Subject"].split(":")[0])
        for recipients, message in collector.messages
    )
    assert received == [
        (world.pm.email, "[RIEP targets] Overdue"),
        (world.pm.email, "[RIEP targets] Reminder"),
        (world.pm_other.email, "[RIEP targets] Overdue"),
        (world.pm_other.email, "[RIEP targets] Reminder"),
    ]
    assert all(note.email_state == EmailState.SENT for note in Notification.objects.all())
    body = collector.messages[0][1].get_payload(decode=True).decode()
    assert "2009/10 Q3 return" in body

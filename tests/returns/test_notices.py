"""Notices of sign-off: who is told, what, when (only once the step commits), by email and in the
app; the notices page and the reminder settings."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from returns import notices, services
from returns.models import EmailState, NoticeKind, NoticeSettings, Notification
from tests.factories import make_user
from tests.returns.test_services import make_world, open_


@pytest.fixture
def world(db):
    world = make_world()
    for user in (world.pm, world.director, world.pm_other):
        user.email = f"{user.username}@example.org"
        user.save()
    return world


def _step(django_capture_on_commit_callbacks, function, **kwargs):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = function(**kwargs)
    return result, callbacks


def test_a_submission_tells_every_director_once_it_commits(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    second = make_user("Director", email="deputy@example.org")
    return_obj = open_(world)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_return(
            return_obj=return_obj,
            actor=world.pm,
            comment="All in.",
            awaiting_reasons={},
        )
        assert len(mailoutbox) == 0  # nothing is emailed before the step commits
    assert len(callbacks) == 1
    callbacks[0]()

    notes = Notification.objects.filter(kind=NoticeKind.SUBMITTED)
    assert {note.recipient for note in notes} == {world.director, second}
    assert sorted(message.to[0] for message in mailoutbox) == [
        "deputy@example.org",
        f"{world.director.username}@example.org",
    ]
    message = mailoutbox[0]
    assert "Submitted for sign-off: Derbyshire's 2009/10 Q3 return" in message.subject
    assert "Pat Moss submitted" in message.body
    assert "Comment: All in." in message.body
    assert "5 lines still await data" in message.body
    assert f"/returns/{return_obj.pk}/" in message.body
    assert all(note.email_state == EmailState.SENT for note in notes.all())


@pytest.mark.parametrize(
    ("step", "kind", "said"),
    [
        ("send-back", NoticeKind.RETURNED, "What needs changing: Give Derby's figure."),
        ("approve", NoticeKind.APPROVED, "Comment: Give Derby's figure."),
    ],
)
def test_the_directors_decision_tells_the_sub_regions_programme_managers(
    world, mailoutbox, django_capture_on_commit_callbacks, step, kind, said
):
    return_obj = services.submit_return(return_obj=open_(world), actor=world.pm)
    mailoutbox.clear()

    _step(
        django_capture_on_commit_callbacks,
        services.take_step,
        return_obj=return_obj,
        step=step,
        actor=world.director,
        comment="Give Derby's figure.",
    )

    note = Notification.objects.get(kind=kind)
    assert note.recipient == world.pm  # not the other sub-region's programme manager
    assert said in note.body
    assert [message.to for message in mailoutbox] == [[world.pm.email]]
    assert said in mailoutbox[0].body


def test_reopening_tells_the_programme_manager_the_reason(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    return_obj = services.submit_return(return_obj=open_(world), actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)
    mailoutbox.clear()

    _step(
        django_capture_on_commit_callbacks,
        services.reopen_return,
        return_obj=return_obj,
        actor=world.director,
        reason="Derby corrected its figure.",
    )

    note = Notification.objects.get(kind=NoticeKind.REOPENED)
    assert "Reason: Derby corrected its figure." in note.body
    assert mailoutbox[0].subject.startswith("[RIEP targets] Reopened:")


def test_a_refused_step_tells_nobody(world, mailoutbox, django_capture_on_commit_callbacks):
    return_obj = open_(world)

    with pytest.raises(services.StepRefused), django_capture_on_commit_callbacks(execute=True):
        services.approve_return(return_obj=return_obj, actor=world.director)

    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_someone_without_an_address_still_sees_the_notice_in_the_app(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.director.email = ""
    world.director.save()

    _step(
        django_capture_on_commit_callbacks,
        services.submit_return,
        return_obj=open_(world),
        actor=world.pm,
    )

    note = Notification.objects.get()
    assert note.email_state == EmailState.NO_ADDRESS
    assert mailoutbox == []


class Broken(Exception):
    pass


def test_a_failed_email_is_recorded_and_sent_on_the_next_try(world, mailoutbox, monkeypatch):
    services.submit_return(return_obj=open_(world), actor=world.pm)
    note = Notification.objects.get()
    original = notices._message

    def refuse(notification, connection):
        raise Broken("Connection refused")

    monkeypatch.setattr(notices, "_message", refuse)
    assert notices.deliver([note.pk]).failed == 1
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts, note.email_error) == (
        EmailState.FAILED,
        1,
        "Connection refused",
    )

    monkeypatch.setattr(notices, "_message", original)
    assert notices.deliver().sent == 1
    assert notices.deliver().sent == 0  # never twice
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts) == (EmailState.SENT, 2)
    assert len(mailoutbox) == 1


# ------------------------------------------------------------------------- the notices page

NOTICES = reverse("returns:notices")


def test_the_notices_page_lists_ones_own_notices_and_marks_them_read(client, world):
    services.submit_return(return_obj=open_(world), actor=world.pm)
    Notification.objects.create(
        recipient=world.pm, kind=NoticeKind.APPROVED, subject="Someone else's", body="x"
    )
    client.force_login(world.director)

    first = client.get(NOTICES).content.decode()
    again = client.get(NOTICES).content.decode()

    assert "Submitted for sign-off: Derbyshire" in first
    assert "Someone else's" not in first
    assert "badge--new" in first
    assert "badge--new" not in again
    assert Notification.objects.get(recipient=world.director).read_at is not None


def test_a_person_turns_reminders_off_and_sign_off_notices_stay_on(client, world):
    client.force_login(world.pm)

    response = client.post(reverse("returns:notice-settings"), {"remind_after": "on"})

    assert response.status_code == 302
    settings_row = NoticeSettings.objects.get(user=world.pm)
    assert (settings_row.remind_before, settings_row.remind_after) == (False, True)
    assert settings_row.wants(NoticeKind.APPROVED)  # no setting turns these off
    assert not settings_row.wants(NoticeKind.REMINDER_BEFORE)


def test_the_notices_page_needs_sign_in(client, db):
    assert client.get(NOTICES).status_code == 302


def test_the_notices_page_runs_a_constant_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.director)
    for _ in range(30):
        Notification.objects.create(
            recipient=world.director, kind=NoticeKind.SUBMITTED, subject="s", body="b"
        )
    # 9: the session, the user, the notices, the settings, the region the page names (issue
    # 13: the user's own partnership), the roles and permissions (2) of the navigation, and
    # the notices marked read.
    with django_assert_max_num_queries(9):
        assert client.get(NOTICES).status_code == 200
    mail.outbox.clear()

"""Minutes and actions: a test per rule of reports.meetings (refusals say why and change
nothing), the actions carried to later meetings, and reports without a target set."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from authorities.roles import DIRECTOR
from reports.meetings import (
    MeetingRefused,
    carry_action,
    mark_action_done,
    meeting_actions,
    record_action,
    record_decision,
)
from reports.models import Action, ActionStatus, AgendaItem, Decision, Meeting, Paper
from reports.papers import services
from reports.papers.context import paper_context
from reports.papers.render import render_html
from reports.papers.snapshot import build_snapshot, current_return_states
from tests.factories import RegionFactory, TargetSetFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def director():
    return make_user(DIRECTOR, first_name="Chris", last_name="Allison")


def _meeting(day: date, body: str = "Board") -> Meeting:
    return Meeting.objects.create(region=RegionFactory(), body=body, date=day)


@pytest.fixture
def november():
    return _meeting(date(2009, 11, 27))


@pytest.fixture
def january():
    return _meeting(date(2010, 1, 20))


def _action(meeting, number=1, actor=None, **extra) -> Action:
    return record_action(
        raised_at=meeting,
        number=number,
        text=f"Action {number} text",
        owner="AF",
        actor=actor,
        **extra,
    )


# --------------------------------------------------------------------------- decisions


def test_a_decision_is_recorded_with_its_item_and_source(november, director):
    item = AgendaItem.objects.create(meeting=november, number=10, title="Capital Pot")
    decision = record_decision(
        meeting=november,
        number=1,
        text=" The Board approved. ",
        agenda_item=item,
        source="seed 002, line 192",
        actor=director,
    )
    assert (decision.text, decision.agenda_item, decision.source) == (
        "The Board approved.",
        item,
        "seed 002, line 192",
    )
    assert decision.history.get().history_user == director


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": "  "}, "Write what the meeting decided."),
        ({"number": 1}, "already has a decision with this number"),
        ({"other_item": True}, "Item 3 is not on this meeting's agenda."),
    ],
)
def test_a_bad_decision_is_refused_and_nothing_is_written(
    november, january, director, change, message
):
    record_decision(meeting=november, number=1, text="First", actor=director)
    kwargs = {"meeting": november, "number": 2, "text": "Second", "actor": director}
    if change.pop("other_item", False):
        kwargs["agenda_item"] = AgendaItem.objects.create(meeting=january, number=3, title="X")
    kwargs.update(change)
    with pytest.raises(MeetingRefused) as refused:
        record_decision(**kwargs)
    assert message in " ".join(refused.value.messages)
    assert list(Decision.objects.values_list("number", flat=True)) == [1]


# --------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"owner": " "}, "Say who is to do it"),
        ({"text": ""}, "Write what is to be done."),
        ({"due": "earlier"}, "is not after the Board meeting, 27 November 2009"),
        ({"number": 1}, "already has an action with this number"),
    ],
)
def test_a_bad_action_is_refused_and_nothing_is_written(november, director, change, message):
    _action(november, 1, director)
    earlier = _meeting(date(2009, 9, 16))
    kwargs = {"raised_at": november, "number": 2, "text": "Do it", "owner": "AF"}
    if change.pop("due", None):
        kwargs["due_meeting"] = earlier
    kwargs.update(change)
    with pytest.raises(MeetingRefused) as refused:
        record_action(actor=director, **kwargs)
    assert message in " ".join(refused.value.messages)
    assert list(Action.objects.values_list("number", flat=True)) == [1]


def test_marking_an_action_done_needs_a_note_and_is_kept_in_its_history(november, director):
    action = _action(november, status_recorded=False)
    with pytest.raises(MeetingRefused, match="Say what was done"):
        mark_action_done(action=action, note="  ", actor=director)
    action.refresh_from_db()
    assert (action.status, action.status_recorded) == (ActionStatus.OPEN, False)

    done = mark_action_done(action=action, note="Reported on 20 January 2010", actor=director)
    assert (done.status, done.status_recorded, done.done_note) == (
        ActionStatus.DONE,
        True,
        "Reported on 20 January 2010",
    )
    latest = action.history.latest()
    assert (latest.status, latest.history_user) == (ActionStatus.DONE, director)

    with pytest.raises(MeetingRefused, match="already done"):
        mark_action_done(action=action, note="Again", actor=director)
    assert Action.objects.get().done_note == "Reported on 20 January 2010"
    assert action.history.count() == 2


def test_an_open_action_is_carried_to_a_later_meeting(november, january, director):
    action = _action(november, actor=director)
    carried = carry_action(action=action, to=january, actor=director)
    assert carried.due_meeting == january
    assert action.history.latest().history_user == director

    with pytest.raises(MeetingRefused, match="already due at the Board meeting, 20 January"):
        carry_action(action=action, to=january, actor=director)
    earlier = _meeting(date(2009, 9, 16))
    with pytest.raises(MeetingRefused, match="is not after the Board meeting, 27 November"):
        carry_action(action=action, to=earlier, actor=director)
    mark_action_done(action=action, note="Done", actor=director)
    april = _meeting(date(2010, 4, 15))
    with pytest.raises(MeetingRefused, match="already done"):
        carry_action(action=action, to=april, actor=director)
    assert Action.objects.get().due_meeting == january
    assert action.history.count() == 3  # created, carried, done: nothing of the refusals


def test_open_actions_carry_to_every_later_meeting_of_the_body_until_done(
    november, january, director
):
    open_one = _action(november, 1)
    done_one = _action(november, 2)
    mark_action_done(action=done_one, note="Circulated", actor=director)
    steering = _meeting(date(2009, 12, 1), body="Officer Steering Group")
    _action(steering, 1)  # another body's: not the Board's
    april = _meeting(date(2010, 4, 15))
    later_one = _action(january, 1)

    at_january = meeting_actions(january)
    assert at_january.raised == [later_one]
    assert at_january.carried == [open_one]
    at_april = meeting_actions(april)
    assert at_april.carried == [open_one, later_one]
    assert meeting_actions(november).carried == []

    # Due at a meeting: listed there, even once done.
    carry_action(action=open_one, to=april, actor=director)
    mark_action_done(action=open_one, note="Reported", actor=director)
    assert meeting_actions(january).carried == []
    assert meeting_actions(april).carried == [open_one, later_one]


# --------------------------------------------------------------------------- reports


@pytest.fixture
def item(january):
    return AgendaItem.objects.create(
        meeting=january, number=11, title="EM IEP Annual Conference", kind="discussion"
    )


def _report(item, director) -> Paper:
    return services.start_report(
        agenda_item=item,
        author=director,
        title="EM IEP Annual Conference",
        author_name="Chris Allison",
        sections=[("Purpose of the report", "1.1 To update the Board on the conference.")],
    )


def test_a_report_without_a_target_set_is_text_alone(item, director):
    paper = _report(item, director)
    assert (paper.target_set, paper.period, paper.appendices) == (None, None, [])
    assert paper.is_narrative
    assert paper.sections.get().heading == "Purpose of the report"

    snapshot = build_snapshot(paper, user=director)
    assert snapshot["data"] is None
    assert current_return_states(paper, user=director) == []
    context = paper_context(snapshot)
    assert context["list"] == []
    assert context["numbers"] == {}
    html = render_html(snapshot)
    assert "To update the Board on the conference." in html
    assert "Appendices" not in html
    assert "Built from" not in html


def test_a_report_without_a_target_set_has_no_quarter(item, director):
    with pytest.raises(ValidationError, match="is about no quarter"):
        services.start_paper(
            agenda_item=item,
            author=director,
            title="Conference",
            target_set=None,
            year=2009,
            quarter=3,
            author_name="Chris Allison",
        )
    assert not Paper.objects.exists()
    # Nor can the database hold one with a quarter, or a paper on a target set without one.
    paper = _report(item, director)
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(year=2009, quarter=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(target_set=TargetSetFactory())


def test_a_paper_on_a_target_set_still_needs_its_quarter(item, director):
    with pytest.raises(ValidationError, match="needs its quarter"):
        services.start_paper(
            agenda_item=item,
            author=director,
            title="Targets",
            target_set=TargetSetFactory(),
            year=None,
            quarter=None,
            author_name="Chris Allison",
        )
    assert not Paper.objects.exists()


def test_a_report_without_a_target_set_has_no_data_to_export(item, director):
    from django.core.management import CommandError, call_command

    paper = _report(item, director)
    with pytest.raises(CommandError, match="report without a target set: it has no data"):
        call_command("export_board_data", paper=paper.pk, user=director.username)


def test_the_home_page_lists_a_draft_report_without_a_target_set(client, item, director):
    _report(item, director)
    client.force_login(director)
    page = client.get("/").content.decode()
    assert "Item 11: EM IEP Annual Conference</a> (no target set)" in page


def test_the_changes_page_names_who_marked_an_action_done(november, director):
    from riep.audit import recent_changes

    action = _action(november, 3, director)
    mark_action_done(action=action, note="Reported on 20 January 2010", actor=director)
    page = recent_changes(user=director, kind="reports.action")
    latest = page.changes[0]
    assert latest.name == "Action 3: Action 3 text"
    assert latest.who == director.username
    changed = {change.name: (change.old_text, change.new_text) for change in latest.fields}
    assert changed["status"] == ("Open", "Done")

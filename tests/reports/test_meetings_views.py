"""A meeting's page (agenda of every kind, minutes, actions) and the Director's writes from it:
who may do what, the queries the page takes, and reports without a target set from end to end
(page, preview, PDF, issue)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.meetings import record_action, record_decision
from reports.models import Action, ActionStatus, AgendaItem, Meeting, Paper, PaperBuild
from reports.papers import services
from reports.papers.render import render_html, render_pdf
from reports.papers.snapshot import build_snapshot
from tests.factories import RegionFactory, SubRegionFactory, make_user
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

fast_pdf = support.fast_pdf
sync_builds = support.sync_builds


def _user(role):
    """A user of the role, in the East Midlands (the meetings' region): a programme manager
    through a sub-region of it."""
    if role == PROGRAMME_MANAGER:
        return make_user(role, sub_region=SubRegionFactory())
    return make_user(role)


@pytest.fixture
def director():
    return make_user(DIRECTOR, first_name="Chris", last_name="Allison")


@pytest.fixture
def minutes(director):
    """November's minutes (a decision, two actions) and January's agenda, as in seed 002."""
    november = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2009, 11, 27))
    january = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2010, 1, 20))
    item = AgendaItem.objects.create(meeting=november, number=10, title="Capital Pot")
    record_decision(
        meeting=november,
        number=1,
        text="The Board approved the £175k.",
        agenda_item=item,
        source="seed 002, line 192",
        actor=director,
    )
    first = record_action(
        raised_at=november,
        number=1,
        text="A progress report on the efficiency challenge.",
        owner="AF",
        due_meeting=january,
        status_recorded=False,
        source="seed 002, line 101",
        actor=director,
    )
    second = record_action(
        raised_at=november,
        number=9,
        text="Circulate the Member Development report.",
        owner="Lisa Butterfill",
        status_recorded=False,
        source="seed 002, line 218",
        actor=director,
    )
    conference = AgendaItem.objects.create(
        meeting=january, number=11, title="EM IEP Annual Conference Report", kind="discussion"
    )
    return {
        "november": november,
        "january": january,
        "actions": [first, second],
        "conference": conference,
    }


def test_the_meeting_page_shows_kinds_minutes_and_carried_actions(client, minutes):
    client.force_login(make_user(BOARD_MEMBER))
    november = client.get(minutes["november"].get_absolute_url()).content.decode()
    assert "Decision 1" in november
    assert "The Board approved the £175k." in november
    assert "Source: seed 002, line 192" in november
    assert "Not recorded: the papers do not say whether it was done." in november
    assert "The minutes give no date or meeting" in november  # action 9 names none
    assert "Mark action" not in november  # a reader records nothing

    january = client.get(minutes["january"].get_absolute_url()).content.decode()
    carried = january.split('id="actions-carried"')[1]
    assert "A progress report on the efficiency challenge." in carried
    assert "Circulate the Member Development report." in carried
    assert "For discussion" in january
    assert "No minutes recorded for this meeting." in january


ROLES = [DIRECTOR, BOARD_MEMBER, ADMINISTRATOR, PROGRAMME_MANAGER, None]


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_meeting_and_who_records_actions(client, minutes, role):
    client.force_login(_user(role))
    action = minutes["actions"][0]
    page = client.get(minutes["january"].get_absolute_url())
    done = client.post(reverse("papers:action-done", args=[action.pk]), {"note": "Reported"})
    carry = client.post(
        reverse("papers:action-carry", args=[action.pk]), {"to": minutes["january"].pk}
    )
    new_report = client.get(reverse("papers:report-new", args=[minutes["conference"].pk]))
    if role is None:
        assert [page.status_code, done.status_code, new_report.status_code] == [403, 403, 403]
    elif role == DIRECTOR:
        assert [page.status_code, done.status_code, new_report.status_code] == [200, 302, 200]
        assert "Mark action 1 done" in page.content.decode()
    else:
        # Board members, administrators and programme managers read the minutes and actions.
        assert [page.status_code, done.status_code, new_report.status_code] == [200, 403, 403]
        assert carry.status_code == 403
    action.refresh_from_db()
    expected = ActionStatus.DONE if role == DIRECTOR else ActionStatus.OPEN
    assert action.status == expected


def test_anonymous_visitors_are_sent_to_the_login_page(client, minutes):
    action = minutes["actions"][0]
    for response in (
        client.get(minutes["january"].get_absolute_url()),
        client.post(reverse("papers:action-done", args=[action.pk]), {"note": "x"}),
        client.post(reverse("papers:action-carry", args=[action.pk]), {"to": 1}),
    ):
        assert response["Location"].startswith(reverse("login"))
    assert Action.objects.filter(status=ActionStatus.DONE).count() == 0


def test_a_reader_sees_no_meeting_without_minutes_or_issued_papers(client, director):
    empty = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2010, 4, 15))
    client.force_login(make_user(BOARD_MEMBER))
    assert client.get(empty.get_absolute_url()).status_code == 403


def test_the_director_marks_done_and_carries_from_the_page(client, minutes, director):
    client.force_login(director)
    first, second = minutes["actions"]
    april = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2010, 4, 15))
    page = minutes["january"].get_absolute_url()

    refused = client.post(
        reverse("papers:action-done", args=[second.pk]),
        {"note": " ", "meeting": minutes["january"].pk},
        follow=True,
    )
    assert "Action 9: Say what was done" in refused.content.decode()
    second.refresh_from_db()
    assert second.status == ActionStatus.OPEN

    response = client.post(
        reverse("papers:action-carry", args=[second.pk]),
        {"to": april.pk, "meeting": minutes["january"].pk},
    )
    assert response["Location"] == page
    second.refresh_from_db()
    assert second.due_meeting == april
    april_page = client.get(april.get_absolute_url()).content.decode()
    assert "Circulate the Member Development report." in april_page

    client.post(
        reverse("papers:action-done", args=[first.pk]),
        {"note": "Reported to the Board, item 7", "meeting": minutes["january"].pk},
    )
    first.refresh_from_db()
    assert (first.status, first.done_note) == (ActionStatus.DONE, "Reported to the Board, item 7")
    # Done, and due in January: January still lists it (as done); April no longer does.
    assert "✓ Done" in client.get(page).content.decode()
    assert "efficiency challenge" not in client.get(april.get_absolute_url()).content.decode()

    refused = client.post(
        reverse("papers:action-carry", args=[first.pk]), {"to": april.pk}, follow=True
    )
    assert "is already done" in refused.content.decode()


def _more_minutes(meeting: Meeting, director, start: int, count: int) -> None:
    for number in range(start, start + count):
        item = AgendaItem.objects.create(meeting=meeting, number=number, title=f"Item {number}")
        record_decision(
            meeting=meeting, number=number, text="Agreed.", agenda_item=item, actor=director
        )
        record_action(
            raised_at=meeting,
            number=number + 100,
            text="Do it.",
            owner="CA",
            agenda_item=item,
            actor=director,
        )


QUERIES = {DIRECTOR: 15, BOARD_MEMBER: 11}  # with the user's region (issue 13)


@pytest.mark.parametrize("role", [DIRECTOR, BOARD_MEMBER])
def test_the_meeting_page_takes_the_same_queries_whatever_it_lists(
    client, minutes, director, django_assert_num_queries, role
):
    user = director if role == DIRECTOR else _user(role)
    client.force_login(user)
    january = minutes["january"]
    url = january.get_absolute_url()
    services.start_report(
        agenda_item=minutes["conference"], author=director, title="Conference", author_name="CA"
    )
    client.get(url)  # the session and the user's permissions are read once, then cached
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_minutes(january, director, 20, 8)
    _more_minutes(minutes["november"], director, 40, 8)
    support_paper = Paper.objects.create(
        agenda_item=january.items.get(number=20),
        title="A report",
        author=director,
        author_name="Chris Allison",
        appendices=[],
    )
    assert support_paper.is_narrative
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    # The session, the user, their permissions (own and roles'), their roles' names (the
    # navigation), the meeting, its items with their papers, the papers' issues, decisions,
    # actions raised, actions carried, and (the Director only) the meetings to carry to and
    # the choices of the forms recording decisions and actions (items twice, later meetings).
    assert len(small.captured_queries) == QUERIES[role]


# --------------------------------------------------------------------------- reports


def test_the_director_writes_a_report_without_a_target_set(
    client, minutes, director, sync_builds, fast_pdf
):
    client.force_login(director)
    item = minutes["conference"]
    page = client.get(minutes["january"].get_absolute_url()).content.decode()
    assert reverse("papers:report-new", args=[item.pk]) in page

    response = client.post(
        reverse("papers:report-new", args=[item.pk]),
        {
            "title": "EM IEP Annual Conference",
            "author_name": "Chris Allison",
            "author_title": "Director EM IEP",
        },
    )
    paper = Paper.objects.get()
    assert response["Location"] == reverse("papers:sections", args=[paper.pk])
    assert (paper.target_set, paper.year, paper.appendices) == (None, None, [])

    detail = client.get(paper.get_absolute_url()).content.decode()
    assert "A report without a target set" in detail
    assert reverse("papers:xlsx", args=[paper.pk]) not in detail
    for name in ("xlsx", "csv"):
        assert client.get(reverse(f"papers:{name}", args=[paper.pk])).status_code == 404
    edit = client.post(
        reverse("papers:paper-edit", args=[paper.pk]),
        {"title": "Annual Conference 2010", "author_name": "Chris Allison", "author_title": "D"},
    )
    assert edit.status_code == 302
    paper.refresh_from_db()
    assert (paper.title, paper.target_set) == ("Annual Conference 2010", None)

    preview = client.get(reverse("papers:preview", args=[paper.pk])).content.decode()
    assert "Purpose of the report" in preview
    assert "Appendices" not in preview

    confirm = client.get(reverse("papers:issue", args=[paper.pk])).content.decode()
    assert "no data from the returns" in confirm
    client.post(reverse("papers:issue", args=[paper.pk]))
    issued = paper.issues.get()
    assert issued.snapshot["data"] is None
    reader = make_user(BOARD_MEMBER)
    client.force_login(reader)
    issued_page = client.get(issued.get_absolute_url())
    assert issued_page.status_code == 200
    assert "a report without a target set" in issued_page.content.decode()
    assert client.get(reverse("papers:issued-xlsx", args=[issued.pk])).status_code == 404
    assert PaperBuild.objects.filter(kind="issue").count() == 1


def test_a_report_without_a_target_set_prints_its_sections(minutes, director, tmp_path):
    report = services.start_report(
        agenda_item=minutes["conference"],
        author=director,
        title="EM IEP Annual Conference",
        author_name="Chris Allison",
        sections=[
            ("Purpose of the report", "To update the Board on the Annual Conference."),
            ("Recommendations", "The Board note the report."),
        ],
    )
    pdf = render_pdf(render_html(build_snapshot(report, user=director)))
    assert pdf.content.startswith(b"%PDF")
    assert pdf.pages >= 1
    support.require("pdftotext")
    text = " ".join(support.pdf_text(pdf.content, tmp_path).split())
    assert "1. Purpose of the report" in text
    assert "To update the Board on the Annual Conference." in text
    assert "2. Recommendations" in text
    assert "Chris Allison" in text
    assert "Appendix" not in text
    assert "returns" not in text


def test_readers_find_meetings_with_minutes_in_the_listing(
    client, minutes, director, django_assert_num_queries
):
    client.force_login(make_user(BOARD_MEMBER))
    url = reverse("papers:index")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        listing = client.get(url).content.decode()
    assert minutes["november"].get_absolute_url() + "#minutes" in listing
    # January has no minutes and no issued paper: not listed for a reader.
    assert minutes["january"].get_absolute_url() not in listing
    _more_minutes(minutes["january"], director, 20, 5)
    with django_assert_num_queries(len(small.captured_queries)):
        listing = client.get(url).content.decode()
    assert minutes["january"].get_absolute_url() + "#minutes" in listing


@pytest.mark.parametrize("role", [DIRECTOR, BOARD_MEMBER, PROGRAMME_MANAGER, None])
def test_the_actions_log_for_the_pack_carries_the_open_actions(client, minutes, tmp_path, role):
    client.force_login(_user(role))
    response = client.get(reverse("papers:actions-log", args=[minutes["january"].pk]))
    if role is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('board-2010-01-20-actions-log.pdf"')
    support.require("pdftotext")
    text = " ".join(support.pdf_text(response.content, tmp_path).split())
    carried = text.split("Carried from earlier meetings")[1]
    assert "A progress report on the efficiency challenge." in carried
    assert "Circulate the Member Development report." in carried
    assert "not recorded: the papers do not say whether it was done" in carried


def test_the_director_records_decisions_and_actions_from_the_page(client, minutes, director):
    client.force_login(director)
    november, january = minutes["november"], minutes["january"]
    page = client.get(november.get_absolute_url()).content.decode()
    assert "Record a decision" in page
    assert "Record an action" in page

    response = client.post(
        reverse("papers:decision-new", args=[november.pk]),
        {"number": 2, "text": "The Board resolved to forward the response.", "source": "l. 222"},
    )
    assert response["Location"] == november.get_absolute_url() + "#minutes"
    refused = client.post(
        reverse("papers:decision-new", args=[november.pk]), {"number": 2, "text": "Again"}
    )
    assert "already has a decision with this number" in refused.content.decode()
    assert november.decisions.count() == 2

    response = client.post(
        reverse("papers:action-new", args=[november.pk]),
        {"number": 10, "text": "Investigate safeguarding.", "owner": "Cllr Begy"},
    )
    assert response["Location"] == november.get_absolute_url() + "#actions"
    refused = client.post(
        reverse("papers:action-new", args=[november.pk]),
        {"number": 11, "text": "Something", "owner": " "},
    )
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert list(november.actions.values_list("number", flat=True)) == [1, 9, 10]
    assert "Investigate safeguarding." in client.get(january.get_absolute_url()).content.decode()


@pytest.mark.parametrize("role", [BOARD_MEMBER, PROGRAMME_MANAGER, ADMINISTRATOR])
def test_readers_record_no_minutes(client, minutes, role):
    client.force_login(_user(role))
    november = minutes["november"]
    for name, data in (
        ("decision-new", {"number": 5, "text": "x"}),
        ("action-new", {"number": 50, "text": "x", "owner": "y"}),
    ):
        assert client.post(reverse(f"papers:{name}", args=[november.pk]), data).status_code == 403
    assert november.decisions.count() == 1
    assert november.actions.count() == 2

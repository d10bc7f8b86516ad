"""The home page of each role, on the demo data of `make run`: what to do next.

* pm-nottinghamshire (no return yet): this quarter's return, the deadline and days left, and
  the next step (start it); pm-northamptonshire: submitted, awaiting the Director; a return
  sent back shows the Director's comment.
* The Director: the returns awaiting sign-off (oldest first, with their age), the returns
  overdue (made or not), the papers in draft for the next meeting.
* A Board member: the latest issued paper and the headline of the latest approved quarter,
  with links to both.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from reports.dashboards import build_overview
from reports.models import IssuedPaper, Paper
from returns import services
from returns.models import Basis, Deadline, Return, ReturnStatus, Transition
from returns.periods import Quarter
from riep.demo import DEMO_DEADLINE_DAYS
from targets.models import TargetSet

Q3 = Quarter(2009, 3)
HOME = reverse("home")


def user(username: str):
    return get_user_model().objects.get(username=username)


def home_of(client, username: str) -> str:
    client.force_login(user(username))
    response = client.get(HOME)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def the_return(sub_region: str) -> Return:
    return Return.objects.get(sub_region__slug=sub_region, year=2009, quarter=3)


# ----------------------------------------------------------------------- programme managers


def test_a_programme_manager_without_a_return_sees_its_deadline_and_starts_it(client, demo):
    page = home_of(client, "pm-nottinghamshire")

    due = timezone.localdate() + timedelta(days=DEMO_DEADLINE_DAYS)
    assert "Your returns this quarter" in page
    assert "EM IEP 12 stretch targets, 2009/10 Q3</h3>" in page
    assert "Not started" in page
    assert (
        f'{due:%-d %B %Y} <strong class="deadline-words">{DEMO_DEADLINE_DAYS} days left</strong>'
        in page
    )
    assert "Demo deadline: the papers give none" in page
    assert "Next step:</strong> Start the return" in page
    assert 'name="quarter" value="2009-3"' in page

    started = client.post(
        reverse("returns:list"),
        {"target_set": TargetSet.objects.get(slug="stretch-targets").pk, "quarter": "2009-3"},
    )
    assert started.status_code == 302
    page = home_of(client, "pm-nottinghamshire")
    assert "0 of 68" in page
    assert "Enter the 68 lines still awaiting data (or import a file), then submit it." in page


def test_a_submitted_return_has_nothing_to_do(client, demo):
    page = home_of(client, "pm-northamptonshire")

    assert '<span class="badge badge--status-submitted">Submitted</span>' in page
    assert "Nothing to do: it awaits the Director&#x27;s sign-off." in page
    assert "submitted</strong>" in page


def test_a_returned_return_shows_the_directors_comment(client, demo):
    services.send_back_return(
        return_obj=the_return("northamptonshire"),
        actor=user("director"),
        comment="Please give Corby's invoices figure.",
    )

    page = home_of(client, "pm-northamptonshire")

    assert "The Director returned it for changes:</strong> Please give Corby&#x27;s" in page
    assert "submit it again" in page


def test_an_overdue_return_is_marked_on_the_programme_managers_home(client, demo):
    Deadline.objects.update(due=timezone.localdate() - timedelta(days=3))

    page = home_of(client, "pm-nottinghamshire")

    assert '<span class="badge badge--overdue">Overdue</span>' in page
    assert "overdue by 3 days" in page


# ---------------------------------------------------------------------------- the Director


def test_the_director_sees_the_queue_the_overdue_returns_and_the_papers_in_draft(client, demo):
    page = home_of(client, "director")

    assert "Awaiting your sign-off (1)" in page
    assert "Northamptonshire, 2009/10 Q3</a>" in page
    assert "<td>today</td>" in page
    assert "On time" in page
    assert "Overdue returns (0)" in page
    assert "Papers in draft for the latest meeting: Board meeting, 20 January 2010" in page
    assert "Item 8: EM IEP Stretch Targets Review" in page

    Deadline.objects.update(due=timezone.localdate() - timedelta(days=1))
    page = home_of(client, "director")
    assert "Overdue returns (1)" in page
    assert "Nottinghamshire, 2009/10 Q3 (EM IEP 12 stretch targets): not started" in page


def test_the_queue_is_oldest_first_with_its_age(client, demo):
    notts_pm = user("pm-nottinghamshire")
    notts, _ = services.open_return(
        sub_region=notts_pm.membership.sub_region,
        target_set=TargetSet.objects.get(slug="stretch-targets"),
        quarter=Q3,
        actor=notts_pm,
    )
    services.submit_return(return_obj=notts, actor=notts_pm)
    Transition.objects.filter(
        return_obj=the_return("northamptonshire"), to_status=ReturnStatus.SUBMITTED
    ).update(at=timezone.now() - timedelta(days=4))

    page = home_of(client, "director")

    queue = re.search(r"Awaiting your sign-off \(2\).*?</table>", page).group(0)
    assert queue.index("Northamptonshire") < queue.index("Nottinghamshire")
    assert "<td>4 days</td>" in queue
    assert "<td>today</td>" in queue


# ---------------------------------------------------------------------------- the Board


def test_a_board_member_sees_the_approved_headline_and_the_latest_issue(client, demo):
    board = user("board")
    expected = build_overview(
        user=board,
        target_set=TargetSet.objects.get(slug="stretch-targets"),
        quarter=Q3,
        basis=Basis.APPROVED,
    ).headline

    page = home_of(client, "board")

    assert f'<p class="headline">{expected}</p>' in page
    assert "3 of 4 returns made are approved" in page
    assert (
        'href="/dashboards/?target_set=stretch-targets&amp;period=2009%2F10+Q3&amp;basis=approved"'
        in page
    )
    assert "No paper has been issued yet." in page

    paper = Paper.objects.get()
    issued = IssuedPaper.objects.create(
        paper=paper,
        number=1,
        title=paper.title,
        issued_at=timezone.now(),
        issued_by=user("director"),
        snapshot={},
        snapshot_sha256="0" * 64,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
        pages=1,
    )
    page = home_of(client, "board")
    assert f'href="/papers/issued/{issued.pk}/">EM IEP Stretch Targets Review</a>, issue 1' in page
    assert f'href="/papers/issued/{issued.pk}/paper.pdf"' in page


def test_a_board_member_is_not_shown_other_roles_work(client, demo):
    page = home_of(client, "board")

    assert "Your returns this quarter" not in page
    assert "Awaiting your sign-off" not in page


@pytest.mark.parametrize(
    ("username", "most"),
    # Issue 13: each reads the user's region and sub-region (1) and lists their regions (1).
    [("pm-nottinghamshire", 19), ("director", 20), ("board", 30), ("admin", 13)],
)
def test_each_home_page_runs_a_bounded_number_of_queries(
    client, demo, username, most, django_assert_max_num_queries
):
    client.force_login(user(username))
    with django_assert_max_num_queries(most):
        assert client.get(HOME).status_code == 200


# --------------------------------------------------------------------------- the second region


@pytest.mark.parametrize("username", ["pm-staffordshire", "board-wm", "director-wm"])
def test_the_second_regions_users_see_their_region_only(client, demo, username):
    """Issue 13: the demo's West Midlands (riep.demo_regions) has a sub-region, councils and
    users but no data (no paper gives any); its users see none of the East Midlands'."""
    page = home_of(client, username)

    assert "West Midlands has 10 authorities in 1 sub-regional partnerships" in page
    assert "Staffordshire and Stoke-on-Trent" in page
    assert "No target set of West Midlands is recorded: no source paper gives its targets" in page
    for east_midlands in ("Derbyshire", "Lincolnshire", "Stretch targets", "Leicestershire"):
        assert east_midlands not in page
    client.force_login(user(username))
    assert client.get("/api/v1/returns/").json()["results"] == []
    authorities = client.get("/authorities/").content.decode()
    assert "Tamworth" in authorities
    assert "Amber Valley" not in authorities


def test_the_national_demo_user_sees_both_regions_side_by_side(client, demo):
    client.force_login(user("national"))

    page = client.get("/dashboards/regions/").content.decode()

    assert "East Midlands</th>" in page
    assert "West Midlands</th>" in page
    assert "No target set of West Midlands is recorded" in page
    assert "EM IEP 12 stretch targets" in page

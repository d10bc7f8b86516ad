"""The dashboards on the demo data (`make run`): the December 2009 returns of seed 002 (2009/10
Q3) and the 2009/10 Q2 returns reconstructed from the figures they date by 30/09/2009."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from reports.dashboards import (
    Counts,
    build_overview,
    build_sub_region,
    build_target,
    target_for_page,
)
from returns.periods import Quarter
from targets.models import TargetSet
from tests.reports.test_views import QUERIES

Q3 = Quarter(2009, 3)


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        call_command("setup_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def board(demo_database, db):
    return get_user_model().objects.get(username="board")


@pytest.fixture
def stretch(demo_database, db):
    return TargetSet.objects.get(slug="stretch-targets")


def test_the_regional_overview_of_december_2009(board, stretch):
    overview = build_overview(user=board, target_set=stretch, quarter=Q3)

    assert overview.headline == (
        "Of 12 targets, 3 green, 4 amber and 5 red for the region in 2009/10 Q3."
    )
    derbyshire = [row.cells[0].mark.text for row in overview.rows]
    assert "".join(derbyshire) == "GGGARRGAAAAR"  # the paper's own overall row
    assert [column.status_label for column in overview.columns] == [
        "Approved",
        "Draft",
        "Approved",
        "Draft",
        "Draft",
    ]
    assert overview.returns_approved == 2


def test_amber_valley_use_of_resources_rated_red_by_hand_is_marked(board, stretch):
    derbyshire = stretch.returns.get(sub_region__slug="derbyshire", quarter=3).sub_region
    view = build_sub_region(user=board, sub_region=derbyshire, target_set=stretch, quarter=Q3)

    amber_valley = next(row for row in view.rows if row.authority.slug == "amber-valley")
    use_of_resources = amber_valley.cells[4]
    assert (use_of_resources.mark.text, use_of_resources.computed.text) == ("R", "A")
    assert use_of_resources.overridden
    assert use_of_resources.manual_reason == "Derbyshire return, December 2009 (seed 002, item 8)"


def test_use_of_resources_across_the_region(board):
    view = build_target(
        user=board, target=target_for_page("st-use-of-resources-level-3"), quarter=Q3
    )

    assert view.distribution == Counts(red=10, amber=30, green=7, grey=3)
    assert [item.code for item in view.earlier] == ["s08-19-use-of-resources-level-3"]


def test_lineage_of_adult_social_care(board):
    view = build_target(
        user=board, target=target_for_page("st-adult-social-care-performing-well"), quarter=Q3
    )

    assert [item.code for item in view.earlier] == ["s08-02-adult-services-level-2"]


@pytest.mark.parametrize("page_name", list(QUERIES))
def test_the_demo_pages_take_the_same_number_of_queries(
    client, board, page_name, django_assert_num_queries
):
    client.force_login(board)
    url = {
        "overview": reverse("reports:overview"),
        "compare": reverse("reports:compare"),
        "own sub-region": reverse("reports:sub-region", args=["derbyshire"]),
        "target": reverse("reports:target", args=["st-use-of-resources-level-3"]),
        "own authority": reverse("reports:authority", args=["amber-valley"]),
    }[page_name]

    with django_assert_num_queries(QUERIES[page_name]):
        assert client.get(url).status_code == 200


def test_comparing_december_2009_with_the_reconstructed_q2(client, board):
    client.force_login(board)

    response = client.get(
        reverse("reports:compare"),
        {"target_set": "stretch-targets", "period": "2009/10 Q3", "against": "2009/10 Q2"},
    )

    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.headline == (
        "From 2009/10 Q2 to 2009/10 Q3, of 12 targets for the region: 3 stayed the same, "
        "2 got worse and 7 cannot be compared."
    )
    rows = {row.target.number: row for row in comparison.rows}
    slugs = [column.slug for column in comparison.columns]

    def moved(number: str, sub_region: str) -> tuple[str, str, str]:
        cell = rows[number].cells[slugs.index(sub_region)]
        return cell.before.mark.text, cell.after.mark.text, cell.movement.text

    # Lincolnshire, target 9 (benefit claims): the same seven figures, dated 30/09/09 (South
    # Kesteven 31/03/09), in both quarters: Green, no change, for each authority.
    assert moved("9", "lincolnshire") == ("G", "G", "no change")
    assert rows["9"].same == 7
    # Derbyshire, NEET: Amber by the rule on 2008's 6.7% against 6.2% in Q2, Amber by hand in
    # the December report.
    assert moved("11", "derbyshire") == ("A", "A", "no change")
    # The region, target 6 (LAAs at 75%): Amber on Lincolnshire's 71% and Northamptonshire's
    # 72% in Q2; Red in Q3, when Derbyshire's December ratings (R by hand) are known.
    region = rows["6"].region
    assert (region.before.mark.text, region.after.mark.text, region.movement.text) == (
        "A",
        "R",
        "worse",
    )
    # Northamptonshire's NEET is a figure in Q2 (10.4% against 10.2%: within tolerance) but
    # only a note in its Q3 draft.
    assert moved("11", "northamptonshire") == ("G", "Grey", "cannot compare")
    html = response.content.decode()
    assert "= no change" in html
    assert "▼ worse" in html

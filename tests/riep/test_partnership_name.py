"""Issue 13 item 4: the pages name the user's own partnership, not the East Midlands for all:
a region's users see their region's, a national user every region's, and before signing in
the deployment's default (settings.RIEP_DEFAULT_REGION_NAME)."""

from datetime import date

import pytest

from authorities.models import Region
from authorities.roles import BOARD_MEMBER, PROGRAMME_MANAGER
from reports.models import Meeting
from tests.factories import SubRegionFactory, make_user


@pytest.fixture
def west(db):
    return Region.objects.create(slug="west-midlands", name="West Midlands")


@pytest.mark.parametrize(
    ("who", "title", "short"),
    [
        (
            "east_board",
            "East Midlands Improvement and Efficiency Partnership",
            "East Midlands RIEP",
        ),
        (
            "west_board",
            "West Midlands Improvement and Efficiency Partnership",
            "West Midlands RIEP",
        ),
        ("west_pm", "West Midlands Improvement and Efficiency Partnership", "West Midlands RIEP"),
        ("national", "All nine Regional Improvement and Efficiency Partnerships", "RIEPs"),
    ],
)
def test_the_pages_name_the_users_partnership(client, west, who, title, short):
    users = {
        "east_board": lambda: make_user(BOARD_MEMBER),
        "west_board": lambda: make_user(BOARD_MEMBER, region=west),
        "west_pm": lambda: make_user(PROGRAMME_MANAGER, sub_region=SubRegionFactory(region=west)),
        "national": lambda: make_user(BOARD_MEMBER, national=True),
    }
    client.force_login(users[who]())

    html = client.get("/").content.decode()

    assert f'class="site-title" href="/">{title}</a>' in html
    assert f"· {short}</title>" in html
    if who != "national":  # a national user's home page lists every region
        other = "East Midlands" if "West" in title else "West Midlands"
        assert other not in html


def test_before_signing_in_the_default_partnership_is_named(client, settings, db):
    settings.RIEP_DEFAULT_REGION_NAME = "North West"

    html = client.get("/accounts/login/").content.decode()

    assert "North West Improvement and Efficiency Partnership" in html


def test_a_meetings_papers_name_its_regions_partnership(west):
    meeting = Meeting.objects.create(region=west, body="Board", date=date(2010, 1, 20))

    assert meeting.partnership == "West Midlands Improvement and Efficiency Partnership"
    assert meeting.heading == "WEST MIDLANDS IMPROVEMENT AND EFFICIENCY PARTNERSHIP BOARD MEETING"

"""Issue 13 item 4: the 2008 strategy's target 17 rated from the regions' data, and a region's
position against the others on an ordinal target (returns.regions.against_regions, shown on
the target's page). Other regions are counted, never named."""

import pytest
from django.urls import reverse

from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from returns.models import Basis
from returns.periods import Quarter
from returns.regions import against_regions
from targets.models import RuleKind
from targets.rating import Rating
from tests.factories import make_user, ordinal_measure, region_with_levels

Q3 = Quarter(2009, 3)


@pytest.fixture
def world(db):
    measure = ordinal_measure()
    # The region of target 17: 3 of 4 districts in the top two categories (75%).
    home = region_with_levels("Ayland", [4, 3, 3, 1], measure, rule=RuleKind.COMPARISON)
    # Two other regions: 50% and 25%; their average 37.5%.
    region_with_levels("Beeland", [4, 2], measure)
    region_with_levels("Ceeland", [3, 2, 1, 1], measure)
    return home


def test_target_17_is_rated_from_the_regions_data(world):
    region, _, target = world
    board = make_user(BOARD_MEMBER, region=region)

    found = against_regions(user=board, target=target, quarter=Q3, basis=Basis.APPROVED)

    assert found.rating == Rating.GREEN
    assert found.explanation == (
        "3 of 4 authorities (75%) are in the top two categories: above the average of 38% "
        "over 2 of the 8 other regions with figures."
    )
    assert found.position == "1st of 3 regions with figures"
    assert found.others == 2


def test_a_worse_region_is_red_and_placed_below(db):
    measure = ordinal_measure()
    region, _, target = region_with_levels("Ayland", [1, 1, 3], measure, rule=RuleKind.COMPARISON)
    region_with_levels("Beeland", [4, 4], measure)
    board = make_user(BOARD_MEMBER, region=region)

    found = against_regions(user=board, target=target, quarter=Q3, basis=Basis.APPROVED)

    assert found.rating == Rating.RED
    assert found.position == "2nd of 2 regions with figures"


def test_any_ordinal_target_shows_its_position_without_a_rating(db):
    measure = ordinal_measure()
    region, _, target = region_with_levels("Ayland", [4, 1], measure)
    region_with_levels("Beeland", [4, 4], measure)
    board = make_user(BOARD_MEMBER, region=region)

    found = against_regions(user=board, target=target, quarter=Q3, basis=Basis.APPROVED)

    assert found.rating is None
    assert found.position == "2nd of 2 regions with figures"


def test_a_programme_manager_gets_no_region_wide_figure(world):
    _, sub_region, target = world
    pm = make_user(PROGRAMME_MANAGER, sub_region=sub_region)

    found = against_regions(user=pm, target=target, quarter=Q3, basis=Basis.APPROVED)

    assert found.whole is False
    assert found.position == ""


def test_the_target_page_shows_the_comparison_and_names_no_other_region(client, world):
    region, _, target = world
    client.force_login(make_user(DIRECTOR, region=region))

    response = client.get(reverse("reports:target", args=[target.code]), {"period": Q3.label})

    text = response.content.decode()
    assert response.status_code == 200
    assert "Against the other regions, 2009/10 Q3" in text
    assert "1st of 3 regions with figures" in text
    assert "above the average of 38%" in text
    assert "Beeland" not in text
    assert "Ceeland" not in text

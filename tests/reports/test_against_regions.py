"""Issue 13 item 4: the 2008 strategy's target 17 rated from the regions' data, and a region's
position against the others on an ordinal target (returns.regions.against_regions, shown on
the target's page). Other regions are counted, never named."""

from decimal import Decimal

import pytest
from django.urls import reverse

from authorities.models import AuthorityKind, Region
from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from returns import services
from returns.models import Basis, LineState
from returns.periods import Quarter
from returns.regions import against_regions
from targets.models import RuleKind
from targets.rating import Rating
from tests.factories import (
    AuthorityFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    make_user,
    ordinal_measure,
)

Q3 = Quarter(2009, 3)


def region_with_levels(name: str, levels: list[int], measure, *, rule=RuleKind.ALL_MEET):
    """A region whose set has one ordinal target on ``measure``, and a return in Q3 giving its
    district councils ``levels`` (approved)."""
    slug = name.lower().replace(" ", "-")
    region = Region.objects.create(slug=slug, name=name)
    sub_region = SubRegionFactory(region=region, slug=f"{slug}-srp", name=f"{name} SRP")
    target = TargetFactory(
        target_set=TargetSetFactory(region=region, slug=f"{slug}-set", title=f"{name} set"),
        code=f"{slug}-top-two",
        measure=measure,
        rule=rule,
        threshold=Decimal(3),
        threshold_words="in the top two categories",
        applies_to=["district"],
    )
    authorities = [
        AuthorityFactory(
            sub_region=sub_region,
            kind=AuthorityKind.DISTRICT,
            name=f"{name} District {n}",
            short_name=f"{name} {n}",
            slug=f"{slug}-d{n}",
        )
        for n in range(len(levels))
    ]
    system = services.system_actor()
    return_obj, _ = services.open_return(
        sub_region=sub_region, target_set=target.target_set, quarter=Q3, actor=system
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (authority.pk, target.pk): {"state": LineState.VALUE, "actual": Decimal(level)}
            for authority, level in zip(authorities, levels, strict=True)
        },
        actor=system,
        channel="test",
    )
    services.submit_return(return_obj=return_obj, actor=system)
    services.approve_return(return_obj=return_obj, actor=system)
    return region, sub_region, target


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

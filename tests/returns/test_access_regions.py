"""The one visibility rule with regions (returns.access, authorities.scope; issue 13)."""

import pytest

from authorities.models import Region, SubRegion
from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from authorities.scope import regions_of
from returns.access import scope_of
from tests.factories import SubRegionFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    east, west = (
        Region.objects.create(slug="east", name="East"),
        Region.objects.create(slug="west", name="West"),
    )
    return {
        "east": [SubRegionFactory(region=east), SubRegionFactory(region=east)],
        "west": [SubRegionFactory(region=west)],
        "east_region": east,
        "west_region": west,
    }


def visible(user) -> set[int]:
    return set(scope_of(user).filter(SubRegion.objects.all(), "pk").values_list("pk", flat=True))


@pytest.mark.parametrize("role", [BOARD_MEMBER, DIRECTOR, ADMINISTRATOR])
def test_a_regional_reader_sees_every_sub_region_of_their_region_and_no_other(two, role):
    user = make_user(role, region=two["east_region"])

    assert visible(user) == {sub_region.pk for sub_region in two["east"]}
    assert scope_of(user).whole_region(two["east_region"].pk)
    assert not scope_of(user).whole_region(two["west_region"].pk)
    assert not scope_of(user).allows_sub_region(two["west"][0])


def test_a_programme_manager_sees_their_sub_region_and_their_regions_sets(two):
    pm = make_user(PROGRAMME_MANAGER, sub_region=two["east"][0])

    assert visible(pm) == {two["east"][0].pk}
    assert not scope_of(pm).whole_region(two["east_region"].pk)
    regions = regions_of(pm).filter(Region.objects.all(), "pk")
    assert list(regions) == [two["east_region"]]


def test_a_national_user_sees_every_region(two):
    national = make_user(BOARD_MEMBER, national=True)

    assert visible(national) == {sr.pk for sr in [*two["east"], *two["west"]]}
    assert regions_of(national).everything


@pytest.mark.parametrize("role", [BOARD_MEMBER, DIRECTOR])
def test_a_reader_bound_to_no_region_sees_nothing(two, role):
    user = make_user(role, region=two["east_region"])
    user.region_membership.delete()
    fresh = type(user).objects.get(pk=user.pk)  # a new request

    assert visible(fresh) == set()
    assert scope_of(fresh).nothing
    assert regions_of(fresh).nothing

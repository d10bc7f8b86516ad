"""Issue 13 item 4: each region's deadlines are its own. A general deadline makes only its
region's sets due; one region's Director can neither see, move nor remove another's; a
national user names the region they set a deadline for."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorities.models import Region
from authorities.roles import BOARD_MEMBER, DIRECTOR
from returns.deadlines import deadline_for, due_returns, remove_deadline, set_deadline
from returns.models import Deadline
from returns.periods import Quarter
from tests.factories import (
    DeadlineFactory,
    RegionFactory,
    SubRegionFactory,
    TargetSetFactory,
    make_user,
)

Q3 = Quarter(2009, 3)
D = date(2010, 1, 15)
#: The deadlines page: the session, the user, their permissions (1), their region, the
#: region's deadlines, the deadlines by quarter, the sets, the sub-regions and their returns
#: (the returns made due), the roles for the navigation, the form's sets.
PAGE_QUERIES = 11


@pytest.fixture
def two_regions(db):
    east = RegionFactory()
    west = Region.objects.create(slug="west-midlands", name="West Midlands")
    for region in (east, west):
        SubRegionFactory(region=region, name=f"{region.name} SRP")
    return {
        "east": east,
        "west": west,
        "east_set": TargetSetFactory(region=east, title="East set"),
        "west_set": TargetSetFactory(region=west, title="West set"),
        "east_director": make_user(DIRECTOR, region=east),
        "west_director": make_user(DIRECTOR, region=west),
    }


def test_a_general_deadline_makes_only_its_regions_sets_due(two_regions):
    set_deadline(quarter=Q3, target_set=None, due=D, actor=two_regions["east_director"])

    owed = due_returns()

    assert {item.target_set.title for item in owed} == {"East set"}
    assert {item.sub_region.region for item in owed} == {two_regions["east"]}
    assert deadline_for(two_regions["east_set"].pk, Q3).due == D
    assert deadline_for(two_regions["west_set"].pk, Q3) is None


def test_each_region_sets_its_own_general_deadline_for_the_same_quarter(two_regions):
    east, _ = set_deadline(quarter=Q3, target_set=None, due=D, actor=two_regions["east_director"])
    west, created = set_deadline(
        quarter=Q3, target_set=None, due=date(2010, 1, 29), actor=two_regions["west_director"]
    )

    assert created is True
    assert (east.region, west.region) == (two_regions["east"], two_regions["west"])
    assert deadline_for(two_regions["east_set"].pk, Q3).due == D
    assert deadline_for(two_regions["west_set"].pk, Q3).due == date(2010, 1, 29)


def test_a_director_cannot_set_or_remove_another_regions_deadline(two_regions):
    west_director = two_regions["west_director"]
    east_deadline, _ = set_deadline(
        quarter=Q3, target_set=None, due=D, actor=two_regions["east_director"]
    )

    with pytest.raises(PermissionDenied):
        set_deadline(
            quarter=Q3,
            target_set=None,
            due=date(2010, 2, 1),
            region=two_regions["east"],
            actor=west_director,
        )
    with pytest.raises(PermissionDenied):
        set_deadline(quarter=Q3, target_set=two_regions["east_set"], due=D, actor=west_director)
    with pytest.raises(PermissionDenied):
        remove_deadline(deadline=east_deadline, actor=west_director)

    assert list(Deadline.objects.values_list("region__slug", "due")) == [("east-midlands", D)]


def test_a_sets_deadline_is_always_its_sets_region(two_regions):
    with pytest.raises(ValidationError, match="belongs to another region"):
        set_deadline(
            quarter=Q3,
            target_set=two_regions["west_set"],
            due=D,
            region=two_regions["east"],
            actor=make_user(DIRECTOR, national=True),
        )
    with pytest.raises(ValidationError, match="belongs to another region"):
        DeadlineFactory(
            region=two_regions["east"],
            target_set=two_regions["west_set"],
            year=2009,
            quarter=3,
            due=D,
            set_by=two_regions["east_director"],
        ).full_clean()


def test_a_national_user_names_the_region(two_regions):
    national = make_user(DIRECTOR, national=True)

    with pytest.raises(ValidationError, match="Choose the region"):
        set_deadline(quarter=Q3, target_set=None, due=D, actor=national)
    deadline, _ = set_deadline(
        quarter=Q3, target_set=None, due=D, region=two_regions["west"], actor=national
    )

    assert deadline.region == two_regions["west"]


def test_the_deadlines_page_lists_and_removes_only_the_users_region(client, two_regions):
    east_deadline = DeadlineFactory(
        region=two_regions["east"], year=2009, quarter=3, due=D, set_by=two_regions["east_director"]
    )
    DeadlineFactory(
        region=two_regions["west"],
        year=2009,
        quarter=3,
        due=date(2010, 1, 29),
        set_by=two_regions["west_director"],
    )
    client.force_login(two_regions["west_director"])

    page = client.get(reverse("returns:deadlines")).content.decode()
    removal = client.post(reverse("returns:deadline-delete", args=[east_deadline.pk]))

    assert "every target set of West Midlands" in page.replace("Every", "every")
    assert "29 January 2010" in page or "29 Jan 2010" in page
    assert "East Midlands" not in page
    assert removal.status_code == 404
    assert Deadline.objects.filter(pk=east_deadline.pk).exists()


def test_the_directors_form_sets_their_own_regions_deadline(client, two_regions):
    client.force_login(two_regions["west_director"])

    response = client.post(
        reverse("returns:deadlines"),
        {"quarter": "2009-3", "target_set": "", "due": "2010-01-29", "note": ""},
    )

    assert response.status_code == 302
    assert Deadline.objects.get().region == two_regions["west"]


def test_a_board_member_cannot_set_one(client, two_regions):
    client.force_login(make_user(BOARD_MEMBER, region=two_regions["west"]))

    response = client.post(
        reverse("returns:deadlines"),
        {"quarter": "2009-3", "target_set": "", "due": "2010-01-29", "note": ""},
    )

    assert response.status_code == 403
    assert not Deadline.objects.exists()


def _page_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("returns:deadlines"))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_deadlines_page_costs_the_same_whatever_it_lists(client, two_regions):
    """A page that lists data: a bounded number of queries, whatever the number of deadlines,
    sets and sub-regions (the returns they make due are read at once)."""
    director = two_regions["east_director"]
    set_deadline(quarter=Q3, target_set=None, due=D, actor=director)
    few = _page_queries(client, director)

    for n in range(4):
        SubRegionFactory(region=two_regions["east"], name=f"More SRP {n}")
        TargetSetFactory(region=two_regions["east"], title=f"More set {n}")
    for quarter in (Quarter(2009, 1), Quarter(2009, 2), Quarter(2009, 4)):
        set_deadline(quarter=quarter, target_set=None, due=D, actor=director)
    set_deadline(quarter=Q3, target_set=two_regions["east_set"], due=D, actor=director)
    many = _page_queries(client, director)

    assert many == few
    assert few == PAGE_QUERIES

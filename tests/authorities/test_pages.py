"""The authorities list: a table filtered by sub-region and kind."""

import pytest
from django.urls import reverse

from authorities.models import AuthorityKind
from authorities.roles import PROGRAMME_MANAGER
from tests.factories import AuthorityFactory, SubRegionFactory, make_user


@pytest.fixture
def setup(client, db):
    derbyshire = SubRegionFactory(name="Derbyshire")
    lincolnshire = SubRegionFactory(name="Lincolnshire")
    AuthorityFactory(name="Amber Valley Borough Council", sub_region=derbyshire)
    AuthorityFactory(
        name="Derbyshire County Council", sub_region=derbyshire, kind=AuthorityKind.COUNTY
    )
    AuthorityFactory(name="Boston Borough Council", sub_region=lincolnshire)
    client.force_login(make_user(PROGRAMME_MANAGER, sub_region=derbyshire))
    return client, derbyshire


def names(response):
    return [row.record.name for row in response.context["table"].page.object_list]


def test_lists_every_authority(setup):
    client, _ = setup
    assert len(names(client.get(reverse("authorities:list")))) == 3


def test_filters_by_sub_region_and_kind(setup):
    client, derbyshire = setup
    url = reverse("authorities:list")

    assert sorted(names(client.get(url, {"sub_region": derbyshire.pk}))) == [
        "Amber Valley Borough Council",
        "Derbyshire County Council",
    ]
    assert names(client.get(url, {"sub_region": derbyshire.pk, "kind": "county"})) == [
        "Derbyshire County Council"
    ]
    assert names(client.get(url, {"q": "boston"})) == ["Boston Borough Council"]


def test_sorts_by_column(setup):
    client, _ = setup
    rows = names(client.get(reverse("authorities:list"), {"sort": "-name"}))
    assert rows == sorted(rows, reverse=True)

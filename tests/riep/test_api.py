"""The read-only reference API and its OpenAPI document."""

import json

import pytest
from django.urls import reverse

from authorities.models import AuthorityKind
from authorities.roles import BOARD_MEMBER
from tests.factories import (
    AuthorityFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    make_user,
)


@pytest.fixture
def api(client, db):
    client.force_login(make_user(BOARD_MEMBER))
    return client


def test_authorities_filter_by_sub_region_and_kind(api):
    derbyshire = SubRegionFactory(slug="derbyshire")
    AuthorityFactory(sub_region=derbyshire, kind=AuthorityKind.COUNTY, slug="derbyshire-cc")
    AuthorityFactory(sub_region=derbyshire, slug="amber-valley")
    AuthorityFactory(slug="boston")

    body = api.get(
        reverse("api-authorities"), {"sub_region__slug": "derbyshire", "kind": "county"}
    ).json()

    assert [row["slug"] for row in body["results"]] == ["derbyshire-cc"]
    assert body["results"][0]["sub_region"] == "derbyshire"


def test_targets_of_a_set_carry_measure_rule_and_lineage(api):
    earlier = TargetFactory(target_set__slug="strategy-2008", code="s08-19")
    later = TargetFactory(target_set__slug="stretch-targets", code="st-05", indicator="")
    later.replaces.add(earlier)

    body = api.get(reverse("api-targets", args=["stretch-targets"])).json()

    assert [row["code"] for row in body] == ["st-05"]
    assert body[0]["replaces"] == ["s08-19"]
    assert body[0]["measure"]["kind"] == "percentage"
    assert body[0]["rule_text"].startswith("Met when all authorities are at least 95%")


def test_target_sets_list_counts_targets(api):
    TargetFactory.create_batch(2, target_set=TargetSetFactory(slug="revision-2009"))

    body = api.get(reverse("api-target-sets")).json()

    assert [(row["slug"], row["target_count"]) for row in body] == [("revision-2009", 2)]


def test_openapi_document_lists_the_endpoints(client, db):
    client.force_login(make_user(None))  # the document needs sign-in (issue 12)
    response = client.get("/api/v1/openapi.json")
    document = json.loads(response.content)

    assert response.status_code == 200
    paths = document["paths"]
    for path in (
        "/api/v1/authorities/",
        "/api/v1/target-sets/",
        "/api/v1/target-sets/{slug}/targets/",
    ):
        assert path in paths

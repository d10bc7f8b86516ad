"""The dashboards' JSON under /api/v1/dashboards/: the pages' data, access and errors."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from targets.models import Target
from tests.factories import make_user
from tests.reports.test_dashboards import make_world

Q3 = "2009/10 Q3"


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def board(client, world):
    """A reader of every return: the Director (a Board member sees approved returns only by
    default; see test_the_board_sees_approved_returns_by_default)."""
    client.force_login(make_user(DIRECTOR))
    return client


def endpoints(world) -> dict[str, str]:
    return {
        "overview": reverse("api-dashboard-overview"),
        "compare": reverse("api-dashboard-compare"),
        "sub-region": reverse("api-dashboard-sub-region", args=["north"]),
        "target": reverse("api-dashboard-target", args=["t1-invoices"]),
        "authority": reverse("api-dashboard-authority", args=[world.nc.slug]),
    }


def test_overview(board, world):
    body = board.get(reverse("api-dashboard-overview"), {"target_set": "set-a"}).json()

    assert body["period"] == Q3
    assert body["target_set"] == {"slug": "set-a", "title": "Set A"}
    assert body["headline"] == (
        "Of 3 targets, 1 amber, 1 red and 1 not rated from the returns for the region in "
        "2009/10 Q3."
    )
    assert body["basis"] == "all"
    assert [theme["name"] for theme in body["themes"]] == ["Outcomes", "Efficiency"]
    invoices = body["themes"][1]["targets"][0]
    assert invoices["target"]["code"] == "t1-invoices"
    assert invoices["target"]["rule"] == "Met when all authorities are at least 95%."
    assert invoices["region"]["rating"] == "R"
    assert [(cell["sub_region"], cell["rating"]) for cell in invoices["sub_regions"]] == [
        ("north", "A"),
        ("south", "R"),
    ]
    assert invoices["region"]["counts"] == {
        "red": 1,
        "amber": 1,
        "green": 2,
        "grey": 1,
        "not_applicable": 0,
        "not_rated": 0,
        "achieved": 0,
        "not_yet_due": 0,
        "total": 5,
    }
    comparison = body["themes"][0]["targets"][0]
    assert comparison["region"]["rating"] is None
    assert body["counts"]["targets"]["red"] == 1
    assert [c["return_status"] for c in body["completeness"]] == ["approved", "draft"]


def test_sub_region(board, world):
    body = board.get(reverse("api-dashboard-sub-region", args=["north"])).json()

    county = body["authorities"][0]
    assert county["authority"] == {
        "slug": world.nc.slug,
        "name": "North County Council",
        "kind": "county",
    }
    care = next(line for line in county["lines"] if line["target"] == "t2-care")
    # The rule's Amber stands; the sub-region's own Red is kept beside it.
    assert (care["rating"], care["computed"], care["manual"], care["overridden"]) == (
        "A",
        "A",
        "R",
        True,
    )
    invoices = next(line for line in county["lines"] if line["target"] == "t1-invoices")
    assert (invoices["actual"], invoices["value"], invoices["date_of_data"]) == (
        "96",
        "96%",
        "2009-12-09",
    )
    district = body["authorities"][1]
    assert next(line for line in district["lines"] if line["target"] == "t2-care")["state"] == (
        "does_not_apply"
    )
    assert [item["rating"] for item in body["overall"]] == [None, "A", "A"]


def test_target(board, world):
    body = board.get(reverse("api-dashboard-target", args=["t1-invoices"])).json()

    assert body["target"]["target_set"]["slug"] == "set-a"
    assert body["overall"]["rating"] == "R"
    assert [p["period"] for p in body["trend"]] == ["2009/10 Q2", Q3]
    assert [item["code"] for item in body["lineage"]["earlier"]] == ["t0-old"]
    assert [item["code"] for item in body["lineage"]["later"]] == ["t9-new", "t10-newer"]
    assert len(body["authorities"]) == 5
    assert body["distribution"]["green"] == 2


def test_authority(board, world):
    body = board.get(reverse("api-dashboard-authority", args=[world.nc.slug])).json()

    assert body["authority"]["sub_region"] == "north"
    assert [p["period"] for p in body["periods"]] == ["2009/10 Q2", Q3]
    assert [p["return_status"] for p in body["periods"]] == ["submitted", "approved"]
    care = next(t for t in body["targets"] if t["target"]["code"] == "t2-care")
    assert [line["rating"] for line in care["lines"]] == ["G", "A"]


def test_the_board_sees_approved_returns_by_default(client, world):
    client.force_login(make_user(BOARD_MEMBER))

    body = client.get(reverse("api-dashboard-overview"), {"target_set": "set-a"}).json()
    everything = client.get(
        reverse("api-dashboard-overview"), {"target_set": "set-a", "basis": "all"}
    ).json()

    assert (body["basis"], everything["basis"]) == ("approved", "all")
    invoices = body["themes"][1]["targets"][0]
    # South's return is a draft: on approved returns only its authorities are not counted.
    assert [(cell["sub_region"], cell["rating"]) for cell in invoices["sub_regions"]] == [
        ("north", "A"),
        ("south", "GREY"),
    ]
    assert invoices["region"]["rating"] == "A"
    assert everything["themes"][1]["targets"][0]["region"]["rating"] == "R"
    # What each rating rests on: nothing unapproved on approved returns; South's draft else.
    assert invoices["region"]["unapproved"] == {}
    assert invoices["region"]["thin"] is True  # 2 of 5 authorities known
    all_invoices = everything["themes"][1]["targets"][0]
    assert all_invoices["region"]["unapproved"] == {"draft": 1}
    assert [cell["unapproved"] for cell in all_invoices["sub_regions"]] == [{}, {"draft": 1}]


def test_compare(board, world):
    body = board.get(
        reverse("api-dashboard-compare"), {"period": Q3, "against": "2009/10 Q2"}
    ).json()

    assert (body["against"], body["period"]) == ("2009/10 Q2", Q3)
    assert body["movements"] == {"improved": 0, "same": 1, "worse": 1, "unknown": 1}
    assert body["targets"][1]["region"]["after"]["rating"] == "A"
    care = next(t for t in body["targets"] if t["target"]["code"] == "t2-care")
    assert care["region"]["movement"] == {"code": "worse", "text": "worse"}
    assert care["sub_regions"][0]["before"]["rating"] == "G"


@pytest.mark.parametrize(
    ("params", "field", "status"),
    [
        ({"period": "Q3 2009"}, "period", 400),
        ({"target_set": "no pe"}, "target_set", 400),
        ({"kind": "parish"}, "kind", 400),
        # Well formed, naming nothing: 404 (issue 12, schemathesis).
        ({"target_set": "nope"}, "target_set", 404),
    ],
)
def test_bad_parameters_are_400_and_unknown_names_404(board, world, params, field, status):
    response = board.get(reverse("api-dashboard-overview"), params)

    assert response.status_code == status
    assert set(response.json()["errors"]) == {field}
    assert response.json()["detail"]


@pytest.mark.parametrize("name", ["overview", "compare", "sub-region", "target", "authority"])
def test_access(client, world, name):
    url = endpoints(world)[name]

    assert client.get(url).status_code == 401
    client.force_login(make_user(None))
    assert client.get(url).status_code == 403
    client.force_login(make_user(DIRECTOR))
    assert client.get(url).status_code == 200


def test_a_programme_manager_gets_404_for_another_sub_region(client, world):
    client.force_login(make_user(PROGRAMME_MANAGER, sub_region=world.north))

    assert client.get(reverse("api-dashboard-sub-region", args=["south"])).status_code == 404
    assert client.get(reverse("api-dashboard-authority", args=[world.su.slug])).status_code == 404
    body = client.get(reverse("api-dashboard-overview")).json()
    assert [column["slug"] for column in body["sub_regions"]] == ["north"]
    assert body["whole_region"] is False


def test_unknown_things_are_404(board, world):
    assert board.get(reverse("api-dashboard-target", args=["nope"])).status_code == 404
    assert board.get(reverse("api-dashboard-sub-region", args=["nope"])).status_code == 404
    assert board.get(reverse("api-dashboard-authority", args=["nope"])).status_code == 404


def test_a_token_works(client, world):
    token = Token.objects.create(user=make_user(BOARD_MEMBER))

    response = client.get(
        reverse("api-dashboard-overview"), HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 200


def test_the_openapi_document_lists_the_dashboards(client, db):
    client.force_login(make_user(None))  # the document needs sign-in (issue 12)
    document = json.loads(client.get("/api/v1/openapi.json").content)

    for path in (
        "/api/v1/dashboards/overview/",
        "/api/v1/dashboards/compare/",
        "/api/v1/dashboards/sub-regions/{slug}/",
        "/api/v1/dashboards/targets/{code}/",
        "/api/v1/dashboards/authorities/{slug}/",
    ):
        assert "get" in document["paths"][path]
    parameters = {
        p["name"] for p in document["paths"]["/api/v1/dashboards/overview/"]["get"]["parameters"]
    }
    assert {"target_set", "period", "theme", "sub_region", "kind", "rating"} <= parameters
    schemas = document["components"]["schemas"]
    assert "DashboardOverview" in schemas
    assert schemas["AuthorityKind"]["enum"] == [
        "county",
        "unitary",
        "district",
        "national_park",
        "fire_rescue",
    ]


#: Queries per endpoint whatever the amount of data: the pages' counts less the navigation
#: bar's roles (and the session and user when a token signs in instead).
#: A first request's: the set's targets (with the reference data's token, ``targets.stamp``)
#: and their levels among them; a later request reads the token alone (see the next test).
API_QUERIES = {"overview": 12, "compare": 12, "sub-region": 15, "target": 18, "authority": 14}


@pytest.mark.parametrize("name", list(API_QUERIES))
@pytest.mark.parametrize("size", ["small", "large"])
def test_a_constant_number_of_queries(client, db, django_assert_num_queries, name, size):
    large = size == "large"
    world = make_world(extra_districts=40 if large else 0, extra_quarters=8 if large else 0)
    client.force_login(make_user(BOARD_MEMBER))

    with django_assert_num_queries(API_QUERIES[name]):
        assert client.get(endpoints(world)[name]).status_code == 200


@pytest.mark.parametrize("name", ["overview", "compare", "sub-region", "authority"])
def test_a_later_request_takes_the_unchanged_targets_from_memory(client, db, name):
    world = make_world()
    client.force_login(make_user(BOARD_MEMBER))
    url = endpoints(world)[name]
    with CaptureQueriesContext(connection) as first:
        first_answer = client.get(url).json()
    with CaptureQueriesContext(connection) as later:
        assert client.get(url).json() == first_answer
    # The token three times (the filters' sets, the visible sub-regions, the set's targets)
    # instead of the sets, the themes, the sub-regions, the targets and their levels.
    assert len(first) - len(later) == 2

    # A change to a target, however made, is read by the next request.
    Target.objects.filter(pk=world.t1.pk).update(title="Renamed")
    with CaptureQueriesContext(connection) as changed:
        renamed = client.get(url).content.decode()
    assert len(changed) == len(first) + 3  # each time the token, then the reading again
    assert "Renamed" in renamed

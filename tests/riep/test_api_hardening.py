"""The API's findings of issue 12 one by one (item 6), each on its own: they fail on the code
before the fix. tests/riep/test_api_conformance.py runs schemathesis over the whole API."""

import json

import pytest

from authorities.roles import PROGRAMME_MANAGER
from returns import services
from returns.periods import Quarter
from riep.api.parsers import nesting_depth_exceeds
from tests.factories import (
    AuthorityFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    make_user,
)


@pytest.fixture
def pm(client, db):
    """A programme manager with a draft return of their sub-region, signed in."""
    sub_region = SubRegionFactory(slug="derbyshire")
    AuthorityFactory(sub_region=sub_region, slug="amber-valley")
    target_set = TargetSetFactory(slug="stretch-targets")
    TargetFactory(target_set=target_set, number="5", code="st-05")
    user = make_user(PROGRAMME_MANAGER, sub_region=sub_region)
    return_obj, _ = services.open_return(
        sub_region=sub_region, target_set=target_set, quarter=Quarter(2009, 3), actor=user
    )
    client.force_login(user)
    client.return_obj = return_obj
    return client


@pytest.mark.parametrize("path", ["/api/v1/authorities/", "/api/v1/returns/"])
@pytest.mark.parametrize(
    "query",
    [
        {"limit": str(10**20)},  # issue 12: a 500 (an SQL LIMIT no integer holds)
        {"offset": str(10**20)},
        {"limit": "1001"},
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "abc"},  # was read as the default: schema-invalid, accepted
        {"offset": "null"},
        {"limit": ["5", "6"]},
    ],
)
def test_a_huge_or_malformed_limit_or_offset_is_a_400(pm, path, query):
    response = pm.get(path, query)

    assert response.status_code == 400
    (name,) = query
    assert list(response.json()["errors"]) == [name]


def test_limit_and_offset_within_their_bounds_page_the_list(pm):
    AuthorityFactory.create_batch(3)

    body = pm.get("/api/v1/authorities/", {"limit": "2", "offset": "1"}).json()

    assert body["count"] == 4
    assert len(body["results"]) == 2


def _nested(depth: int) -> str:
    return '{"lines": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_400(pm, depth):
    """Issue 12: JSON nested about 1,000 levels deep gave a 500 (RecursionError)."""
    for method, url in [
        (pm.post, "/api/v1/returns/"),
        (pm.patch, f"/api/v1/returns/{pm.return_obj.pk}/lines/"),
        (pm.post, f"/api/v1/returns/{pm.return_obj.pk}/submit/"),
    ]:
        response = method(url, _nested(depth), content_type="application/json")

        assert response.status_code == 400, url
        assert response.json()["detail"] == "The JSON is nested more than 32 levels deep."


def test_json_within_the_depth_limit_is_read(pm):
    response = pm.patch(
        f"/api/v1/returns/{pm.return_obj.pk}/lines/",
        json.dumps({"version": 1, "lines": [{"authority": "amber-valley", "target": "5"}]}),
        content_type="application/json",
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("data", "deeper_than_32"),
    [
        (b"[" * 32 + b"]" * 32, False),
        (b"[" * 33 + b"]" * 33, True),
        (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets inside a string do not count
        (b'{"a": "\\"[[[[", "b": [[1]]}', False),  # nor after an escaped quote
        (b"{" * 33, True),  # malformed, but refused before any parser
    ],
)
def test_nesting_depth_counts_arrays_and_objects_outside_strings(data, deeper_than_32):
    assert nesting_depth_exceeds(data) is deeper_than_32


def test_a_body_over_the_size_limit_is_a_413(pm, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = pm.post(
        "/api/v1/returns/", json.dumps({"comment": "x" * 2_000}), content_type="application/json"
    )

    assert response.status_code == 413


def test_a_body_that_is_not_json_is_a_415(pm):
    response = pm.post("/api/v1/returns/", {"sub_region": "derbyshire"})  # multipart

    assert response.status_code == 415


def test_the_openapi_document_needs_sign_in(client, db, settings):
    """Issue 12: the OpenAPI document was served to anonymous users."""
    assert client.get("/api/v1/openapi.json").status_code == 401

    client.force_login(make_user(None))
    assert client.get("/api/v1/openapi.json").status_code == 200

    client.logout()
    settings.API_SCHEMA_PUBLIC = True
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/returns/{10**20}/"),  # an id no integer column holds: was a 500
        ("get", "/api/v1/returns/2147483648/"),
        ("get", "/api/v1/returns/abc/"),
        ("get", "/api/v1/no-such-thing/"),
        ("post", "/api/v1/returns/abc/submit/"),  # a session's POST: not the CSRF page
        ("patch", f"/api/v1/returns/{10**20}/lines/"),
    ],
)
def test_an_address_the_api_has_not_is_a_404_in_json(pm, method, path):
    if method == "get":
        response = pm.get(path)
    else:
        response = getattr(pm, method)(path, "{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json() == {"detail": "The API has no such address."}


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"theme": "null"}, 400, "theme"),  # was ignored: schema-invalid, accepted
        ({"theme": "0"}, 400, "theme"),
        ({"kind": ["county", "district"]}, 400, "kind"),  # given twice
        ({"period": "2009/11 Q3"}, 400, "period"),
        ({"period": ""}, 400, "period"),
        ({"period": "1990/91 Q1"}, 400, "period"),  # the quarter before is no quarter
        ({"sub_region": "atlantis"}, 404, "sub_region"),  # was a 400: well formed
        ({"target_set": "nope", "theme": "7"}, 404, "target_set"),
    ],
)
def test_dashboard_parameters_malformed_are_400_and_naming_nothing_404(pm, query, status, field):
    response = pm.get("/api/v1/dashboards/overview/", query)

    assert response.status_code == status
    assert field in response.json()["errors"]


def test_the_comparison_of_a_quarter_with_itself_is_answered(pm):
    """The document cannot say "two different quarters": the same one twice is well formed,
    and compared with itself (was a 400 to a schema-valid request)."""
    query = {"period": "2009/10 Q3", "against": "2009/10 Q3"}

    body = pm.get("/api/v1/dashboards/compare/", query).json()

    assert (body["period"], body["against"]) == ("2009/10 Q3", "2009/10 Q3")


@pytest.mark.parametrize(
    "query",
    [{}, {"target_set": "stretch-targets", "period": "2009/10 Q3"}, {"target_set": "no pe"}],
)
def test_head_reads_the_query_as_get_does(pm, query):
    get = pm.get("/api/v1/ratings/", query)
    head = pm.head("/api/v1/ratings/", query)

    assert head.status_code == get.status_code
    assert get.status_code in (200, 400)

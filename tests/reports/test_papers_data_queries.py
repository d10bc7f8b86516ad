"""The Board paper's data step (reports.papers.snapshot.build_data) costs at most 10 queries,
and the same number whatever the size of the data (issue 9: it ran about 90, rating each line
three times; bench/bench_papers.py counts it at national scale)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorities.models import AuthorityKind, SubRegion
from authorities.roles import DIRECTOR
from reports.papers.snapshot import build_data
from returns import services
from returns.models import LineState
from tests.factories import AuthorityFactory, SubRegionFactory, make_user
from tests.reports import test_papers_support as support
from tests.reports.test_dashboards import Q3, make_world

pytestmark = pytest.mark.django_db

MAX_QUERIES = 9
#: What build_data costs now (a query more or less is a change to look at, not a failure to
#: hide): the set's targets and their levels, the user's permissions (1, authorities.backends:
#: the visibility rule asks them of a user object loaded afresh, as a paper's build loads
#: its user), the
#: sub-regions the user may see, their regions, their returns, the overall rows of the quarter
#: and the trend, the lines, the authorities.
QUERIES = 9

demo_database = support.demo_database
demo_paper = support.demo_paper


def _data(user_id: int, **kwargs) -> tuple[int, dict]:
    """build_data's queries and result, for the user as a new request loads them (nothing
    cached on the user object)."""
    user = get_user_model().objects.get(pk=user_id)
    with CaptureQueriesContext(connection) as captured:
        data = build_data(user=user, **kwargs)
    return len(captured.captured_queries), data


def test_the_demo_papers_data_takes_at_most_10_queries(demo_paper):
    count, data = _data(
        demo_paper.author_id, target_set=demo_paper.target_set, quarter=demo_paper.period
    )

    assert count <= MAX_QUERIES
    assert count == QUERIES
    assert len(data["lines"]) > 100  # the demo's returns were read, not an empty world
    assert len(data["trend_quarters"]) >= 1


def _bigger_world():
    """The dashboards' test world with 40 more districts and 8 more quarters of returns, and
    10 more sub-regions of 5 districts each with a return of every line for the quarter."""
    world = make_world(extra_districts=40, extra_quarters=8)
    system = services.system_actor()
    for number in range(10):
        sub_region = SubRegionFactory(slug=f"extra-{number}", name=f"Extra {number}", order=10)
        for district in range(5):
            AuthorityFactory(
                sub_region=sub_region,
                kind=AuthorityKind.DISTRICT,
                name=f"Extra {number}.{district} District Council",
                short_name=f"Extra {number}.{district}",
            )
        return_obj, _ = services.open_return(
            sub_region=sub_region, target_set=world.target_set, quarter=Q3, actor=system
        )
        services.update_lines(
            return_obj=return_obj,
            changes={
                (line.authority_id, line.target_id): {
                    "state": LineState.VALUE,
                    "actual": Decimal(90 + line.authority_id % 10),
                }
                for line in return_obj.lines.filter(target=world.t1)
            },
            actor=system,
            channel="test",
        )
    return world


@pytest.mark.parametrize("size", ["small", "bigger"])
def test_the_same_number_of_queries_whatever_the_size(size):
    world = make_world() if size == "small" else _bigger_world()
    director = make_user(DIRECTOR)

    count, data = _data(director.pk, target_set=world.target_set, quarter=Q3)

    assert count <= MAX_QUERIES
    assert count == QUERIES
    # Every sub-region of the set's region (the migrations' East Midlands ones too), and the
    # world's lines.
    assert (
        len(data["sub_regions"]) == SubRegion.objects.filter(region=world.target_set.region).count()
    )
    assert sum(1 for line in data["lines"] if line["state"] == "value") == (
        6 if size == "small" else 6 + 10 * 5
    )

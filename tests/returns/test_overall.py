"""returns.overall: each target's overall rating per sub-region and for the region, from one read.

The matrix is the Derbyshire return of December 2009 (seed 002, agenda item 8): a manual RAG
per authority per target, and the overall row the sub-region sent with it. Numbers here are
the Derbyshire report's own (10 = NEET, 11 = NI 1): the test is about the rule, not the set.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorities.models import AuthorityKind
from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from returns import services
from returns.models import LineState
from returns.overall import overall_ratings
from returns.periods import Quarter
from targets.models import MeasureKind, MeasureLevel, Scope
from targets.rating import Rating, Status
from tests.factories import (
    AuthorityFactory,
    LAAAreaFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    make_user,
)

Q3 = Quarter(2009, 3)
REASON = "Derbyshire return, December 2009 (seed 002, item 8)"

# Columns 1-12 of the Derbyshire RAG matrix; "." is a blank cell.
DERBYSHIRE_MATRIX = {
    "Amber Valley BC": "...AR.GGA..G",
    "Bolsover DC": "...AR.GAG..A",
    "Chesterfield BC": "...AR.GGA..A",
    "Derby City": "GGGGRRGGAGAR",
    "Derbyshire CC": "GGGGRRGA.AAR",
    "Derbyshire Dales DC": "...GG.GGA..A",
    "Erewash BC": "...AR.GAG..A",
    "High Peak BC": "...GR.GAG..A",
    "North East DDC": "...AR.GGG..G",
    "South Derbyshire DC": "...GG.GGG..A",
    "Peak District NPA": "...GG.GG...G",
    "Fire Service": "...GRGGG....",
}
DERBYSHIRE_OVERALL = "GGGARRGAAAAR"


def fresh(user):
    """The user as a new request would load it: no cached permissions or membership."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def system(db):
    return services.system_actor()


@pytest.fixture
def derbyshire_matrix(system):
    derbyshire = SubRegionFactory(slug="derbyshire", name="Derbyshire", order=1)
    target_set = TargetSetFactory(slug="stretch")
    targets = {
        number: TargetFactory(target_set=target_set, number=str(number), priority=number)
        for number in range(1, 13)
    }
    authorities = {
        name: AuthorityFactory(sub_region=derbyshire, name=name) for name in DERBYSHIRE_MATRIX
    }
    return_obj, _ = services.open_return(
        sub_region=derbyshire, target_set=target_set, quarter=Q3, actor=system
    )
    changes = {}
    for name, row in DERBYSHIRE_MATRIX.items():
        for number, cell in enumerate(row, start=1):
            if cell != ".":
                key = (authorities[name].pk, targets[number].pk)
                changes[key] = {"manual_rating": cell, "manual_reason": REASON}
    services.update_lines(return_obj=return_obj, changes=changes, actor=system, channel="test")
    return derbyshire, target_set, targets


def test_the_derbyshire_overall_row_is_rebuilt_from_its_matrix(derbyshire_matrix):
    _derbyshire, target_set, _ = derbyshire_matrix

    overview = overall_ratings(user=make_user(DIRECTOR), target_set=target_set, quarter=Q3)

    rebuilt = "".join(str(item.sub_regions["derbyshire"].rating) for item in overview.targets)
    assert rebuilt == DERBYSHIRE_OVERALL
    by_number = {item.target.number: item for item in overview.targets}
    assert by_number["5"].sub_regions["derbyshire"].rating is Rating.RED
    assert by_number["1"].sub_regions["derbyshire"].rating is Rating.GREEN
    assert by_number["8"].sub_regions["derbyshire"].rating is Rating.AMBER
    # The region (one sub-region here) agrees with its only sub-region.
    assert [item.region.rating for item in overview.targets] == [
        item.sub_regions["derbyshire"].rating for item in overview.targets
    ]


def test_blank_cells_are_counted_not_dropped(derbyshire_matrix):
    _, target_set, _ = derbyshire_matrix

    overview = overall_ratings(user=make_user(BOARD_MEMBER), target_set=target_set, quarter=Q3)

    target_1 = overview.targets[0].sub_regions["derbyshire"]
    # Target 1: Derby City and Derbyshire CC are Green; the other ten are awaiting data.
    assert target_1.counts == {"R": 0, "A": 0, "G": 2, "GREY": 10, "NA": 0, "missing": 0}
    assert "2 of 12 relevant authorities rated; 10 awaiting data" in target_1.explanation
    rows = overview.targets[0].lines_by_sub_region["derbyshire"]
    assert len(rows) == 12
    assert all(row.line_id is not None for row in rows)


def test_a_line_row_carries_values_status_and_ratings(system):
    sub_region = SubRegionFactory(slug="lincolnshire", name="Lincolnshire")
    boston = AuthorityFactory(sub_region=sub_region, name="Boston Borough Council")
    measure = MeasureFactory(kind=MeasureKind.MONEY, unit="£k")
    target = TargetFactory(measure=measure, threshold=None, number="7")
    return_obj, _ = services.open_return(
        sub_region=sub_region, target_set=target.target_set, quarter=Q3, actor=system
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (boston.pk, target.pk): {
                "state": LineState.VALUE,
                "actual": Decimal("503"),
                "target_value": Decimal("913"),
                "comment": "As above",
            }
        },
        actor=system,
        channel="test",
    )

    overview = overall_ratings(user=make_user(DIRECTOR), target_set=target.target_set, quarter=Q3)

    (row,) = overview.targets[0].lines_by_sub_region["lincolnshire"]
    assert (row.authority_name, row.actual, row.target_value) == (
        "Boston Borough Council",
        Decimal("503"),
        Decimal("913"),
    )
    assert row.status is Status.WORSE
    assert row.computed is Rating.RED
    assert row.effective is Rating.RED
    assert row.manual is None
    assert row.comment == "As above"
    assert overview.targets[0].region.rating is Rating.RED


@pytest.fixture
def two_sub_regions(system):
    """Derbyshire sent a return (all Green on the one target); Lincolnshire sent none."""
    derbyshire = SubRegionFactory(slug="derbyshire", name="Derbyshire", order=1)
    lincolnshire = SubRegionFactory(slug="lincolnshire", name="Lincolnshire", order=2)
    for sub_region in (derbyshire, lincolnshire):
        AuthorityFactory.create_batch(3, sub_region=sub_region)
    target = TargetFactory(target_set__slug="stretch", threshold=Decimal("95"))
    return_obj, _ = services.open_return(
        sub_region=derbyshire, target_set=target.target_set, quarter=Q3, actor=system
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (line.authority_id, target.pk): {"state": LineState.VALUE, "actual": Decimal("97")}
            for line in return_obj.lines.all()
        },
        actor=system,
        channel="test",
    )
    return derbyshire, lincolnshire, target


def test_a_sub_region_without_a_return_is_grey_and_counted_as_missing(two_sub_regions):
    _, _, target = two_sub_regions

    overview = overall_ratings(
        user=make_user(BOARD_MEMBER), target_set=target.target_set, quarter=Q3
    )

    (item,) = overview.targets
    assert overview.whole_region
    assert [ref.slug for ref in overview.missing_returns] == ["lincolnshire"]
    lincolnshire = item.sub_regions["lincolnshire"]
    assert lincolnshire.rating is Rating.GREY
    assert lincolnshire.counts["missing"] == 3
    assert "3 without a return" in lincolnshire.explanation
    assert all(row.missing for row in item.lines_by_sub_region["lincolnshire"])
    # The region rates what is known, and says what is not.
    assert item.region.rating is Rating.GREEN
    assert item.region.counts["G"] == 3
    assert item.region.counts["missing"] == 3
    assert "3 without a return" in item.region.explanation


def test_a_programme_manager_sees_their_sub_region_and_a_region_row_over_it(two_sub_regions):
    derbyshire, _, target = two_sub_regions
    pm = make_user(PROGRAMME_MANAGER, sub_region=derbyshire)

    overview = overall_ratings(user=pm, target_set=target.target_set, quarter=Q3)

    assert [ref.slug for ref in overview.sub_regions] == ["derbyshire"]
    assert not overview.whole_region
    (item,) = overview.targets
    assert list(item.sub_regions) == ["derbyshire"]
    assert item.region.explanation.startswith(
        "Over Derbyshire only, the sub-regions you may see, not the whole region. All 3 "
    )
    assert item.region.counts["missing"] == 0


def test_no_role_sees_nothing(two_sub_regions):
    _, _, target = two_sub_regions

    overview = overall_ratings(user=make_user(None), target_set=target.target_set, quarter=Q3)

    assert overview.sub_regions == []
    assert overview.targets[0].sub_regions == {}
    assert overview.targets[0].region.rating is Rating.GREY


def test_narrowing_to_one_sub_region(two_sub_regions):
    _, lincolnshire, target = two_sub_regions

    overview = overall_ratings(
        user=make_user(DIRECTOR), target_set=target.target_set, quarter=Q3, sub_region=lincolnshire
    )

    assert [ref.slug for ref in overview.sub_regions] == ["lincolnshire"]
    assert overview.targets[0].region.rating is Rating.GREY


def test_laa_targets_have_rows_for_lead_councils_only(system):
    sub_region = SubRegionFactory(slug="lincolnshire", name="Lincolnshire")
    county = AuthorityFactory(sub_region=sub_region, kind=AuthorityKind.COUNTY)
    AuthorityFactory(sub_region=sub_region, kind=AuthorityKind.DISTRICT)
    LAAAreaFactory(sub_region=sub_region, lead_authority=county)
    target = TargetFactory(scope=Scope.LAA, applies_to=["county", "unitary"])

    overview = overall_ratings(user=make_user(DIRECTOR), target_set=target.target_set, quarter=Q3)

    rows = overview.targets[0].lines_by_sub_region["lincolnshire"]
    assert [row.authority_slug for row in rows] == [county.slug]


def _dataset(system, *, slug: str, authorities: int, targets: int):
    sub_region = SubRegionFactory(slug=slug, name=slug.title())
    AuthorityFactory.create_batch(authorities, sub_region=sub_region)
    target_set = TargetSetFactory(slug=f"set-{slug}")
    for _ in range(targets):
        measure = MeasureFactory(kind=MeasureKind.ORDINAL, unit="level")
        for value in (1, 2, 3, 4):
            MeasureLevel.objects.create(measure=measure, value=value, label=f"Level {value}")
        TargetFactory(target_set=target_set, measure=measure, threshold=Decimal("3"))
    return_obj, _ = services.open_return(
        sub_region=sub_region, target_set=target_set, quarter=Q3, actor=system
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (line.authority_id, line.target_id): {"state": LineState.VALUE, "actual": Decimal(2)}
            for line in return_obj.lines.all()
        },
        actor=system,
        channel="test",
    )
    return sub_region, target_set


@pytest.mark.parametrize("role", [BOARD_MEMBER, PROGRAMME_MANAGER])
def test_the_number_of_queries_does_not_grow_with_the_data(system, django_assert_num_queries, role):
    small_region, small = _dataset(system, slug="small", authorities=2, targets=1)
    large_region, large = _dataset(system, slug="large", authorities=10, targets=4)
    if role == PROGRAMME_MANAGER:  # each programme manager reads their own sub-region
        small_reader = make_user(role, sub_region=small_region)
        large_reader = make_user(role, sub_region=large_region)
    else:
        small_reader = large_reader = make_user(role)

    with CaptureQueriesContext(connection) as small_queries:
        overview = overall_ratings(user=fresh(small_reader), target_set=small, quarter=Q3)
    assert sum(not row.missing for item in overview.targets for row in item.lines) == 2

    with django_assert_num_queries(len(small_queries)):
        overview = overall_ratings(user=fresh(large_reader), target_set=large, quarter=Q3)
    assert sum(not row.missing for item in overview.targets for row in item.lines) == 40
    assert all(item.region.rating is Rating.AMBER for item in overview.targets)

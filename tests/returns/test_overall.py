"""returns.overall and returns.selectors: each target's overall rating per sub-region and for
the region, stored when the lines change and read back in a bounded number of queries.

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
from returns.models import Basis, LineState, Overall
from returns.overall import rebuild
from returns.periods import Quarter
from returns.selectors import quarter_lines, quarter_ratings
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


def read(user, target_set, *, basis=Basis.ALL, sub_region=None):
    """The stored ratings and their lines, as a dashboard reads them."""
    ratings = quarter_ratings(
        user=user, target_set=target_set, quarter=Q3, basis=basis, sub_region=sub_region
    )
    lines = quarter_lines(refs=ratings.sub_regions, targets=ratings.targets, basis=basis)
    return ratings, lines


def test_the_derbyshire_overall_row_is_rebuilt_from_its_matrix(derbyshire_matrix):
    _derbyshire, target_set, _ = derbyshire_matrix

    ratings, _ = read(make_user(DIRECTOR), target_set)

    (derbyshire,) = ratings.sub_regions
    (region,) = ratings.regions
    rebuilt = "".join(str(ratings.sub_region(t.pk, derbyshire).rating) for t in ratings.targets)
    # Hand ratings of lines with no value stand in for the rule: the overall row the sub-region
    # sent comes out of its own matrix.
    assert rebuilt == DERBYSHIRE_OVERALL
    # The region (one sub-region here) agrees with its only sub-region.
    assert [ratings.region(t.pk, region).rating for t in ratings.targets] == [
        ratings.sub_region(t.pk, derbyshire).rating for t in ratings.targets
    ]


def test_the_stored_rows_are_what_a_rebuild_from_scratch_writes(derbyshire_matrix):
    def stored():
        rows = Overall.objects.values_list(
            "target_id", "sub_region_id", "basis", "rating", "explanation", "counts"
        )
        return sorted(rows, key=lambda row: (row[0], row[1] or 0, row[2]))

    kept_up_to_date = stored()
    Overall.objects.all().delete()

    assert rebuild() == len(kept_up_to_date)
    assert stored() == kept_up_to_date


def test_blank_cells_are_counted_not_dropped(derbyshire_matrix):
    _, target_set, _ = derbyshire_matrix

    ratings, lines = read(make_user(BOARD_MEMBER), target_set)

    target_1 = ratings.sub_region(ratings.targets[0].pk, ratings.sub_regions[0])
    # Target 1: Derby City and Derbyshire CC are Green; the other ten are awaiting data.
    assert target_1.counts["G"] == 2
    assert target_1.counts["GREY"] == 10
    assert "2 of 12 relevant authorities rated; 10 awaiting data" in target_1.explanation
    assert (target_1.relevant, target_1.known) == (12, 2)
    rows = lines[ratings.targets[0].pk]["derbyshire"]
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

    ratings, lines = read(make_user(DIRECTOR), target.target_set)

    (row,) = lines[target.pk]["lincolnshire"]
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
    assert ratings.region(target.pk, ratings.regions[0]).rating is Rating.RED


@pytest.fixture
def two_sub_regions(system):
    """Derbyshire sent a return (all Green on the one target); Lincolnshire sent none."""
    derbyshire = SubRegionFactory(slug="derbyshire", name="Derbyshire", order=1)
    lincolnshire = SubRegionFactory(
        slug="lincolnshire", name="Lincolnshire", order=2, region=derbyshire.region
    )
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
    return derbyshire, lincolnshire, target, return_obj


def test_a_sub_region_without_a_return_is_grey_and_counted_as_missing(two_sub_regions):
    _, _, target, _ = two_sub_regions

    ratings, lines = read(make_user(BOARD_MEMBER), target.target_set)

    assert ratings.whole
    assert [ref.slug for ref in ratings.missing_returns] == ["lincolnshire"]
    lincolnshire = ratings.sub_region(target.pk, ratings.sub_regions[1])
    assert lincolnshire.rating is Rating.GREY
    assert lincolnshire.counts["missing"] == 3
    assert "3 without a return" in lincolnshire.explanation
    assert all(row.missing for row in lines[target.pk]["lincolnshire"])
    # The region rates what is known, and says what is not.
    region = ratings.region(target.pk, ratings.regions[0])
    assert region.rating is Rating.GREEN
    assert region.counts["G"] == 3
    assert region.counts["missing"] == 3
    assert "3 without a return" in region.explanation


def test_on_the_approved_basis_a_draft_counts_for_nothing(two_sub_regions, system):
    _, _, target, return_obj = two_sub_regions
    board = make_user(BOARD_MEMBER)

    draft, _ = read(board, target.target_set, basis=Basis.APPROVED)
    region = draft.region(target.pk, draft.regions[0])
    assert region.rating is Rating.GREY
    assert region.counts["missing"] == 6

    for step in (services.submit_return, services.approve_return):
        step(return_obj=return_obj, actor=system)
    signed_off, _ = read(board, target.target_set, basis=Basis.APPROVED)
    assert signed_off.region(target.pk, signed_off.regions[0]).rating is Rating.GREEN


def test_a_programme_manager_sees_their_sub_region_and_a_region_row_over_it(two_sub_regions):
    derbyshire, _, target, _ = two_sub_regions
    pm = make_user(PROGRAMME_MANAGER, sub_region=derbyshire)

    ratings, lines = read(pm, target.target_set)

    assert [ref.slug for ref in ratings.sub_regions] == ["derbyshire"]
    assert not ratings.whole
    assert list(lines[target.pk]) == ["derbyshire"]
    region = ratings.region(target.pk, ratings.regions[0])
    assert region.explanation.startswith(
        "Over Derbyshire only, the sub-regions you may see, not the whole region. All 3 "
    )
    assert region.counts["missing"] == 0


def test_no_role_sees_nothing(two_sub_regions):
    _, _, target, _ = two_sub_regions

    ratings, lines = read(make_user(None), target.target_set)

    assert ratings.sub_regions == []
    assert ratings.regions == []
    assert lines[target.pk] == {}


def test_narrowing_to_one_sub_region(two_sub_regions):
    _, lincolnshire, target, _ = two_sub_regions

    ratings, _ = read(make_user(DIRECTOR), target.target_set, sub_region=lincolnshire)

    assert [ref.slug for ref in ratings.sub_regions] == ["lincolnshire"]
    assert ratings.sub_region(target.pk, ratings.sub_regions[0]).rating is Rating.GREY
    # Narrowing the columns does not change what the region's rating is.
    assert ratings.region(target.pk, ratings.regions[0]).rating is Rating.GREEN


def test_laa_targets_have_rows_for_lead_councils_only(system):
    sub_region = SubRegionFactory(slug="lincolnshire", name="Lincolnshire")
    county = AuthorityFactory(sub_region=sub_region, kind=AuthorityKind.COUNTY)
    AuthorityFactory(sub_region=sub_region, kind=AuthorityKind.DISTRICT)
    LAAAreaFactory(sub_region=sub_region, lead_authority=county)
    target = TargetFactory(scope=Scope.LAA, applies_to=["county", "unitary"])
    services.open_return(
        sub_region=sub_region, target_set=target.target_set, quarter=Q3, actor=system
    )

    _, lines = read(make_user(DIRECTOR), target.target_set)

    rows = lines[target.pk]["lincolnshire"]
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
        _, lines = read(fresh(small_reader), small)
    assert (
        sum(not row.missing for per in lines.values() for rows in per.values() for row in rows) == 2
    )

    with django_assert_num_queries(len(small_queries)):
        ratings, lines = read(fresh(large_reader), large)
    assert (
        sum(not row.missing for per in lines.values() for rows in per.values() for row in rows)
        == 40
    )
    (ref,) = [ref for ref in ratings.sub_regions if ref.slug == "large"]
    # Level 2 against level 3: every line Amber, so every target.
    assert all(ratings.sub_region(t.pk, ref).rating is Rating.AMBER for t in ratings.targets)

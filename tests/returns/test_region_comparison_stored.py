"""Issue 13 item 4 with issue 9 item 2: the 2008 strategy's target 17 ("More authorities on
average than other regions in the top two categories") is rated from every region's lines and
its rating is stored on the region's ``Overall`` rows like any other, kept up to date when a
line of any region changes (returns.region_shares via returns.overall.refresh), so the
overview, the Board paper, the exports and the API read it rather than "not rated"."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorities.roles import BOARD_MEMBER
from returns import overall, services
from returns.models import Basis, LineState, Overall, Return
from returns.periods import Quarter
from returns.region_shares import region_shares
from returns.selectors import quarter_ratings
from targets.models import RuleKind
from targets.rating import Rating
from tests.factories import make_user, ordinal_measure, region_with_levels

Q3 = Quarter(2009, 3)


def region_row(target, basis=Basis.APPROVED) -> Overall:
    return Overall.objects.get(
        target=target, year=Q3.year, quarter=Q3.quarter, sub_region__isnull=True, basis=basis
    )


def set_levels(sub_region, target, levels: list[int]) -> None:
    """Give a region's district councils new levels (its return reopened, changed, approved
    again), through the services as a programme manager's edit would go."""
    system = services.system_actor()
    return_obj = Return.objects.get(sub_region=sub_region, target_set=target.target_set)
    services.reopen_return(return_obj=return_obj, actor=system, reason="Corrected levels")
    return_obj.refresh_from_db()
    lines = return_obj.lines.filter(target=target).order_by("authority__name")
    services.update_lines(
        return_obj=return_obj,
        changes={
            (line.authority_id, target.pk): {"state": LineState.VALUE, "actual": Decimal(level)}
            for line, level in zip(lines, levels, strict=True)
        },
        actor=system,
        channel="test",
    )
    services.submit_return(return_obj=return_obj, actor=system)
    services.approve_return(return_obj=return_obj, actor=system)


@pytest.fixture
def world(db):
    measure = ordinal_measure()
    home = region_with_levels("Ayland", [4, 3, 3, 1], measure, rule=RuleKind.COMPARISON)  # 75%
    beeland = region_with_levels("Beeland", [4, 2], measure)  # 50%
    ceeland = region_with_levels("Ceeland", [3, 2, 1, 1], measure)  # 25%
    return home, beeland, ceeland


def test_the_region_row_stores_the_comparison(world):
    (_, _, target), _, _ = world

    row = region_row(target)

    assert row.rating == "G"
    assert row.explanation == (
        "3 of 4 authorities (75%) are in the top two categories: above the average of 38% "
        "over 2 of the 8 other regions with figures."
    )
    assert row.value is None  # a share is not a level of the measure: said in words only


def test_a_line_of_another_region_rerates_it(world):
    (_, _, target), _, (_, ceeland_srp, ceeland_target) = world

    # Ceeland now 100%: the others' average is 75%, equal is not "more".
    set_levels(ceeland_srp, ceeland_target, [4, 4, 3, 3])

    row = region_row(target)
    assert row.rating == "R"
    assert "equal to the average of 75%" in row.explanation


def test_a_submitted_return_counts_on_the_basis_of_all_returns_only(db):
    measure = ordinal_measure()
    _, _, target = region_with_levels("Ayland", [4, 3, 1, 1], measure, rule=RuleKind.COMPARISON)
    region_with_levels("Beeland", [4, 4], measure, approve=False)  # submitted, 100%

    approved, everything = region_row(target, Basis.APPROVED), region_row(target, Basis.ALL)

    assert approved.rating == "GREY"
    assert "no other region has a figure yet" in approved.explanation
    assert everything.rating == "R"


def test_a_rebuild_gives_the_same_rows(world):
    (_, _, target), _, _ = world
    before = list(
        Overall.objects.order_by("pk").values_list(
            "target_id", "region_id", "sub_region_id", "basis", "rating", "explanation", "value"
        )
    )

    overall.rebuild()

    after = list(
        Overall.objects.order_by("pk").values_list(
            "target_id", "region_id", "sub_region_id", "basis", "rating", "explanation", "value"
        )
    )
    assert sorted(after, key=str) == sorted(before, key=str)
    assert region_row(target).rating == "G"


def test_the_overview_reads_the_stored_rating(client, world):
    (region, _, target), _, _ = world
    board = make_user(BOARD_MEMBER, region=region)

    ratings = quarter_ratings(
        user=board, target_set=target.target_set, quarter=Q3, basis="approved"
    )
    ref = ratings.regions[0]
    assert ratings.region(target.pk, ref).rating == Rating.GREEN

    client.force_login(board)
    response = client.get(
        reverse("reports:overview"), {"target_set": target.target_set.slug, "period": Q3.label}
    )
    assert response.status_code == 200
    assert "Of 1 target, 1 green for the region in 2009/10 Q3." in response.content.decode()


def test_the_region_row_counts_its_authorities_by_kind_and_level(world):
    (_, _, target), _, _ = world

    assert region_row(target).levels == {"district": {"4": 1, "3": 2, "1": 1}}
    assert region_row(target, Basis.ALL).levels == {"district": {"4": 1, "3": 2, "1": 1}}


def test_the_regions_are_compared_from_their_stored_rows_not_their_lines(world):
    """Reading the shares is two queries (the targets on the measure, their region-wide rows)
    however many lines lie behind them."""
    (_, _, target), _, _ = world

    with CaptureQueriesContext(connection) as queries:
        shares = region_shares(
            measure_id=target.measure_id,
            quarter=Q3,
            basis=Basis.APPROVED,
            threshold=Decimal(3),
            applies_to=["district"],
        )

    assert len(queries.captured_queries) == 2
    assert sorted((share.at_or_above, share.known) for share in shares.values()) == [
        (1, 2),
        (1, 4),
        (3, 4),
    ]
    assert (
        region_shares(
            measure_id=target.measure_id,
            quarter=Q3,
            basis=Basis.APPROVED,
            threshold=Decimal(3),
            applies_to=["county"],
        )
        == {}
    )

"""Target 17 and a region's position against the others (targets.rating.regions): DB-less."""

from decimal import Decimal

import pytest

from targets.rating import Rating
from targets.rating.regions import (
    Share,
    compare_with_regions,
    ordinal,
    region_position,
    top_share,
)

TOP_TWO = "in the top two categories"


@pytest.mark.parametrize(
    ("levels", "threshold", "expected"),
    [
        ([4, 3, 2, 1], 3, Share(2, 4)),
        ([4, None, 2], 3, Share(1, 2)),  # no figure: not counted
        ([], 3, Share(0, 0)),
        ([Decimal("3"), Decimal("2.5")], 3, Share(1, 2)),  # the threshold itself is in
    ],
)
def test_top_share(levels, threshold, expected):
    assert top_share(levels, threshold) == expected


@pytest.mark.parametrize(
    ("own", "others", "rating", "words"),
    [
        (Share(3, 4), [Share(1, 2), Share(1, 4)], Rating.GREEN, "above the average of 38%"),
        (Share(1, 4), [Share(1, 2), Share(1, 4)], Rating.RED, "below the average of 38%"),
        # Equal is not "more": Red.
        (Share(1, 2), [Share(1, 2)], Rating.RED, "equal to the average of 50%"),
        # Regions without a figure are not counted, and the explanation says how many were.
        (Share(1, 2), [Share(0, 0), Share(1, 4)], Rating.GREEN, "over 1 of the 8 other regions"),
        (Share(0, 0), [Share(1, 2)], Rating.GREY, "No authority of the region has a figure"),
        (Share(1, 2), [Share(0, 0)], Rating.GREY, "no other region has a figure yet"),
        (Share(1, 2), [], Rating.GREY, "cannot be compared"),
    ],
)
def test_target_17_compares_the_region_with_the_others_average(own, others, rating, words):
    result = compare_with_regions(own, others, categories=TOP_TWO)

    assert result.rating == rating
    assert words in result.explanation


def test_the_average_is_of_the_regions_shares_not_of_their_authorities():
    # 1 of 1 and 0 of 9: the regions' average share is 50%, not 10% of their authorities.
    result = compare_with_regions(Share(2, 5), [Share(1, 1), Share(0, 9)], categories=TOP_TWO)

    assert result.others_average == Decimal("0.5")
    assert result.rating == Rating.RED


@pytest.mark.parametrize(
    ("own", "others", "expected"),
    [
        (Share(3, 4), [Share(1, 2), Share(1, 4)], "1st of 3 regions with figures"),
        (Share(1, 4), [Share(1, 2), Share(3, 4)], "3rd of 3 regions with figures"),
        (Share(1, 2), [Share(1, 2), Share(3, 4)], "=2nd of 3 regions with figures"),
        (Share(1, 2), [Share(0, 0)], "1st of 1 region with figures"),
        (Share(0, 0), [Share(1, 2)], ""),
    ],
)
def test_region_position(own, others, expected):
    assert region_position(own, others) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st")],
)
def test_ordinal(number, expected):
    assert ordinal(number) == expected

"""A region against the other regions: the 2008 strategy's target 17 and the region's position
on an ordinal measure.

Target 17 (seed 000, target 17; seed 003 §46): "More authorities on average than other
regions in the top two categories". Read as: the share of the region's authorities whose
latest level is in the top two categories (at or above the target's threshold, level 3 of 4)
must be above the average share of the other regions (the paper's "8 other regions"; only the
regions with figures can be counted, and the explanation says how many there were).

* **Green** when the region's share is above the others' average; **Red** when it is not
  (equal is not "more"). No Amber: the paper gives no margin, and a shortfall is never Green.
* **Grey** when the region has no figure, or no other region has one: nothing to compare.

The position (any ordinal target): the region's rank by that share among the regions with
figures, first the highest; regions with the same share share a rank ("=2nd"). Other regions
are never named: only their number and average share.

Pure functions over plain values; no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .base import Rating

__all__ = [
    "RegionComparison",
    "Share",
    "compare_with_regions",
    "ordinal",
    "region_position",
    "top_share",
]

OTHER_REGIONS = 8  # England has nine RIEPs: each has eight others (seed 003 §46)


@dataclass(frozen=True)
class Share:
    """How many of a region's authorities with a figure are at or above the threshold."""

    at_or_above: int
    known: int

    @property
    def value(self) -> Decimal | None:
        """The share as a fraction (None: no authority has a figure)."""
        if self.known == 0:
            return None
        return Decimal(self.at_or_above) / Decimal(self.known)

    @property
    def percent(self) -> str:
        value = self.value
        if value is None:
            return "no figure"
        return f"{(value * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def top_share(levels: Iterable[Decimal | int | None], threshold: Decimal | int) -> Share:
    """The share of authorities whose level is at or above ``threshold`` (None: no figure,
    not counted)."""
    known = [Decimal(level) for level in levels if level is not None]
    return Share(
        at_or_above=sum(1 for level in known if level >= Decimal(threshold)), known=len(known)
    )


@dataclass(frozen=True)
class RegionComparison:
    rating: Rating
    explanation: str
    others_average: Decimal | None
    others_counted: int


def _average(shares: Sequence[Share]) -> Decimal | None:
    values = [share.value for share in shares if share.value is not None]
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values)


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def compare_with_regions(
    own: Share, others: Sequence[Share], *, categories: str
) -> RegionComparison:
    """Target 17's rule (see the module): Green when the region's share of authorities
    ``categories`` (e.g. "in the top two categories") is above the other regions' average."""
    counted = [share for share in others if share.value is not None]
    average = _average(counted)
    of_others = f"{len(counted)} of the {OTHER_REGIONS} other regions"
    if own.value is None:
        return RegionComparison(
            Rating.GREY,
            "No authority of the region has a figure yet: nothing to compare.",
            average,
            len(counted),
        )
    if average is None:
        return RegionComparison(
            Rating.GREY,
            f"{own.at_or_above} of {own.known} authorities ({own.percent}) are {categories}; "
            "no other region has a figure yet, so the region cannot be compared.",
            None,
            0,
        )
    above = own.value > average
    words = "above" if above else ("equal to" if own.value == average else "below")
    return RegionComparison(
        Rating.GREEN if above else Rating.RED,
        f"{own.at_or_above} of {own.known} authorities ({own.percent}) are {categories}: "
        f"{words} the average of {_percent(average)} over {of_others} with figures"
        + ("." if above else "; the target asks for more than the others' average."),
        average,
        len(counted),
    )


def ordinal(number: int) -> str:
    """1 → "1st", 2 → "2nd", 11 → "11th"."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def region_position(own: Share, others: Sequence[Share]) -> str:
    """The region's rank by share among the regions with figures ("2nd of 3 regions with
    figures", "=1st of 2 …"); "" when the region has no figure."""
    if own.value is None:
        return ""
    values = [share.value for share in others if share.value is not None]
    rank = 1 + sum(1 for value in values if value > own.value)
    tied = any(value == own.value for value in values)
    total = len(values) + 1
    regions = "region" if total == 1 else "regions"
    return f"{'=' if tied else ''}{ordinal(rank)} of {total} {regions} with figures"

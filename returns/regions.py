"""The regions side by side: each region the user may see, its sub-regions, authorities and
target sets, and for each set how its targets were rated region-wide in the latest quarter
with a return (the stored ``Overall`` rows: nothing is rated here).

Read through the one visibility rule (returns.access): a national user gets every region; a
Board member or the Director their own; a programme manager their own region's sets, without
region-wide ratings (they see their sub-region only, and a region-wide figure would rest on
returns they may not read). Five queries whatever the number of regions, sets or targets.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from authorities.models import Region
from targets.models import MeasureKind, Target, TargetSet
from targets.rating import Rating
from targets.rating.regions import Share, region_position

from .access import regions_of, scope_of
from .models import Basis, Overall, Return, ReturnStatus
from .periods import Quarter
from .region_shares import compares_regions, region_shares

__all__ = [
    "AgainstRegions",
    "RegionSetSummary",
    "RegionSummary",
    "against_regions",
    "regions_side_by_side",
]


@dataclass(frozen=True)
class RegionSetSummary:
    """One target set of a region: its latest quarter with a return on the basis, and how
    many of its targets have each region-wide rating then (``ratings``: code → count)."""

    slug: str
    title: str
    status: str
    targets: int
    quarter: Quarter | None
    ratings: dict[str, int] = field(default_factory=dict)
    whole: bool = True  # region-wide ratings shown (False: the user sees a sub-region only)


@dataclass(frozen=True)
class RegionSummary:
    pk: int
    slug: str
    name: str
    sub_regions: int
    authorities: int
    sets: list[RegionSetSummary]


def regions_side_by_side(*, user, basis: str = Basis.APPROVED) -> list[RegionSummary]:
    """The regions the user may see, by name, each with its sets (see the module)."""
    regions = regions_of(user)
    visibility = scope_of(user)
    found = list(
        regions.filter(Region.objects.all(), "pk")
        .annotate(
            sub_region_count=Count("sub_regions", distinct=True),
            authority_count=Count(
                "sub_regions__authorities",
                filter=Q(sub_regions__authorities__active=True),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    sets = list(
        TargetSet.objects.filter(region__in=[region.pk for region in found])
        .annotate(target_count=Count("targets"))
        .order_by("order", "slug")
    )
    returned = Return.objects.for_user(user).filter(target_set__in=[s.pk for s in sets])
    if basis == Basis.APPROVED:
        returned = returned.filter(status=ReturnStatus.APPROVED)
    latest: dict[int, Quarter] = {}
    for set_id, year, quarter in (
        returned.order_by().values_list("target_set_id", "year", "quarter").distinct()
    ):
        period = Quarter(year, quarter)
        if set_id not in latest or period > latest[set_id]:
            latest[set_id] = period
    whole_sets = [s for s in sets if visibility.whole_region(s.region_id) and s.pk in latest]
    ratings: dict[int, Counter] = defaultdict(Counter)
    if whole_sets:
        wanted = Q(pk__in=[])
        for target_set in whole_sets:
            period = latest[target_set.pk]
            wanted |= Q(target_set=target_set.pk, year=period.year, quarter=period.quarter)
        rows = (
            Overall.objects.filter(wanted, sub_region__isnull=True, basis=basis)
            .filter(region__in=[target_set.region_id for target_set in whole_sets])
            .order_by()
            .values_list("target_set_id", "rating")
        )
        for set_id, rating in rows:
            ratings[set_id][rating or "GREY"] += 1
    by_region: dict[int, list[RegionSetSummary]] = defaultdict(list)
    for target_set in sets:
        by_region[target_set.region_id].append(
            RegionSetSummary(
                slug=target_set.slug,
                title=target_set.title,
                status=target_set.get_status_display(),
                targets=target_set.target_count,
                quarter=latest.get(target_set.pk),
                ratings=dict(ratings.get(target_set.pk, {})),
                whole=visibility.whole_region(target_set.region_id),
            )
        )
    return [
        RegionSummary(
            pk=region.pk,
            slug=region.slug,
            name=region.name,
            sub_regions=region.sub_region_count,
            authorities=region.authority_count,
            sets=by_region.get(region.pk, []),
        )
        for region in found
    ]


@dataclass(frozen=True)
class AgainstRegions:
    """The target's region against the other regions in a quarter (targets.rating.regions):
    its share at or above the threshold, its position, and for a comparison target (the 2008
    strategy's target 17) its rating. Other regions are counted, never named."""

    quarter: Quarter
    own: Share
    others: int  # other regions with a figure
    position: str
    rating: Rating | None  # a comparison target's rating; None for any other ordinal target
    explanation: str
    whole: bool  # False: the user sees a sub-region only, and nothing region-wide is shown


def against_regions(*, user, target: Target, quarter: Quarter, basis: str) -> AgainstRegions | None:
    """For an ordinal target (or a comparison with other regions on an ordinal measure), the
    region against the others in ``quarter`` on ``basis``: every region's share from one query
    (returns.region_shares; aggregates only) and, for a comparison target, its stored rating
    (the region's ``Overall`` row: rated once, when its lines changed). None for a target of
    another kind or without a threshold."""
    measure = target.measure
    if measure.kind != MeasureKind.ORDINAL or target.threshold is None:
        return None
    region_id = target.target_set.region_id
    if not scope_of(user).whole_region(region_id):
        return AgainstRegions(quarter, Share(0, 0), 0, "", None, "", whole=False)
    shares = region_shares(
        measure_id=measure.pk,
        quarter=quarter,
        basis=basis,
        threshold=target.threshold,
        applies_to=target.applies_to or (),
    )
    own = shares.pop(region_id, Share(0, 0))
    others = list(shares.values())
    rating = None
    explanation = (
        f"{own.at_or_above} of {own.known} authorities ({own.percent}) at or above "
        f"{target.threshold_words or target.threshold}."
        if own.known
        else "No authority of the region has a figure this quarter."
    )
    if compares_regions(target):
        stored = (
            Overall.objects.filter(
                target=target,
                year=quarter.year,
                quarter=quarter.quarter,
                region_id=region_id,
                sub_region__isnull=True,
                basis=basis,
            )
            .order_by()
            .values_list("rating", "explanation")
            .first()
        )
        if stored is None:
            explanation = "Not rated: the region has no return of this set in the quarter."
        else:
            rating = Rating(stored[0]) if stored[0] else None
            explanation = stored[1]
    return AgainstRegions(
        quarter=quarter,
        own=own,
        others=sum(1 for share in others if share.known),
        position=region_position(own, others),
        rating=rating,
        explanation=explanation,
        whole=True,
    )

"""One target: every authority's stored line for the quarter, the distribution of ratings,
the trend of its stored overall ratings, its rule in words (each fact marked by where it comes
from), its lineage across target sets (stated or inferred) and the re-ratings of its lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.urls import reverse

from authorities.scope import regions_of
from returns.models import Basis, Rerating
from returns.periods import Quarter
from returns.selectors import (
    LineRow,
    QuarterRatings,
    StoredOverall,
    quarter_lines,
    quarter_ratings,
    quarters_with_returns,
    target_trend,
)
from targets.models import Target, TargetLineage

from .cells import (
    Counts,
    Filters,
    LineCell,
    OverallCell,
    headline,
    line_cell,
    where_words,
)
from .facts import (
    AuthorityInfo,
    SetInfo,
    SubRegionInfo,
    TargetInfo,
    path,
)
from .overview import kind_overalls
from .status import DataNote, data_note

__all__ = [
    "MAX_QUARTERS",
    "LinkedTarget",
    "RerateInfo",
    "TargetView",
    "build_target",
    "lineage",
    "quarter_range",
    "target_for_page",
]

#: How many quarters a trend or an authority's page shows at most (the latest ones).
MAX_QUARTERS = 16


@dataclass(frozen=True)
class LinkedTarget:
    """A target in another set, earlier or later in a target's lineage."""

    code: str
    number: str
    title: str
    target_set: str
    url: str
    depth: int  # 1: replaced (or replaces) it directly; 2: one step further...
    stated: bool  # a paper states the link (else it is inferred)
    basis: str


@dataclass(frozen=True)
class AuthorityLine:
    authority: AuthorityInfo
    sub_region: str
    cell: LineCell


@dataclass(frozen=True)
class TrendPoint:
    quarter: Quarter
    counts: Counts  # the lines, by rating
    overall: OverallCell  # the overall rating of the scope shown (region, or one sub-region)
    has_returns: bool


@dataclass(frozen=True)
class RerateInfo:
    """One recorded change of the target's rule and the re-rating of its lines."""

    at: datetime
    who: str
    reason: str
    changes: dict
    lines_rated: int
    lines_changed: int


@dataclass
class TargetView:
    target: TargetInfo
    quarter: Quarter
    basis: str
    lines: list[AuthorityLine]
    overall: OverallCell  # the region's (or the chosen sub-region's) for the quarter
    sub_regions: list[tuple[SubRegionInfo, OverallCell]]
    distribution: Counts
    trend: list[TrendPoint]
    earlier: list[LinkedTarget]
    later: list[LinkedTarget]
    reratings: list[RerateInfo]
    headline: str
    scope: str  # "the region", "Derbyshire", "district councils in the region"...
    whole_region: bool
    scope_note: str
    filters: Filters
    data: DataNote | None = None  # what the quarter's figures rest on


def target_for_page(code: str, *, user) -> Target:
    """The target with what its page needs (2 queries: the target, its measure's levels), if
    its set is of the user's region (authorities.scope); else ``Target.DoesNotExist``."""
    return (
        regions_of(user)
        .filter(Target.objects.all(), "target_set__region_id")
        .select_related("measure", "theme", "target_set")
        .prefetch_related("measure__levels")
        .get(code=code)
    )


def lineage(target: Target) -> tuple[list[LinkedTarget], list[LinkedTarget]]:
    """The targets this one replaces (earlier) and that replace it (later), transitively,
    across the target sets, each link stated by a paper or inferred: 2 queries."""
    links = list(TargetLineage.objects.values_list("later_id", "earlier_id", "stated", "basis"))
    earlier_of: dict[int, list[int]] = defaultdict(list)
    later_of: dict[int, list[int]] = defaultdict(list)
    how: dict[tuple[int, int], tuple[bool, str]] = {}
    for later, earlier, stated, basis in links:
        earlier_of[later].append(earlier)
        later_of[earlier].append(later)
        how[(later, earlier)] = how[(earlier, later)] = (stated, basis)

    def walk(start: int, step: dict[int, list[int]]) -> dict[int, tuple[int, bool, str]]:
        found: dict[int, tuple[int, bool, str]] = {}
        frontier, level = [(start, True)], 0
        while frontier:
            level += 1
            following = []
            for pk, stated_so_far in frontier:
                for other in step.get(pk, []):
                    if other in found or other == start:
                        continue
                    stated, basis = how[(pk, other)]
                    # A chain is stated only if every link of it is.
                    found[other] = (level, stated_so_far and stated, basis)
                    following.append((other, stated_so_far and stated))
            frontier = following
        return found

    earlier, later = walk(target.pk, earlier_of), walk(target.pk, later_of)
    wanted = set(earlier) | set(later)
    if not wanted:
        return [], []
    url = path("reports:target", "code")
    rows = {
        row["pk"]: row
        for row in Target.objects.filter(pk__in=wanted).values(
            "pk", "code", "number", "title", "target_set__title", "target_set__order"
        )
    }

    def linked(found: dict[int, tuple[int, bool, str]]) -> list[LinkedTarget]:
        ordered = sorted(
            (rows[pk] for pk in found if pk in rows),
            key=lambda row: (found[row["pk"]][0], row["target_set__order"], row["number"]),
        )
        return [
            LinkedTarget(
                code=row["code"],
                number=row["number"],
                title=row["title"],
                target_set=row["target_set__title"],
                url=url(row["code"]),
                depth=found[row["pk"]][0],
                stated=found[row["pk"]][1],
                basis=found[row["pk"]][2],
            )
            for row in ordered
        ]

    return linked(earlier), linked(later)


def quarter_range(quarters: Iterable[Quarter], also: Quarter | None = None) -> list[Quarter]:
    """Every quarter from the first to the last (gaps filled): the latest MAX_QUARTERS of
    them, or, when ``also`` is older than those, the MAX_QUARTERS from ``also`` on."""
    found = set(quarters) | ({also} if also else set())
    if not found:
        return []
    first, last = min(found).index, max(found).index
    first = max(first, last - MAX_QUARTERS + 1)
    if also is not None and also.index < first:
        first, last = also.index, also.index + MAX_QUARTERS - 1
    return [Quarter.from_index(index) for index in range(first, last + 1)]


def _reratings(target: Target) -> list[RerateInfo]:
    return [
        RerateInfo(
            at=item.at,
            who=item.actor.get_full_name() or item.actor.get_username(),
            reason=item.reason,
            changes=item.changes,
            lines_rated=item.lines_rated,
            lines_changed=item.lines_changed,
        )
        for item in Rerating.objects.filter(target=target).select_related("actor")[:20]
    ]


def _scoped(
    ratings: QuarterRatings, target: Target, filters: Filters
) -> tuple[StoredOverall, dict[str, StoredOverall]]:
    """The overall rating of the scope shown (a sub-region, or the region) and of each
    sub-region, over one kind of authority when the filter asks."""
    by_kind = kind_overalls(ratings, kind=filters.kind, targets=[target]) if filters.kind else None
    subs = {
        ref.slug: by_kind[(target.pk, ref.slug)] if by_kind else ratings.sub_region(target.pk, ref)
        for ref in ratings.sub_regions
    }
    if filters.sub_region:
        chosen = subs.get(filters.sub_region) or StoredOverall.none_made(who=filters.sub_region)
        return chosen, subs
    if by_kind is not None:
        return by_kind[(target.pk, None)], subs
    regions = ratings.regions
    if len(regions) == 1:
        return ratings.region(target.pk, regions[0]), subs
    region = StoredOverall.none_made(who="every region")
    return replace(region, explanation="Several regions: see each region's row."), subs


def build_target(
    *,
    user,
    target: Target,
    quarter: Quarter,
    filters: Filters | None = None,
    basis: str = Basis.ALL,
) -> TargetView:
    """One target's page (``target`` from ``target_for_page``): the quarter's stored lines of
    the visible sub-regions, and the stored overall ratings of up to MAX_QUARTERS quarters."""
    filters = filters or Filters()
    quarters = quarter_range(
        quarters_with_returns(user=user, target_set_id=target.target_set_id), also=quarter
    )
    series = target_trend(user=user, target=target, quarters=quarters, basis=basis)
    current = series.get(quarter) or quarter_ratings(
        user=user, target_set=target.target_set, quarter=quarter, basis=basis, targets=[target]
    )
    info = TargetInfo.of(
        target,
        target_set=SetInfo.of(target.target_set),
        url=reverse("reports:target", args=[target.code]),
    )
    sub_region_url = path("reports:sub-region", "slug")
    infos = {ref.slug: SubRegionInfo.of(ref, sub_region_url) for ref in current.sub_regions}
    refs = [
        ref
        for ref in current.sub_regions
        if not filters.sub_region or ref.slug == filters.sub_region
    ]
    rows_by_slug = quarter_lines(refs=refs, targets=[target], basis=basis, kind=filters.kind)[
        target.pk
    ]
    authority_url = path("reports:authority", "slug")
    line_url = path("returns:line", 1, 2)
    lines = []
    for slug, rows in rows_by_slug.items():
        for row in rows:
            cell = line_cell(row, info, line_url, row.authority_short_name, infos[slug].data(basis))
            if filters.rating and cell.mark.code != filters.rating:
                continue
            lines.append(_authority_line(row, cell, infos[slug].name, authority_url))
    overall, subs = _scoped(current, target, filters)
    sub_regions = [
        (
            infos[ref.slug],
            OverallCell.of(subs[ref.slug], basis=basis, url=infos[ref.slug].url, where=ref.name),
        )
        for ref in refs
    ]
    trend = []
    for point_quarter, point in series.items():
        point_overall, _ = _scoped(point, target, filters)
        trend.append(
            TrendPoint(
                quarter=point_quarter,
                counts=Counts.of_lines(point_overall.counts),
                overall=OverallCell.of(point_overall, basis=basis),
                has_returns=any(ref.has_return for ref in point.sub_regions),
            )
        )
    earlier, later = lineage(target)
    distribution = Counts.of(line.cell.mark for line in lines if not line.cell.outside_scope)
    scope = where_words(whole_region=current.whole, columns=list(infos.values()), filters=filters)
    return TargetView(
        target=info,
        quarter=quarter,
        basis=basis,
        lines=lines,
        overall=OverallCell.of(overall, basis=basis),
        sub_regions=sub_regions,
        distribution=distribution,
        trend=trend,
        earlier=earlier,
        later=later,
        reratings=_reratings(target),
        headline=headline(
            distribution, where=scope, quarter=quarter, what="authority", whats="authorities"
        ),
        scope=scope,
        whole_region=current.whole,
        scope_note=current.scope_note,
        filters=filters,
        data=data_note([infos[ref.slug].place for ref in refs], basis),
    )


def _authority_line(row: LineRow, cell: LineCell, sub_region: str, url) -> AuthorityLine:
    return AuthorityLine(
        authority=AuthorityInfo(
            slug=row.authority_slug,
            name=row.authority_name,
            short_name=row.authority_short_name,
            kind=row.authority_kind,
            url=url(row.authority_slug),
        ),
        sub_region=sub_region,
        cell=cell,
    )

"""The read layer over returns: the one way reports, the API and the exports read rated lines
and overall ratings.

Nothing here rates anything: lines carry their stored ratings (returns.rating) and overall
ratings are the stored ``Overall`` rows (returns.overall). Every selector takes the user and
asks the one visibility rule (returns.access), and reads a bounded number of rows: a quarter's
overall rows, a sub-region's or a target's lines for a quarter, a target's rows for the
quarters of a trend; never the lines of every quarter.

The models' default orderings join other tables (an overall row's sorts by its set, region,
sub-region and target); the selectors sort what they return themselves, so their queries ask
for no order (``order_by()``): neither the joins nor the sort.

Bases: ``basis`` is "approved" (approved returns only) or "all" (draft and submitted too).
For the "approved" basis, lines of returns that are not approved are not read.

What the selectors return (the shapes, and how a stored row becomes one) is in
returns/read_model.py; the selectors name them again here, the one place readers import from.

Partial visibility (a programme manager): the region's figures are never computed over lines
the user may not read; the "region" of such a user is their own sub-region, said so by
``scope_note``.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from authorities.models import Authority, LAAArea, Region, SubRegion
from targets.models import MeasureLevel, Target, TargetSet, rating_rule
from targets.rating import line_marks, overall_rating
from targets.rules import target_covers
from targets.stamp import ReferenceMemo, read_with_token

from .access import Visibility, scope_of
from .models import (
    Basis,
    Overall,
    ReportedRating,
    Return,
    ReturnLine,
    ReturnStatus,
)
from .periods import Quarter
from .read_model import (
    _AS_TEXT,
    _LINE_FIELDS,
    _MARKS_AS_TEXT,
    _OVERALL_COLUMNS,
    _RATING_OF,
    LineRow,
    QuarterRatings,
    RegionRef,
    StoredCounts,
    StoredOverall,
    SubRegionRef,
    _missing_row,
    _row_from_line,
    _sort_key,
)

__all__ = [
    "LineRow",
    "QuarterRatings",
    "RegionRef",
    "StoredOverall",
    "SubRegionRef",
    "authority_lines",
    "overall_over",
    "quarter_lines",
    "quarter_ratings",
    "quarters_with_returns",
    "ratings_over",
    "reported_ratings",
    "set_targets",
    "target_trend",
    "visible_sub_regions",
]

# --------------------------------------------------------------------------- selectors


def visible_sub_regions(user, *, sub_region: SubRegion | None = None) -> list[SubRegion]:
    """The sub-regions the user may see, narrowed to ``sub_region`` if given, with their
    regions. Read once per state of the reference data (``targets.stamp``: its triggers watch
    the regions and sub-regions too) for each visibility, each request getting its own
    copies (one query for the token, or the sub-regions with it); then kept on the user
    object for the request (as Django keeps its permissions, and ``authorities.roles`` the
    user's bindings), since a page asks it twice (its filters' options and its builder)."""
    found = getattr(user, "_riep_visible_sub_regions", None)
    if found is None:
        visibility = scope_of(user)
        if visibility.nothing:
            found = []
        else:
            kept, _ = _REFERENCE.fetch(
                ("visible_sub_regions", visibility),
                lambda: _read_sub_regions(visibility),
            )
            found = [copy.copy(each) for each in kept]
        if getattr(user, "pk", None) is not None:
            user._riep_visible_sub_regions = found
    if sub_region is not None:
        return [each for each in found if each.pk == sub_region.pk]
    return list(found)


def set_targets(target_set: TargetSet | int) -> list[Target]:
    """A set's targets in order, with their theme, measure, levels and set, read once per
    state of the reference data (``targets.stamp``). Each caller gets its own copies (a page
    may set attributes on them), each with the ``reference_token`` it was read under.

    Queries: the targets (with the token) and their levels the first time; then the token
    alone while it is unchanged; the three when it has changed. Given the set itself, the
    targets point at it rather than at the copy read with them."""
    given = isinstance(target_set, TargetSet)
    set_id = target_set.pk if given else target_set
    found, _ = _REFERENCE.fetch(("set_targets", set_id), lambda: _read_set_targets(set_id))
    targets = [copy.copy(target) for target in found]
    if given:
        for target in targets:
            Target.target_set.field.set_cached_value(target, target_set)
    return targets


#: The sets' targets and the visible sub-regions, by state of the reference data (see
#: ``set_targets`` and ``visible_sub_regions``).
_REFERENCE = ReferenceMemo()


def _read_sub_regions(visibility: Visibility) -> tuple[str | None, list[SubRegion]]:
    # With their regions: the sort joins them already, and the read model names them.
    queryset = visibility.filter(SubRegion.objects.select_related("region"), "pk")
    return read_with_token(queryset.order_by("region", "order", "name"))


def _read_set_targets(set_id: int) -> tuple[str | None, list[Target]]:
    """A set's targets with their theme, measure, set, levels and the reference data's token
    (2 queries). The levels are read in one plain query and set as the measures' prefetched
    levels (what ``prefetch_related`` stores, at a third of its cost)."""
    token, targets = read_with_token(
        Target.objects.filter(target_set_id=set_id)
        .select_related("measure", "theme", "target_set")
        .order_by("theme__order", "priority", "id")
    )
    levels: dict[int, list[MeasureLevel]] = defaultdict(list)
    measure_ids = {target.measure_id for target in targets}
    if measure_ids:
        for level in MeasureLevel.objects.filter(measure__in=measure_ids).order_by(
            "measure_id", "value"
        ):
            levels[level.measure_id].append(level)
    # One evaluated queryset per measure, made directly (``none()`` clones a queryset).
    prefetched: dict[int, QuerySet] = {}
    for target in targets:
        measure = target.measure
        found = prefetched.get(measure.pk)
        if found is None:
            found = prefetched[measure.pk] = QuerySet(model=MeasureLevel)
            found._result_cache = levels.get(measure.pk, [])
            found._prefetch_done = True
        measure._prefetched_objects_cache = {"levels": found}
    return token, targets


def _whole(visibility: Visibility, sub_regions: list[SubRegion]) -> tuple[bool, str]:
    """Whether the user sees whole regions (national, or the Board of a region), and if not
    what their "region" figures are over."""
    if visibility.everything or visibility.regions:
        return True, ""
    if not sub_regions:
        return False, "Over no sub-region: you may not see any return."
    names = ", ".join(sub_region.name for sub_region in sub_regions)
    only = " only" if len(sub_regions) == 1 else ""
    return False, f"Over {names}{only}, the sub-regions you may see, not the whole region."


def _regions(sub_regions: Iterable[SubRegion]) -> list[RegionRef]:
    """The regions of ``sub_regions``, by name: read with them where they were (as
    ``visible_sub_regions`` reads them), else in one query."""
    sub_regions = list(sub_regions)
    if all(SubRegion.region.is_cached(sub_region) for sub_region in sub_regions):
        regions = {sub_region.region_id: sub_region.region for sub_region in sub_regions}
        found = sorted(regions.values(), key=lambda region: region.name)
    else:
        ids = {sub_region.region_id for sub_region in sub_regions}
        found = Region.objects.filter(pk__in=ids).order_by("name")
    return [RegionRef(pk=region.pk, slug=region.slug, name=region.name) for region in found]


def quarter_ratings(
    *,
    user,
    target_set: TargetSet,
    quarter: Quarter,
    basis: str = Basis.ALL,
    sub_region: SubRegion | None = None,
    targets: list[Target] | None = None,
) -> QuarterRatings:
    """The stored overall ratings of every target of a set in a quarter, for ``user``: the
    targets (2 queries, unless given), the visible sub-regions, their regions, their returns
    and the overall rows (1 each), whatever the number of lines behind them."""
    return ratings_over(
        user=user,
        target_set=target_set,
        quarters=[quarter],
        basis=basis,
        sub_region=sub_region,
        targets=targets,
    )[quarter]


def ratings_over(
    *,
    user,
    target_set: TargetSet,
    quarters: Sequence[Quarter],
    basis: str = Basis.ALL,
    sub_region: SubRegion | None = None,
    targets: list[Target] | None = None,
    with_marks: bool = False,
) -> dict[Quarter, QuarterRatings]:
    """``quarter_ratings`` for several quarters at once (a trend, a paper): the same handful of
    queries whatever the number of quarters, targets or lines (the rows read are bounded by
    targets × visible sub-regions and regions × quarters). ``with_marks``: with each row's
    marks (``StoredOverall.marks``, what the comparison pairs; left out otherwise, since
    reading them cost every other page a tenth of its reading)."""
    visibility = scope_of(user)
    targets = set_targets(target_set) if targets is None else targets
    # A set is its own region's: its ratings are over that region's sub-regions only, even
    # for a national user (who compares regions on the regions page, not inside one set).
    all_visible = [sr for sr in visible_sub_regions(user) if sr.region_id == target_set.region_id]
    shown = [sr for sr in all_visible if sub_region is None or sr.pk == sub_region.pk]
    whole, note = _whole(visibility, all_visible)
    regions = _regions(shown)
    wanted = set(quarters)
    in_quarters = _in_quarters(wanted)
    returns: dict[Quarter, dict[int, dict]] = defaultdict(dict)
    for row in _RETURNS_READ.filter(
        in_quarters, target_set_id=target_set.pk, sub_region_id__in=[sr.pk for sr in shown]
    ):
        period = Quarter(row["year"], row["quarter"])
        if period in wanted:
            returns[period][row["sub_region_id"]] = row
    rows: dict[Quarter, dict] = defaultdict(dict)
    names = {sr.pk: sr.name for sr in shown}
    region_names = {region.pk: region.name for region in regions}
    if shown:
        wanted_rows = Q(sub_region__in=list(names))
        whole_regions = [pk for pk in region_names if visibility.whole_region(pk)]
        if whole and whole_regions:
            wanted_rows |= Q(sub_region__isnull=True, region__in=whole_regions)
        # Tuples, not dicts, and the JSON columns as text, decoded here (``counts``: every cell
        # shows it) or when first used (``states``, ``returns``, ``marks``): one stored row per
        # cell, read with as little around it as possible (see docs/benchmarks.md).
        overall = (_OVERALL_WITH_MARKS if with_marks else _OVERALL_READ).filter(
            in_quarters,
            wanted_rows,
            target_id__in=[target.pk for target in targets],
            basis=basis,
        )
        by_period = {(period.year, period.quarter): period for period in wanted}
        for (
            year,
            number,
            target_id,
            sub_region_id,
            region_id,
            rating,
            explanation,
            value,
            counts,
            relevant,
            known,
            reported,
            reported_reason,
            differs,
            states,
            returned,
            *marks,
        ) in overall:
            period = by_period.get((year, number))
            if period is None:
                continue
            rows[period][(target_id, sub_region_id, region_id)] = StoredOverall(
                _RATING_OF.get(rating),
                explanation,
                json.loads(counts) if counts else {},
                StoredCounts(states),
                StoredCounts(returned),
                relevant,
                known,
                value,
                _RATING_OF.get(reported),
                reported_reason,
                differs,
                names.get(sub_region_id) or region_names.get(region_id, ""),
                StoredCounts(marks[0]) if marks else None,
            )
    return {
        period: QuarterRatings(
            target_set=target_set,
            quarter=period,
            basis=basis,
            targets=targets,
            sub_regions=[_ref(sr, returns[period].get(sr.pk, {})) for sr in shown],
            regions=regions,
            whole=whole,
            scope_note=note,
            _rows=rows.get(period, {}),
        )
        for period in quarters
    }


#: What ``ratings_over`` reads, each made once (their columns, casts and ordering resolved
#: once rather than on every page: a third of the time Django spent on each reading).
_RETURNS_READ = Return.objects.order_by().values(
    "id", "sub_region_id", "status", "version", "year", "quarter"
)
_OVERALL_READ = Overall.objects.order_by().annotate(**_AS_TEXT).values_list(*_OVERALL_COLUMNS)
_OVERALL_WITH_MARKS = (
    Overall.objects.order_by()
    .annotate(**_AS_TEXT, marks_text=_MARKS_AS_TEXT)
    .values_list(*_OVERALL_COLUMNS, "marks_text")
)


def _in_quarters(quarters: Iterable[Quarter]) -> Q:
    """Rows of exactly these quarters: a year's other quarters are not read (reading every
    quarter of the years made a quarter's page read up to four quarters' overall rows)."""
    by_year: dict[int, set[int]] = defaultdict(set)
    for quarter in quarters:
        by_year[quarter.year].add(quarter.quarter)
    condition = Q(pk__in=[])  # no quarter: no row
    for year, numbers in sorted(by_year.items()):
        condition |= Q(year=year, quarter__in=sorted(numbers))
    return condition


def _ref(sub_region: SubRegion, returned: dict) -> SubRegionRef:
    return SubRegionRef(
        pk=sub_region.pk,
        slug=sub_region.slug,
        name=sub_region.name,
        order=sub_region.order,
        region_id=sub_region.region_id,
        return_id=returned.get("id"),
        return_status=returned.get("status"),
        return_version=returned.get("version"),
    )


def _authorities(sub_region_ids: Sequence[int]) -> list[dict]:
    return list(
        Authority.objects.active()
        .filter(sub_region__in=sub_region_ids)
        .annotate(leads_laa=Exists(LAAArea.objects.filter(lead_authority=OuterRef("pk"))))
        .order_by()
        .values("id", "slug", "name", "short_name", "kind", "sub_region_id", "leads_laa")
    )


def quarter_lines(
    *,
    refs: Sequence[SubRegionRef],
    targets: Sequence[Target],
    basis: str = Basis.ALL,
    kind: str | None = None,
    with_missing: bool = True,
) -> dict[int, dict[str, list[LineRow]]]:
    """The stored lines of ``targets`` in the returns of ``refs`` (the sub-regions a
    ``quarter_ratings`` gave: visibility is already applied) on ``basis``, by target then
    sub-region slug, authorities in the papers' order, lines outside the target's scope last;
    with a missing row for each authority a target applies to that has no line. Two queries
    (the lines, the authorities), bounded by the authorities shown."""
    included = {ref.return_id: ref for ref in refs if ref.included(basis)}
    by_target: dict[int, dict[str, list[LineRow]]] = {
        target.pk: {ref.slug: [] for ref in refs} for target in targets
    }
    present: set[tuple[int, int]] = set()
    if included:
        # The target is compared as an expression (``target_id + 0``) that no index serves, so
        # that the lines are found through their returns (a handful) and not through the
        # target's index, which holds the target's lines of every quarter and sub-region:
        # SQLite, without statistics, preferred it (6 ms instead of 0.2 for a target's page
        # at national scale, and ten times more with ten times the quarters).
        lines = (
            ReturnLine.objects.filter(return_obj__in=list(included))
            .alias(target_of_line=F("target_id") + 0)
            .filter(target_of_line__in=[target.pk for target in targets])
        )
        if kind:
            lines = lines.filter(authority__kind=kind)
        for line in lines.order_by().values(*_LINE_FIELDS):
            ref = included[line["return_obj_id"]]
            by_target[line["target_id"]][ref.slug].append(_row_from_line(line, ref.slug))
            present.add((line["target_id"], line["authority_id"]))
    if with_missing:
        slug_of = {ref.pk: ref.slug for ref in refs}
        for authority in _authorities(list(slug_of)):
            if kind and authority["kind"] != kind:
                continue
            for target in targets:
                if (target.pk, authority["id"]) in present or not target_covers(
                    target,
                    kind=authority["kind"],
                    leads_laa=authority["leads_laa"],
                    authority_id=authority["id"],
                ):
                    continue
                slug = slug_of[authority["sub_region_id"]]
                by_target[target.pk][slug].append(_missing_row(authority, target.pk, slug))
    for per_sub_region in by_target.values():
        for rows in per_sub_region.values():
            rows.sort(key=_sort_key)
    return by_target


def target_trend(
    *, user, target: Target, quarters: Sequence[Quarter], basis: str = Basis.ALL
) -> dict[Quarter, QuarterRatings]:
    """One target's stored overall ratings quarter by quarter (``ratings_over``)."""
    return ratings_over(
        user=user,
        target_set=target.target_set,
        quarters=quarters,
        basis=basis,
        targets=[target],
    )


def quarters_with_returns(*, user, target_set_id: int, status: str | None = None) -> list[Quarter]:
    """The quarters with a return of the set the user may see (of ``status`` if given), newest
    first (one query)."""
    queryset = Return.objects.for_user(user).filter(target_set_id=target_set_id)
    if status:
        queryset = queryset.filter(status=status)
    periods = queryset.order_by().values_list("year", "quarter").distinct()
    return sorted((Quarter(year, quarter) for year, quarter in periods), reverse=True)


def authority_lines(
    *, user, authority: Authority, target_set: TargetSet, quarters: Sequence[Quarter], basis: str
) -> tuple[dict[tuple[int, Quarter], LineRow], dict[Quarter, dict]]:
    """An authority's stored lines of a set over ``quarters`` (one query), and its sub-region's
    return of each quarter (one query): ({(target id, quarter): row}, {quarter: return})."""
    visibility = scope_of(user)
    if not visibility.allows(authority.sub_region_id, authority.sub_region.region_id):
        return {}, {}
    wanted = set(quarters)
    own: dict[Quarter, dict] = {}
    for row in (
        Return.objects.filter(target_set=target_set, sub_region_id=authority.sub_region_id)
        .order_by()
        .values("id", "status", "year", "quarter", "version")
    ):
        period = Quarter(row["year"], row["quarter"])
        if period in wanted:
            own[period] = row
    included = [
        row["id"]
        for row in own.values()
        if basis == Basis.ALL or row["status"] == ReturnStatus.APPROVED
    ]
    lines: dict[tuple[int, Quarter], LineRow] = {}
    slug = authority.sub_region.slug
    lines_of = ReturnLine.objects.filter(return_obj__in=included, authority=authority).order_by()
    for line in lines_of.values(*_LINE_FIELDS, "return_obj__year", "return_obj__quarter"):
        period = Quarter(line["return_obj__year"], line["return_obj__quarter"])
        lines[(line["target_id"], period)] = _row_from_line(line, slug)
    return lines, own


def reported_ratings(return_obj: Return) -> dict[int, ReportedRating]:
    """A return's own overall ratings by target id (one query)."""
    return {row.target_id: row for row in return_obj.reported_ratings.all()}


def overall_over(target: Target, rows: Sequence[LineRow], *, who: str = "") -> StoredOverall:
    """The overall rating of ``target`` over some of its stored lines (a view filtered by
    authority kind): the engine's aggregation of the stored line ratings, nothing re-rated.
    Bounded by the lines shown (one quarter's, of the visible sub-regions)."""
    return StoredOverall.from_engine(
        overall_rating(rating_rule(target), [row.rating for row in rows]),
        who=who,
        marks=line_marks((row.authority_id, row.rating) for row in rows),
    )

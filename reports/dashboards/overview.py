"""The regional overview: targets by theme × the sub-regions and each region, with counts,
completeness and a headline. Read from the stored overall ratings (returns.selectors): a
bounded number of rows whatever the number of lines, quarters or regions behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from returns.models import Basis, ReturnStatus
from returns.periods import Quarter
from returns.selectors import (
    QuarterRatings,
    RegionRef,
    StoredOverall,
    overall_over,
    quarter_lines,
    ratings_over,
)
from targets.models import TargetSet
from targets.rating import Rating
from targets.rules import KIND_LABELS

from .cells import (
    Counts,
    Filters,
    Mark,
    OverallCell,
    ThemeGroup,
    group,
    headline,
    where_words,
)
from .facts import (
    SetInfo,
    SubRegionInfo,
    TargetInfo,
    path,
    target_infos,
)
from .message import Change, Message, changes_between
from .status import APPROVED_ONLY, DataNote, DataStatus, data_note

__all__ = [
    "Completeness",
    "Overview",
    "TargetRow",
    "build_overview",
    "completeness_of",
    "kind_overalls",
]


@dataclass(frozen=True)
class RegionInfo:
    slug: str
    name: str


@dataclass(frozen=True)
class TargetRow:
    """One target's row of the overview: its region cells, its sub-region cells, its counts."""

    target: TargetInfo
    region: OverallCell  # the first (usually the only) region's
    cells: list[OverallCell]  # one per column of ``Overview.columns``, in order
    regions: list[OverallCell]  # one per region of ``Overview.regions``

    @property
    def counts(self) -> Counts:
        """The authorities' lines behind the regions' ratings, by rating."""
        total = Counts()
        for cell in self.regions:
            total = total + cell.counts
        return total


@dataclass(frozen=True)
class Completeness:
    """How complete a sub-region's return is for the quarter (over all the set's targets)."""

    sub_region: SubRegionInfo | None  # None: the total of the region
    lines: int  # authority-target pairs the return should cover
    values: int  # lines with a value given (or "met" / "not met" stated, or rated by hand)
    awaiting: int  # lines awaiting data
    not_applicable: int  # lines marked not applicable
    missing: int  # pairs without a line (no return, or no line in it)
    outside: int = 0  # lines reported outside a target's scope (not among ``lines``)
    not_yet_due: int = 0  # data due in a later quarter (seed 004): never awaiting data

    @property
    def without_data(self) -> int:
        return self.awaiting + self.missing


@dataclass
class Overview:
    target_set: SetInfo
    quarter: Quarter
    basis: str
    columns: list[SubRegionInfo]
    regions: list[RegionInfo]
    themes: list[ThemeGroup]
    target_counts: Counts  # the targets by the region's (or chosen sub-region's) rating
    line_counts: Counts  # the authorities' lines behind them, in all
    column_counts: list[Counts]  # targets by rating, per column
    region_counts: Counts  # targets by the region's rating
    completeness: list[Completeness]
    completeness_total: Completeness
    headline: str
    whole_region: bool
    scope_note: str
    filters: Filters
    region_label: str = "Region"
    message: Message | None = None
    region_data: DataStatus = APPROVED_ONLY  # what the region column rests on

    @property
    def rows(self) -> list[TargetRow]:
        return [row for group_ in self.themes for row in group_.rows]

    @property
    def returns_signed_off(self) -> int:
        return sum(1 for column in self.columns if column.signed_off)

    @property
    def returns_approved(self) -> int:
        return sum(1 for column in self.columns if column.return_status == ReturnStatus.APPROVED)

    @property
    def returns_made(self) -> int:
        return sum(1 for column in self.columns if column.has_return)


def kind_overalls(
    ratings: QuarterRatings, *, kind: str, targets: Sequence
) -> dict[tuple[int, str | None], StoredOverall]:
    """Per target, the overall ratings over one kind of authority, per sub-region slug and
    (key None) for the region: aggregated from the quarter's stored line ratings."""
    lines = quarter_lines(refs=ratings.sub_regions, targets=targets, basis=ratings.basis, kind=kind)
    result: dict[tuple[int, str | None], StoredOverall] = {}
    # What each rating rests on, as the stored rows say it (a status per sub-region).
    statuses = {ref.slug: ref.return_status or "none" for ref in ratings.sub_regions}
    everyone: dict[str, int] = {}
    for status in statuses.values():
        everyone[status] = everyone.get(status, 0) + 1
    for target in targets:
        per = lines[target.pk]
        applies = not target.applies_to or kind in target.applies_to
        for ref in ratings.sub_regions:
            result[(target.pk, ref.slug)] = replace(
                _kind_overall(target, per[ref.slug], applies, ref.name, kind),
                returns={statuses[ref.slug]: 1},
            )
        everything = [row for rows in per.values() for row in rows]
        region = replace(
            _kind_overall(target, everything, applies, "the region", kind), returns=everyone
        )
        if ratings.scope_note:
            region = replace(region, explanation=f"{ratings.scope_note} {region.explanation}")
        result[(target.pk, None)] = region
    return result


def _kind_overall(target, rows, applies: bool, who: str, kind: str) -> StoredOverall:
    if not rows and not applies:
        return StoredOverall(
            rating=Rating.NOT_APPLICABLE,
            explanation=f"Target {target.number} does not apply to {KIND_LABELS[kind]}.",
            counts={},
            states={},
            returns={},
            who=who,
            marks={},  # no line of this kind: nothing moved
        )
    return overall_over(target, rows, who=who)


def completeness_of(
    ratings: QuarterRatings, columns: Sequence[SubRegionInfo]
) -> tuple[list[Completeness], Completeness]:
    """From the stored rows' state counts, summed over the set's targets."""
    per = []
    by_slug = {ref.slug: ref for ref in ratings.sub_regions}
    for column in columns:
        ref = by_slug[column.slug]
        tally: dict[str, int] = {}
        for target in ratings.targets:
            for key, count in ratings.sub_region(target.pk, ref).states.items():
                tally[key] = tally.get(key, 0) + count
        per.append(
            Completeness(
                sub_region=column,
                lines=sum(count for key, count in tally.items() if key != "outside"),
                values=sum(tally.get(key, 0) for key in ("value", "met", "not_met", "progress")),
                awaiting=tally.get("awaiting", 0),
                not_applicable=tally.get("not_applicable", 0),
                missing=tally.get("missing", 0),
                outside=tally.get("outside", 0),
                not_yet_due=tally.get("not_yet_due", 0),
            )
        )
    total = Completeness(
        sub_region=None,
        lines=sum(c.lines for c in per),
        values=sum(c.values for c in per),
        awaiting=sum(c.awaiting for c in per),
        not_applicable=sum(c.not_applicable for c in per),
        missing=sum(c.missing for c in per),
        outside=sum(c.outside for c in per),
        not_yet_due=sum(c.not_yet_due for c in per),
    )
    return per, total


def build_overview(
    *,
    user,
    target_set: TargetSet,
    quarter: Quarter,
    filters: Filters | None = None,
    basis: str = Basis.ALL,
) -> Overview:
    """The regional overview from the stored overall ratings (a handful of queries whatever
    the data's size; with a kind filter, the quarter's lines of that kind are aggregated), with
    its opening message: the Red targets, the moves since the previous quarter (its stored
    ratings are read in the same queries) and what the figures rest on."""
    filters = filters or Filters()
    previous = quarter.previous()
    both = ratings_over(user=user, target_set=target_set, quarters=[previous, quarter], basis=basis)
    ratings, earlier = both[quarter], both[previous]
    sub_region_url = path("reports:sub-region", "slug")
    all_columns = [SubRegionInfo.of(ref, sub_region_url) for ref in ratings.sub_regions]
    refs = {ref.slug: ref for ref in ratings.sub_regions}
    earlier_refs = {ref.slug: ref for ref in earlier.sub_regions}
    columns = [c for c in all_columns if not filters.sub_region or c.slug == filters.sub_region]
    infos = target_infos(ratings.targets, target_set)
    by_kind = by_kind_before = None
    if filters.kind:
        by_kind = kind_overalls(ratings, kind=filters.kind, targets=ratings.targets)
        by_kind_before = kind_overalls(earlier, kind=filters.kind, targets=ratings.targets)
    regions: list[RegionRef] = ratings.regions
    region_where = "the region" if ratings.whole else "what you may see"

    rows: list[TargetRow] = []
    changes: list[Change] = []
    judged_changes: list[Change] = []
    not_comparable = 0
    for target, info in zip(ratings.targets, infos, strict=True):
        if filters.theme and target.theme_id != filters.theme:
            continue

        def sub_region_result(slug: str, source=ratings, kinds=by_kind, target=target):
            if kinds is not None:
                return kinds[(target.pk, slug)]
            ref = refs[slug] if source is ratings else earlier_refs[slug]
            return source.sub_region(target.pk, ref)

        def region_result(region: RegionRef, source=ratings, kinds=by_kind, target=target):
            if kinds is not None:
                return kinds[(target.pk, None)]
            return source.region(target.pk, region)

        cells = [
            OverallCell.of(
                sub_region_result(column.slug), basis=basis, url=column.url, where=column.name
            )
            for column in columns
        ]
        region_cells = [
            OverallCell.of(
                region_result(region),
                basis=basis,
                url=info.url,
                where=region.name if len(regions) > 1 else region_where,
            )
            for region in regions
        ] or [OverallCell.of(StoredOverall.none_made(who=region_where), basis=basis, url=info.url)]
        one = bool(filters.sub_region and cells)
        judged = cells[0] if one else region_cells[0]
        if filters.rating and judged.mark.code != filters.rating:
            continue
        rows.append(
            TargetRow(target=info, region=region_cells[0], cells=cells, regions=region_cells)
        )
        # The previous quarter's ratings: their marks are all a move needs (no cell is shown).
        before_cells = [
            Mark.of(sub_region_result(column.slug, earlier, by_kind_before).rating)
            for column in columns
        ]
        before_region = (
            Mark.of(region_result(regions[0], earlier, by_kind_before).rating)
            if regions
            else Mark.of(StoredOverall.none_made(who=region_where).rating)
        )
        judged_before = before_cells[0] if one else before_region
        moved = changes_between(
            target=info,
            before=[judged_before],
            after=[judged],
            wheres=[columns[0].name if one else region_where],
            urls=[columns[0].url if one else info.url],
            region_first=not one,
            anchor=f"target-{info.code}",
        )
        judged_changes += moved
        not_comparable += not moved  # a move to or from Grey, n/a or not rated
        changes += moved
        if not one:
            changes += changes_between(
                target=info,
                before=before_cells,
                after=cells,
                wheres=[column.name for column in columns],
                urls=[column.url for column in columns],
                region_first=False,
                anchor=f"target-{info.code}",
            )

    region_counts = Counts.of(row.region.mark for row in rows)
    column_counts = [
        Counts.of(row.cells[index].mark for row in rows) for index in range(len(columns))
    ]
    one_column = bool(filters.sub_region and columns)
    judged_counts = column_counts[0] if one_column else region_counts
    line_counts = Counts()
    for row in rows:
        line_counts = line_counts + (row.cells[0].counts if one_column else row.counts)
    completeness, total = completeness_of(ratings, columns)
    where = where_words(whole_region=ratings.whole, columns=columns, filters=filters)
    region_label = "Region" if ratings.whole else "Over what you may see"
    if filters.kind:
        region_label += f" ({filters.kind_label} only)"
    note: DataNote = data_note([column.place for column in columns], basis)
    judged_rows = [(row, row.cells[0] if one_column else row.region) for row in rows]
    message = Message(
        where=where,
        quarter=quarter,
        previous=previous,
        previous_has_returns=any(ref.has_return for ref in earlier.sub_regions),
        previous_counted=any(ref.included(basis) for ref in earlier.sub_regions),
        red=[row.target for row, cell in judged_rows if cell.mark.code == "R"],
        judged=judged_changes,
        changes=changes,
        not_comparable=not_comparable,
        data=note,
        lines=total.lines,
        values=total.values,
    )
    return Overview(
        target_set=SetInfo.of(target_set),
        quarter=quarter,
        basis=basis,
        columns=columns,
        regions=[RegionInfo(slug=region.slug, name=region.name) for region in regions],
        themes=group(rows, lambda row: row.target.theme),
        target_counts=judged_counts,
        line_counts=line_counts,
        column_counts=column_counts,
        region_counts=region_counts,
        completeness=completeness,
        completeness_total=total,
        headline=headline(judged_counts, where=where, quarter=quarter),
        whole_region=ratings.whole,
        scope_note=ratings.scope_note,
        filters=filters,
        region_label=region_label,
        message=message,
        region_data=DataStatus.of_statuses([column.return_status for column in columns], basis),
    )

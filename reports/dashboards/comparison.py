"""Two quarters side by side: each target's stored overall ratings, the movement of each, and
how many authorities' ratings improved, got worse or stayed the same (paired from the marks
kept with the stored ratings: no line is read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from returns.models import Basis
from returns.periods import Quarter
from returns.selectors import StoredOverall, ratings_over
from targets.models import TargetSet
from targets.rating import line_moves

from .cells import (
    Filters,
    Movement,
    OverallCell,
    ThemeGroup,
    group,
    movement,
    where_words,
)
from .facts import (
    SetInfo,
    SubRegionInfo,
    TargetInfo,
    path,
    target_infos,
)
from .overview import kind_overalls
from .status import DataNote, data_note

__all__ = ["CompareCell", "CompareRow", "Comparison", "build_comparison"]


@dataclass(frozen=True)
class CompareCell:
    before: OverallCell
    after: OverallCell

    @cached_property
    def movement(self) -> Movement:
        return movement(self.before.mark, self.after.mark)


@dataclass(frozen=True)
class CompareRow:
    target: TargetInfo
    region: CompareCell
    cells: list[CompareCell]  # one per column
    improved: int  # authorities whose line's rating improved
    worse: int  # ... got worse
    same: int  # ... stayed the same R, A or G


@dataclass
class Comparison:
    target_set: SetInfo
    quarter: Quarter  # the later quarter
    against: Quarter  # the earlier quarter
    basis: str
    columns: list[SubRegionInfo]
    themes: list[ThemeGroup]  # groups of CompareRow
    movements: dict[str, int]  # the region's movements: improved, same, worse, unknown
    headline: str
    whole_region: bool
    scope_note: str
    filters: Filters
    region_label: str = "Region"
    data: DataNote | None = None  # what the later quarter's figures rest on
    data_before: DataNote | None = None  # ... and the earlier quarter's

    @property
    def rows(self) -> list[CompareRow]:
        return [row for group_ in self.themes for row in group_.rows]


def _results(ratings, target, filters: Filters, by_kind) -> tuple[dict, StoredOverall]:
    subs = {
        ref.slug: by_kind[(target.pk, ref.slug)] if by_kind else ratings.sub_region(target.pk, ref)
        for ref in ratings.sub_regions
    }
    if by_kind is not None:
        return subs, by_kind[(target.pk, None)]
    if len(ratings.regions) == 1:
        return subs, ratings.region(target.pk, ratings.regions[0])
    return subs, StoredOverall.none_made(who="every region")


def _marks(results: list[StoredOverall]) -> Mapping[str, str]:
    """The marks of several sub-regions' ratings together (an authority is in one only)."""
    if len(results) == 1:
        return results[0].marks
    merged: dict[str, str] = {}
    for result in results:
        merged.update(result.marks)
    return merged


def build_comparison(
    *,
    user,
    target_set: TargetSet,
    quarter: Quarter,
    against: Quarter,
    filters: Filters | None = None,
    basis: str = Basis.ALL,
) -> Comparison:
    """Two quarters side by side from the stored ratings (a constant number of queries).
    ``against`` is the quarter compared with; the movement reads from it to ``quarter``."""
    filters = filters or Filters()
    earlier_q, later_q = sorted([quarter, against])
    both = ratings_over(
        user=user,
        target_set=target_set,
        quarters=[earlier_q, later_q],
        basis=basis,
        with_marks=True,
    )
    before, after = both[earlier_q], both[later_q]
    sub_region_url = path("reports:sub-region", "slug")
    columns = [
        SubRegionInfo.of(ref, sub_region_url)
        for ref in after.sub_regions
        if not filters.sub_region or ref.slug == filters.sub_region
    ]
    chosen = [t for t in after.targets if not filters.theme or t.theme_id == filters.theme]
    infos = target_infos(chosen, target_set)
    kind = filters.kind
    kind_before = kind_overalls(before, kind=kind, targets=chosen) if kind else None
    kind_after = kind_overalls(after, kind=kind, targets=chosen) if kind else None
    slugs = {column.slug for column in columns}
    # Whose lines' movements are counted: the region's row holds every sub-region's marks, so
    # it serves when every sub-region of the one region is shown; else the columns' rows.
    by_region = after.whole and not filters.sub_region and len(after.regions) == 1
    region_where = "the region" if after.whole else "what you may see"
    rows = []
    tally = {"improved": 0, "same": 0, "worse": 0, "unknown": 0}
    for target, info in zip(chosen, infos, strict=True):
        subs_after, region_after = _results(after, target, filters, kind_after)
        subs_before, region_before = _results(before, target, filters, kind_before)
        cells = [
            CompareCell(
                before=OverallCell.of(subs_before[column.slug], basis=basis, where=column.name),
                after=OverallCell.of(subs_after[column.slug], basis=basis, where=column.name),
            )
            for column in columns
        ]
        region = CompareCell(
            before=OverallCell.of(region_before, basis=basis, where=region_where),
            after=OverallCell.of(region_after, basis=basis, where=region_where),
        )
        judged = cells[0] if filters.sub_region and cells else region
        if filters.rating and judged.after.mark.code != filters.rating:
            continue
        if by_region:
            moves = line_moves(region_before.marks, region_after.marks)
        else:
            moves = line_moves(
                _marks([subs_before[column.slug] for column in columns]),
                _marks([subs_after[column.slug] for column in columns]),
            )
        tally[judged.movement.code] += 1
        rows.append(
            CompareRow(
                target=info,
                region=region,
                cells=cells,
                improved=moves.improved,
                worse=moves.worse,
                same=moves.same,
            )
        )
    where = where_words(whole_region=after.whole, columns=columns, filters=filters)
    total = sum(tally.values())
    if total:
        parts = [
            (tally["improved"], "improved"),
            (tally["same"], "stayed the same"),
            (tally["worse"], "got worse"),
            (tally["unknown"], "cannot be compared"),
        ]
        words = [f"{count} {word}" for count, word in parts if count]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        target_word = "target" if total == 1 else "targets"
        text = f"From {earlier_q} to {later_q}, of {total} {target_word} for {where}: {listed}."
    else:
        text = f"No targets to compare for {where}."
    region_label = "Region" if after.whole else "Over what you may see"
    if filters.kind:
        region_label += f" ({filters.kind_label} only)"
    return Comparison(
        target_set=SetInfo.of(target_set),
        quarter=later_q,
        against=earlier_q,
        basis=basis,
        columns=columns,
        themes=group(rows, lambda row: row.target.theme),
        movements=tally,
        headline=text,
        whole_region=after.whole,
        scope_note=after.scope_note,
        filters=filters,
        region_label=region_label,
        data=data_note([column.place for column in columns], basis),
        data_before=data_note(
            [
                SubRegionInfo.of(ref, sub_region_url).place
                for ref in before.sub_regions
                if ref.slug in slugs
            ],
            basis,
        ),
    )

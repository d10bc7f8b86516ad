"""One sub-region: its authorities × the set's targets, each cell a stored line rating, and
its overall ratings (the rule's, and the sub-region's own beside them)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.urls import reverse

from authorities.models import SubRegion
from returns.models import Basis
from returns.periods import Quarter
from returns.selectors import LineRow, quarter_lines, quarter_ratings
from targets.models import TargetSet

from .cells import (
    Counts,
    Filters,
    LineCell,
    NotVisible,
    OverallCell,
    ThemeSpan,
    does_not_apply,
    empty_cell,
    headline,
    line_cell,
    spans,
    where_words,
)
from .facts import (
    AuthorityInfo,
    SetInfo,
    SubRegionInfo,
    TargetInfo,
    path,
    target_infos,
)
from .overview import Completeness, completeness_of, kind_overalls
from .status import DataNote, DataStatus, data_note

__all__ = ["AuthorityRow", "SubRegionView", "build_sub_region"]


@dataclass(frozen=True)
class AuthorityRow:
    authority: AuthorityInfo
    cells: list[LineCell]  # one per target (or per quarter on an authority's page)

    @property
    def outside_only(self) -> bool:
        """Every line of the row is reported outside its target's scope."""
        lines = [cell for cell in self.cells if cell.line_url]
        return bool(lines) and all(cell.outside_scope for cell in lines)


@dataclass
class SubRegionView:
    target_set: SetInfo
    quarter: Quarter
    basis: str
    sub_region: SubRegionInfo
    targets: list[TargetInfo]
    themes: list[ThemeSpan]
    rows: list[AuthorityRow]
    overall: list[OverallCell]  # one per target
    target_counts: Counts  # the targets by the sub-region's rating
    line_counts: Counts  # the cells shown, by rating
    completeness: Completeness
    headline: str
    filters: Filters
    return_url: str  # the return's page, "" when there is no return
    data: DataNote | None = None  # what the page's figures rest on
    line_data: DataStatus | None = None  # the mark of every line (its return's status)

    @property
    def overridden(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.overridden)

    @property
    def outside(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.outside_scope)

    @property
    def differences(self) -> int:
        return sum(1 for cell in self.overall if cell.differs)


def build_sub_region(
    *,
    user,
    sub_region: SubRegion,
    target_set: TargetSet,
    quarter: Quarter,
    filters: Filters | None = None,
    basis: str = Basis.ALL,
) -> SubRegionView:
    """One sub-region: authorities × targets from the stored lines and overall ratings (a
    constant number of queries). ``NotVisible`` if the user may not see the sub-region."""
    filters = filters or Filters()
    ratings = quarter_ratings(
        user=user, target_set=target_set, quarter=quarter, basis=basis, sub_region=sub_region
    )
    if not ratings.sub_regions:
        raise NotVisible(sub_region.slug)
    ref = ratings.sub_regions[0]
    info = SubRegionInfo.of(ref, path("reports:sub-region", "slug"))
    chosen = [
        target
        for target in ratings.targets
        if not filters.theme or target.theme_id == filters.theme
    ]
    targets = target_infos(chosen, target_set)
    lines = quarter_lines(refs=[ref], targets=chosen, basis=basis)
    authority_url = path("reports:authority", "slug")
    line_url = path("returns:line", 1, 2)

    authorities: dict[str, AuthorityInfo] = {}
    by_target: list[dict[str, LineRow]] = []
    for target in chosen:
        rows = lines[target.pk][ref.slug]
        by_target.append({row.authority_slug: row for row in rows})
        for row in rows:
            authorities.setdefault(
                row.authority_slug,
                AuthorityInfo(
                    slug=row.authority_slug,
                    name=row.authority_name,
                    short_name=row.authority_short_name,
                    kind=row.authority_kind,
                    url=authority_url(row.authority_slug),
                ),
            )
    ordered = sorted(authorities.values(), key=lambda authority: authority.sort_key)
    if filters.kind:
        ordered = [authority for authority in ordered if authority.kind == filters.kind]

    line_data = info.data(basis)
    table: list[AuthorityRow] = []
    for authority in ordered:
        cells = []
        for target, rows in zip(targets, by_target, strict=True):
            row = rows.get(authority.slug)
            where = f"{authority.short_name}, target {target.number}"
            if row is None:
                why = does_not_apply(target, authority.kind)
                cells.append(empty_cell("does_not_apply", target, why, where))
            else:
                cells.append(line_cell(row, target, line_url, where, line_data))
        if filters.rating and not any(cell.mark.code == filters.rating for cell in cells):
            continue
        table.append(AuthorityRow(authority=authority, cells=cells))

    by_kind = kind_overalls(ratings, kind=filters.kind, targets=chosen) if filters.kind else None
    overall = []
    for target, info_ in zip(chosen, targets, strict=True):
        result = (
            by_kind[(target.pk, ref.slug)]
            if by_kind is not None
            else ratings.sub_region(target.pk, ref)
        )
        overall.append(
            OverallCell.of(result, basis=basis, url=info_.url, where=f"target {info_.number}")
        )
    target_counts = Counts.of(cell.mark for cell in overall)
    line_counts = Counts.of(
        cell.mark
        for row in table
        for cell in row.cells
        if cell.state != "does_not_apply" and not cell.outside_scope
    )
    completeness, _ = completeness_of(ratings, [info])
    where = where_words(
        whole_region=False, columns=[info], filters=replace(filters, sub_region=info.slug)
    )
    return SubRegionView(
        target_set=SetInfo.of(target_set),
        quarter=quarter,
        basis=basis,
        sub_region=info,
        targets=targets,
        themes=spans(targets),
        rows=table,
        overall=overall,
        target_counts=target_counts,
        line_counts=line_counts,
        completeness=completeness[0],
        headline=headline(target_counts, where=where, quarter=quarter),
        filters=filters,
        return_url=reverse("returns:detail", args=[ref.return_id]) if ref.return_id else "",
        data=data_note([info.place], basis),
        line_data=line_data,
    )

"""One authority: every target of a set, quarter by quarter, from its stored lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse

from authorities.models import Authority, LAAArea
from returns.access import scope_of
from returns.models import Basis, LineState, ReturnStatus
from returns.periods import Quarter
from returns.selectors import authority_lines, quarters_with_returns, set_targets
from targets.models import TargetSet
from targets.rules import target_covers

from .cells import (
    Counts,
    Filters,
    LineCell,
    NotVisible,
    ThemeGroup,
    does_not_apply,
    empty_cell,
    group,
    headline,
    line_cell,
)
from .facts import (
    AuthorityInfo,
    SetInfo,
    SubRegionInfo,
    TargetInfo,
    path,
    target_infos,
)
from .status import DataStatus
from .target import quarter_range

__all__ = ["AuthorityTargetRow", "AuthorityView", "authority_for_page", "build_authority"]


@dataclass
class AuthorityView:
    authority: AuthorityInfo
    sub_region: SubRegionInfo
    laa: str
    target_set: SetInfo
    basis: str
    quarters: list[Quarter]
    returns: list[SubRegionInfo]  # the sub-region's return of each quarter (status), in order
    targets: list[TargetInfo]
    themes: list[ThemeGroup]  # groups of AuthorityTargetRow
    latest_counts: Counts  # the targets by this authority's rating in the latest quarter shown
    headline: str
    filters: Filters

    @property
    def columns(self) -> list[tuple[Quarter, SubRegionInfo]]:
        """Each quarter with the sub-region's return for it (its status)."""
        return list(zip(self.quarters, self.returns, strict=True))


@dataclass(frozen=True)
class AuthorityTargetRow:
    target: TargetInfo
    cells: list[LineCell]  # one per quarter of AuthorityView.quarters

    @property
    def latest(self) -> LineCell | None:
        return self.cells[-1] if self.cells else None


def authority_for_page(slug: str) -> Authority:
    """The authority with its sub-region, LAA and whether it leads an LAA (1 query)."""
    return (
        Authority.objects.select_related("sub_region", "laa_area")
        .annotate(leads_laa=Exists(LAAArea.objects.filter(lead_authority=OuterRef("pk"))))
        .get(slug=slug)
    )


def build_authority(
    *,
    user,
    authority: Authority,
    target_set: TargetSet,
    quarters: Sequence[Quarter] | None = None,
    filters: Filters | None = None,
    basis: str = Basis.ALL,
) -> AuthorityView:
    """One authority (from ``authority_for_page``), all the set's targets quarter by quarter:
    a constant number of queries. ``quarters``: those of the set's returns the user may see
    (gaps filled, at most MAX_QUARTERS) when not given. ``NotVisible`` if the user may not see
    its sub-region."""
    filters = filters or Filters()
    sub_region = authority.sub_region
    if not scope_of(user).allows_sub_region(sub_region):
        raise NotVisible(authority.slug)
    set_info = SetInfo.of(target_set)
    line_url = path("returns:line", 1, 2)
    targets = set_targets(target_set)
    infos = target_infos(targets, target_set)
    if quarters is None:
        quarters = quarter_range(quarters_with_returns(user=user, target_set_id=target_set.pk))
    quarters = list(quarters)
    lines, own = authority_lines(
        user=user, authority=authority, target_set=target_set, quarters=quarters, basis=basis
    )
    leads_laa = getattr(authority, "leads_laa", None)
    if leads_laa is None:
        leads_laa = LAAArea.objects.filter(lead_authority=authority).exists()
    rows = []
    for target, info in zip(targets, infos, strict=True):
        if filters.theme and target.theme_id != filters.theme:
            continue
        applies = target_covers(
            target, kind=authority.kind, leads_laa=leads_laa, authority_id=authority.pk
        )
        cells = []
        for quarter in quarters:
            row = lines.get((target.pk, quarter))
            returned = own.get(quarter)
            where = f"target {target.number}, {quarter}"
            if row is not None:
                data = DataStatus.of_statuses([returned["status"] if returned else None], basis)
                cells.append(line_cell(row, info, line_url, where, data))
            elif not applies:
                cells.append(
                    empty_cell("does_not_apply", info, does_not_apply(info, authority.kind), where)
                )
            elif returned is None:
                why = f"{sub_region.name} made no return of {set_info.title} for {quarter}."
                cells.append(empty_cell(LineState.NO_RETURN, info, why, where))
            elif basis == Basis.APPROVED and returned["status"] != ReturnStatus.APPROVED:
                why = f"{sub_region.name}'s return for {quarter} is not approved yet."
                cells.append(empty_cell(LineState.NO_RETURN, info, why, where))
            else:
                why = f"{sub_region.name}'s return for {quarter} has no line for this authority."
                cells.append(empty_cell("no_line", info, why, where))
        row = AuthorityTargetRow(target=info, cells=cells)
        if filters.rating and (row.latest is None or row.latest.mark.code != filters.rating):
            continue
        rows.append(row)
    sub_region_url = path("reports:sub-region", "slug")
    returns = [
        SubRegionInfo(
            slug=sub_region.slug,
            name=sub_region.name,
            return_id=own[quarter]["id"] if quarter in own else None,
            return_status=own[quarter]["status"] if quarter in own else None,
            url=sub_region_url(sub_region.slug),
        )
        for quarter in quarters
    ]
    latest_counts = Counts.of(row.latest.mark for row in rows if row.latest is not None)
    info = AuthorityInfo(
        slug=authority.slug,
        name=authority.name,
        short_name=authority.short_name,
        kind=authority.kind,
        url=reverse("reports:authority", args=[authority.slug]),
    )
    return AuthorityView(
        authority=info,
        sub_region=SubRegionInfo(
            slug=sub_region.slug,
            name=sub_region.name,
            return_id=None,
            return_status=None,
            url=sub_region_url(sub_region.slug),
        ),
        laa=authority.laa_area.name if authority.laa_area_id else "",
        target_set=set_info,
        basis=basis,
        quarters=quarters,
        returns=returns,
        targets=[row.target for row in rows],
        themes=group(rows, lambda row: row.target.theme),
        latest_counts=latest_counts,
        headline=(
            headline(latest_counts, where=authority.name, quarter=quarters[-1])
            if quarters
            else f"No return of {set_info.title} yet."
        ),
        filters=filters,
    )

"""The overall rating of each target of a set for one quarter: per sub-region and for the region.

Built once, as plain dataclasses, and handed to every renderer (the ratings API now; the
dashboards and the Board paper's PDF later), so that they all show the same figures with the
same explanations. ``overall_ratings(user=..., target_set=..., quarter=...)`` is the entry point.

Decisions
---------
* **What the caller may see.** Lines are read through ``Return.objects.for_user(user)``: a
  programme manager sees their own sub-region only. The "region" row is computed over the
  sub-regions the caller may see, never over lines they may not read; when that is not the
  whole region, the region's explanation says so first ("Over Derbyshire only, the
  sub-regions you may see, not the whole region: ..."). ``SetOverview.whole_region`` tells a
  renderer which case it has.
* **One rule for everyone.** Each line is rated afresh from its values by the target's current
  rule (``targets.rating.computed_rating``), and the overall ratings by
  ``targets.rating.overall_rating``. The stored columns of a line (status, computed and
  effective rating) are what the same engine said when the line was last written; they agree
  unless the target's rule has changed since.
* **Missing data is counted, never dropped.** Every active authority a target applies to in a
  visible sub-region has a row: where there is no line (the sub-region sent no return for the
  quarter, or the authority was added after the return was opened) the row has
  ``line_id=None`` and state ``no_return``; the engine rates it Grey, counts it under
  "missing" and names it in the explanation ("... 12 without a return"). Lines of authorities
  retired since are kept. A sub-region or region where nothing is known is Grey.
* **Improvement rules.** The engine compares a line with its ``earlier`` value; returns hold no
  earlier value yet, so targets with an improvement rule are Grey ("no earlier value") here.
* **Queries.** A constant number whatever the size of the data: the targets with their
  measures (+1 for the measures' levels, prefetched), the sub-regions, the returns, the lines
  (one ``values()`` query) and the active authorities with their LAA lead flag; plus the
  user's permissions and membership, which Django caches on the user.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef

from authorities.models import Authority, AuthorityKind, LAAArea, SubRegion
from authorities.roles import sub_region_of
from targets.models import Target, TargetSet, rating_rule
from targets.rating import (
    LineInput,
    LineRating,
    LineState,
    OverallRating,
    Rating,
    RatingRule,
    Status,
    computed_rating,
    overall_rating,
)
from targets.rules import target_applies

from .models import EDITABLE_LINE_FIELDS, Return, ReturnLine
from .periods import Quarter

__all__ = [
    "LineRow",
    "SetOverview",
    "SubRegionRef",
    "TargetOverall",
    "overall_ratings",
    "visible_sub_regions",
]

_KIND_ORDER = {kind: index for index, kind in enumerate(AuthorityKind.values)}

_LINE_FIELDS = (
    "id",
    "return_obj_id",
    "return_obj__sub_region_id",
    "target_id",
    "authority_id",
    "authority__slug",
    "authority__name",
    "authority__short_name",
    "authority__kind",
    *EDITABLE_LINE_FIELDS,
)


@dataclass(frozen=True)
class SubRegionRef:
    """A sub-region the caller may see, and its return for the quarter (None: no return)."""

    pk: int
    slug: str
    name: str
    order: int
    return_id: int | None = None
    return_status: str | None = None
    return_version: int | None = None

    @property
    def has_return(self) -> bool:
        return self.return_id is not None


def _sub_region_refs(
    visible: list[SubRegion], returns_by_sub_region: dict[int, dict]
) -> list[SubRegionRef]:
    """The visible sub-regions with their return (a `values("id", "status", "version")` row)."""
    refs = []
    for sub_region in visible:
        returned = returns_by_sub_region.get(sub_region.pk, {})
        refs.append(
            SubRegionRef(
                pk=sub_region.pk,
                slug=sub_region.slug,
                name=sub_region.name,
                order=sub_region.order,
                return_id=returned.get("id"),
                return_status=returned.get("status"),
                return_version=returned.get("version"),
            )
        )
    return refs


@dataclass(frozen=True)
class LineRow:
    """One authority against one target: what was returned, and how the engine rates it.

    ``line_id`` is None when the authority has no line (no return for its sub-region, or it
    was added after the return was opened); such a row has state ``no_return`` and is Grey.
    """

    authority_slug: str
    authority_name: str
    authority_short_name: str
    authority_kind: str
    sub_region_slug: str
    line_id: int | None
    state: str
    actual: Decimal | None
    target_value: Decimal | None
    date_of_data: date | None
    manual_reason: str
    comment: str
    source: str
    rating: LineRating

    @property
    def status(self) -> Status | None:
        return self.rating.status

    @property
    def computed(self) -> Rating:
        return self.rating.computed

    @property
    def manual(self) -> Rating | None:
        return self.rating.manual

    @property
    def effective(self) -> Rating:
        return self.rating.effective

    @property
    def overridden(self) -> bool:
        return self.rating.overridden

    @property
    def explanation(self) -> str:
        return self.rating.explanation

    @property
    def missing(self) -> bool:
        return self.line_id is None


@dataclass
class TargetOverall:
    """One target's overall ratings: the region's, each visible sub-region's, and the lines."""

    target: Target
    rule: RatingRule
    region: OverallRating
    sub_regions: dict[str, OverallRating]  # sub-region slug → its overall rating
    lines_by_sub_region: dict[str, list[LineRow]]  # sub-region slug → its authorities' rows

    @property
    def lines(self) -> list[LineRow]:
        return [row for rows in self.lines_by_sub_region.values() for row in rows]


@dataclass
class SetOverview:
    """Everything a renderer needs for one target set and quarter, for one caller."""

    target_set: TargetSet
    quarter: Quarter
    sub_regions: list[SubRegionRef]  # the visible ones, in the region's order
    whole_region: bool  # False when the caller sees only part of the region
    scope_note: str  # "" for the whole region, else the note prefixed to the region row
    targets: list[TargetOverall] = field(default_factory=list)

    @property
    def missing_returns(self) -> list[SubRegionRef]:
        """Visible sub-regions that sent no return for the quarter."""
        return [sub_region for sub_region in self.sub_regions if not sub_region.has_return]


def visible_sub_regions(user, sub_regions: list[SubRegion]) -> list[SubRegion]:
    """The sub-regions whose returns the user may read: the same rule as
    ``ReturnQuerySet.for_user`` (a programme manager their own; readers all; others none)."""
    if not user.is_authenticated or not user.has_perm("returns.view_return"):
        return []
    own = sub_region_of(user)
    if own is not None and not user.has_perm("returns.view_all_returns"):
        return [sub_region for sub_region in sub_regions if sub_region.pk == own.pk]
    return list(sub_regions)


def _scope_note(visible: list[SubRegion], *, whole_region: bool) -> str:
    if whole_region:
        return ""
    if not visible:
        return "Over no sub-region: you may not see any return."
    names = ", ".join(sub_region.name for sub_region in visible)
    only = " only" if len(visible) == 1 else ""
    return f"Over {names}{only}, the sub-regions you may see, not the whole region."


def overall_ratings(
    *,
    user,
    target_set: TargetSet,
    quarter: Quarter,
    sub_region: SubRegion | None = None,
) -> SetOverview:
    """The overall ratings of every target of ``target_set`` for ``quarter``, for ``user``.

    Per visible sub-region and for the region (over what the user may see; see the module's
    docstring). ``sub_region`` narrows the result to one sub-region (the region row is then
    over that sub-region only, and says so).
    """
    targets = list(
        Target.objects.filter(target_set=target_set)
        .select_related("measure")
        .prefetch_related("measure__levels")
        .order_by("theme__order", "priority", "id")
    )
    all_sub_regions = list(SubRegion.objects.order_by("order", "name"))
    visible = visible_sub_regions(user, all_sub_regions)
    if sub_region is not None:
        visible = [candidate for candidate in visible if candidate.pk == sub_region.pk]
    whole_region = bool(visible) and len(visible) == len(all_sub_regions)
    visible_ids = [candidate.pk for candidate in visible]

    returns = (
        Return.objects.for_user(user)
        .for_quarter(quarter)
        .filter(target_set=target_set, sub_region__in=visible_ids)
    )
    by_sub_region = {
        row["sub_region_id"]: row
        for row in returns.values("id", "sub_region_id", "status", "version")
    }
    refs = _sub_region_refs(visible, by_sub_region)
    slug_of = {ref.pk: ref.slug for ref in refs}

    # The one query of the lines, scoped by for_user through the returns above.
    lines = ReturnLine.objects.filter(return_obj__in=returns).values(*_LINE_FIELDS)
    lines_by_target: dict[int, list[dict]] = defaultdict(list)
    for line in lines:
        lines_by_target[line["target_id"]].append(line)

    authorities = list(
        Authority.objects.active()
        .filter(sub_region__in=visible_ids)
        .annotate(leads_laa=Exists(LAAArea.objects.filter(lead_authority=OuterRef("pk"))))
        .values("id", "slug", "name", "short_name", "kind", "sub_region_id", "leads_laa")
    )

    overview = SetOverview(
        target_set=target_set,
        quarter=quarter,
        sub_regions=refs,
        whole_region=whole_region,
        scope_note=_scope_note(visible, whole_region=whole_region),
    )
    for target in targets:
        overview.targets.append(
            _target_overall(
                target,
                lines=lines_by_target.get(target.pk, []),
                authorities=authorities,
                refs=refs,
                slug_of=slug_of,
                scope_note=overview.scope_note,
            )
        )
    return overview


def _target_overall(
    target: Target,
    *,
    lines: list[dict],
    authorities: list[dict],
    refs: list[SubRegionRef],
    slug_of: dict[int, str],
    scope_note: str,
) -> TargetOverall:
    rule = rating_rule(target)
    rows: dict[str, list[LineRow]] = {ref.slug: [] for ref in refs}
    present: set[int] = set()
    for line in lines:
        slug = slug_of[line["return_obj__sub_region_id"]]
        present.add(line["authority_id"])
        rows[slug].append(_row_from_line(line, slug, rule))
    for authority in authorities:
        if authority["id"] in present:
            continue
        if not target_applies(
            scope=target.scope,
            applies_to=target.applies_to,
            kind=authority["kind"],
            leads_laa=authority["leads_laa"],
        ):
            continue
        slug = slug_of[authority["sub_region_id"]]
        rows[slug].append(_missing_row(authority, slug, rule))
    for sub_region_rows in rows.values():
        sub_region_rows.sort(
            key=lambda row: (_KIND_ORDER.get(row.authority_kind, 99), row.authority_name)
        )

    sub_regions = {
        slug: overall_rating(rule, [row.rating for row in sub_region_rows])
        for slug, sub_region_rows in rows.items()
    }
    region = overall_rating(rule, [row.rating for row_list in rows.values() for row in row_list])
    if scope_note:
        region = replace(region, explanation=f"{scope_note} {region.explanation}")
    return TargetOverall(
        target=target,
        rule=rule,
        region=region,
        sub_regions=sub_regions,
        lines_by_sub_region=rows,
    )


def _row_from_line(line: dict, sub_region_slug: str, rule: RatingRule) -> LineRow:
    rating = computed_rating(
        rule,
        LineInput(
            authority=line["authority__short_name"],
            actual=line["actual"],
            target_value=line["target_value"],
            state=line["state"],
            manual=line["manual_rating"] or None,
        ),
    )
    return LineRow(
        authority_slug=line["authority__slug"],
        authority_name=line["authority__name"],
        authority_short_name=line["authority__short_name"],
        authority_kind=line["authority__kind"],
        sub_region_slug=sub_region_slug,
        line_id=line["id"],
        state=line["state"],
        actual=line["actual"],
        target_value=line["target_value"],
        date_of_data=line["date_of_data"],
        manual_reason=line["manual_reason"],
        comment=line["comment"],
        source=line["source"],
        rating=rating,
    )


def _missing_row(authority: dict, sub_region_slug: str, rule: RatingRule) -> LineRow:
    rating = computed_rating(
        rule, LineInput(authority=authority["short_name"], state=LineState.NO_RETURN)
    )
    return LineRow(
        authority_slug=authority["slug"],
        authority_name=authority["name"],
        authority_short_name=authority["short_name"],
        authority_kind=authority["kind"],
        sub_region_slug=sub_region_slug,
        line_id=None,
        state=LineState.NO_RETURN.value,
        actual=None,
        target_value=None,
        date_of_data=None,
        manual_reason="",
        comment="",
        source="",
        rating=rating,
    )

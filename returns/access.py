"""Who sees which region's and sub-region's data: the one visibility rule, used by every query.

* A national user (``authorities.view_all_regions``; a superuser) sees every region, side by
  side.
* The Board, the Director and administrators (``returns.view_all_returns``) see every
  sub-region of their own region (``authorities.RegionMembership``), and nothing of another
  region. Bound to no region, they see nothing.
* A programme manager sees their own sub-region only, in every page, export and API answer,
  and in every "region" figure (which then says it is over that sub-region only). Their region
  is their sub-region's: they see its target sets, not its other sub-regions' returns.
* Anyone without ``returns.view_return`` sees nothing.
* Reference data that belongs to a region (target sets, their papers and projects,
  authorities, meetings) follows the same regions: ``regions_of`` (authorities.scope, so that
  the lower apps can ask it too).

Every reader asks ``scope_of(user)``: ``Return.objects.for_user``, the selectors of the read
layer (returns.selectors), the exports, the API, the reference pages (authorities, target
sets), the projects and the Board papers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q

from authorities.roles import is_national, region_id_of, sub_region_id_of
from authorities.scope import RegionScope, regions_of

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "RegionScope",
    "Visibility",
    "regions_of",
    "scope_of",
]

T = TypeVar("T")


def _region_path(field: str) -> str:
    """The lookup of the region beside a sub-region lookup: "pk" (a SubRegion) → "region_id",
    "sub_region_id" → "sub_region__region_id", "authority__sub_region" → "…__region_id"."""
    if field == "pk":
        return "region_id"
    base = field.removesuffix("_id")
    return f"{base}__region_id"


@dataclass(frozen=True)
class Visibility:
    """What a user may see: everything (national), whole regions (``regions``) and single
    sub-regions (``ids``)."""

    everything: bool
    ids: frozenset[int] = frozenset()
    regions: frozenset[int] = frozenset()

    def allows(self, sub_region_id: int | None, region_id: int | None = None) -> bool:
        """Whether the sub-region's data is visible (give its region for a regional user)."""
        return (
            self.everything
            or sub_region_id in self.ids
            or (region_id is not None and region_id in self.regions)
        )

    def allows_sub_region(self, sub_region) -> bool:
        """``allows`` for a sub-region (anything with ``pk`` and ``region_id``)."""
        return self.allows(sub_region.pk, sub_region.region_id)

    def filter(self, queryset, field: str = "sub_region_id"):
        """``queryset`` narrowed to the visible sub-regions (``field`` names the sub-region)."""
        if self.everything:
            return queryset
        return queryset.filter(self.condition(field))

    def condition(self, field: str = "sub_region_id") -> Q:
        """The Q of the visible sub-regions (``field`` names the sub-region; "pk" on one)."""
        if self.everything:
            return Q()
        return Q(**{f"{field}__in": self.ids}) | Q(**{f"{_region_path(field)}__in": self.regions})

    def keep(self, sub_regions: Iterable[T]) -> list[T]:
        """The visible ones of a list of sub-regions (anything with ``pk`` and ``region_id``)."""
        return [item for item in sub_regions if self.allows_sub_region(item)]

    def whole_region(self, region_id: int) -> bool:
        """Whether the user sees every sub-region of the region (its region-wide figures)."""
        return self.everything or region_id in self.regions

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.ids and not self.regions


NOTHING = Visibility(everything=False)
EVERYTHING = Visibility(everything=True)


def scope_of(user) -> Visibility:
    """The sub-regions whose returns ``user`` may read (see the module's rule)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("returns.view_return"):
        return NOTHING
    if is_national(user):
        return EVERYTHING
    if user.has_perm("returns.view_all_returns"):
        region = region_id_of(user)
        return Visibility(everything=False, regions=frozenset({region})) if region else NOTHING
    own = sub_region_id_of(user)
    return Visibility(everything=False, ids=frozenset({own})) if own is not None else NOTHING

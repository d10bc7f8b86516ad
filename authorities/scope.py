"""Which regions' reference data a user may see: the region half of the one visibility rule
(returns.access holds the whole rule; this half lives here so that the apps below returns, the
authorities and the target sets, can ask it too).

* A national user (``authorities.view_all_regions``; a superuser) sees every region.
* A Board member, the Director or an administrator sees the region they are bound to
  (``RegionMembership``); a programme manager their sub-region's region.
* Anyone else (signed out, or bound to no region) sees no region.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from .models import SubRegion
from .roles import is_national, region_id_of, sub_region_id_of


@dataclass(frozen=True)
class RegionScope:
    """The regions whose reference data (target sets, projects, papers) a user may see:
    every region, or those in ``ids``, or those of the sub-regions in ``sub_region_ids``."""

    everything: bool
    ids: frozenset[int] = frozenset()
    sub_region_ids: frozenset[int] = frozenset()

    def filter(self, queryset, field: str = "region_id"):
        """``queryset`` narrowed to the visible regions (``field`` names the region)."""
        if self.everything:
            return queryset
        return queryset.filter(self.condition(field))

    def condition(self, field: str = "region_id") -> Q:
        """The Q of the visible regions (``field`` names the region; "pk" on a Region)."""
        if self.everything:
            return Q()
        base = "pk" if field == "pk" else field.removesuffix("_id")
        condition = Q(**{f"{base}__in": self.ids})
        if self.sub_region_ids:
            of_sub_regions = SubRegion.objects.filter(pk__in=self.sub_region_ids)
            condition |= Q(**{f"{base}__in": of_sub_regions.values("region_id")})
        return condition

    def allows(self, region_id: int) -> bool:
        """Whether the region is one of the visible ones (a query only for a programme
        manager's, found through their sub-region)."""
        if self.everything or region_id in self.ids:
            return True
        if not self.sub_region_ids:
            return False
        return SubRegion.objects.filter(pk__in=self.sub_region_ids, region_id=region_id).exists()

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.ids and not self.sub_region_ids


def regions_of(user) -> RegionScope:
    """The regions whose target sets, projects and papers ``user`` may see: a national user
    every region; anyone else their own (a programme manager's is their sub-region's); a user
    bound to no region none. Being signed in is enough to read the reference pages, so this
    does not ask for any permission."""
    if not getattr(user, "is_authenticated", False):
        return RegionScope(everything=False)
    if is_national(user):
        return RegionScope(everything=True)
    region = region_id_of(user)
    own = sub_region_id_of(user)
    return RegionScope(
        everything=False,
        ids=frozenset({region}) if region else frozenset(),
        sub_region_ids=frozenset({own}) if own is not None else frozenset(),
    )

"""Who sees which sub-region's returns: the one visibility rule, used by every query.

* The Board, the Director and administrators (``returns.view_all_returns``) see every
  sub-region.
* A programme manager sees their own sub-region only, in every page, export and API answer,
  and in every "region" figure (which then says it is over that sub-region only).
* Anyone without ``returns.view_return`` sees nothing.

Every reader asks ``scope_of(user)``: ``Return.objects.for_user``, the selectors of the read
layer (returns.selectors), the exports and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from authorities.roles import sub_region_id_of

T = TypeVar("T")


@dataclass(frozen=True)
class Visibility:
    """The sub-regions a user may see: all of them, or only those in ``ids``."""

    everything: bool
    ids: frozenset[int] = frozenset()

    def allows(self, sub_region_id: int | None) -> bool:
        return self.everything or sub_region_id in self.ids

    def filter(self, queryset, field: str = "sub_region_id"):
        """``queryset`` narrowed to the visible sub-regions (``field`` names the sub-region)."""
        if self.everything:
            return queryset
        return queryset.filter(**{f"{field}__in": self.ids})

    def keep(self, sub_regions: Iterable[T]) -> list[T]:
        """The visible ones of a list of sub-regions (anything with a ``pk``)."""
        return [item for item in sub_regions if self.allows(item.pk)]

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.ids


NOTHING = Visibility(everything=False)
EVERYTHING = Visibility(everything=True)


def scope_of(user) -> Visibility:
    """The sub-regions whose returns ``user`` may read (see the module's rule)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("returns.view_return"):
        return NOTHING
    if user.has_perm("returns.view_all_returns"):
        return EVERYTHING
    own = sub_region_id_of(user)
    return Visibility(everything=False, ids=frozenset({own})) if own is not None else NOTHING

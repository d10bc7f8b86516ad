"""How people name the targets and authorities of a return: one reading for every channel.

The importer and the API both take rows or lines that name a target set (its slug, or its
title as every screen shows it: "stretch-targets", "EM IEP 12 stretch targets"), an authority
("Amber Valley BC", "amber-valley", a GSS code, an alias of the sub-region) and a target
(its number as printed, its code, or its national indicator, "NI 117"); this module reads
those names the same way for both, and says plainly what is wrong with a name that reads as
nothing or as several.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from authorities.models import Authority, SubRegion
from authorities.names import normalise_name
from authorities.resolve import AuthorityResolver
from targets.models import Target, TargetSet


def indicator_key(text: str) -> str:
    """ "NI 117", "ni117" and "NI-117" are one indicator."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


class TargetNames:
    """A target set's targets by number, code and national indicator."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self._by: dict[str, list[Target]] = defaultdict(list)
        self.numbers: list[str] = []
        for target in targets:
            self.numbers.append(target.number)
            keys = {f"number:{target.number.strip().casefold()}", f"code:{target.code}"}
            if target.indicator:
                keys.add(f"indicator:{indicator_key(target.indicator)}")
            for key in keys:
                self._by[key].append(target)

    def find(self, text: str) -> list[Target]:
        """The targets ``text`` names: by number first, then indicator, then code."""
        for key in (
            f"number:{text.strip().casefold()}",
            f"indicator:{indicator_key(text)}",
            f"code:{text.strip().casefold()}",
        ):
            if key in self._by:
                return self._by[key]
        return []


class TargetSetNames:
    """Target sets by slug and by title (as screens show them), read the way people write them:
    case, punctuation and spacing do not matter ("Stretch targets", "stretch-targets"), and a
    title's closing remark in brackets may be left out ("2009 revised targets")."""

    def __init__(self, target_sets: Iterable[TargetSet]) -> None:
        self._by: dict[str, list[TargetSet]] = defaultdict(list)
        self.all = list(target_sets)
        for target_set in self.all:
            keys = {normalise_name(target_set.slug), normalise_name(target_set.title)}
            bare = re.sub(r"\s*\([^)]*\)\s*$", "", target_set.title)
            if bare:
                keys.add(normalise_name(bare))
            for key in keys:
                self._by[key].append(target_set)

    def find(self, text: str) -> list[TargetSet]:
        """The sets ``text`` names (several when it is ambiguous; none when unknown)."""
        return self._by.get(normalise_name(text), [])

    def by_slug(self, slug: str) -> TargetSet | None:
        return next((ts for ts in self.all if ts.slug.casefold() == slug.casefold()), None)


def find_authority(
    resolver: AuthorityResolver, name: str, sub_region: SubRegion
) -> Authority | str:
    """The authority ``name`` means within ``sub_region``'s rows, or the problem as text."""
    candidates = resolver.candidates(name, sub_region=sub_region)
    if not candidates:
        return f"“{name}” is not an authority we know."
    if len(candidates) > 1:
        names = "; ".join(candidate.name for candidate in candidates)
        return f"“{name}” could mean several authorities: {names}. Use its slug."
    found = candidates[0]
    if found.sub_region_id != sub_region.pk:
        return f"{found.name} belongs to {found.sub_region.name}, not to {sub_region.name}."
    return found

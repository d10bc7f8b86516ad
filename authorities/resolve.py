"""Find the authority a return means by the name it writes for it.

Returns write authorities in many ways ("Derbyshire CC", "North East DDC", "Lincoln City
Council", "Fire Service"). A name resolves when, folded by `normalise_name`, it equals an
authority's full name, short name, slug or GSS code, or one of its aliases. Aliases scoped to a
sub-region count only when resolving within that sub-region's return, and there they come
first: inside the Northamptonshire return "NCC" is Northamptonshire County Council.

A name that fits more than one authority resolves to none (unless the sub-region narrows it to
one): a wrong match would put a value against the wrong council, which is worse than asking.
"""

from __future__ import annotations

from collections import defaultdict

from .models import Authority, AuthorityAlias, LAAArea, SubRegion
from .names import normalise_name


class AuthorityResolver:
    """Resolves many names in memory after loading every name once (two queries).

    Build one per import, not per row: it is a snapshot of the authorities and aliases at the
    time it was built.
    """

    def __init__(self) -> None:
        authorities = Authority.objects.select_related("sub_region", "laa_area")
        self._by_id: dict[int, Authority] = {authority.pk: authority for authority in authorities}
        self._global: dict[str, set[int]] = defaultdict(set)
        self._scoped: dict[tuple[int, str], set[int]] = defaultdict(set)
        for authority in self._by_id.values():
            for name in (authority.name, authority.short_name, authority.slug, authority.gss_code):
                if name:
                    self._global[normalise_name(name)].add(authority.pk)
        aliases = AuthorityAlias.objects.values_list("authority_id", "alias", "sub_region_id")
        for authority_id, alias, sub_region_id in aliases:
            # Folded again rather than trusting the stored column, so that a change to
            # normalise_name cannot leave stored aliases unreachable.
            key = normalise_name(alias)
            if sub_region_id is None:
                self._global[key].add(authority_id)
            else:
                self._scoped[(sub_region_id, key)].add(authority_id)
        self._laa_areas: dict[str, list[LAAArea]] | None = None

    def candidates(self, name: str, *, sub_region: SubRegion | None = None) -> list[Authority]:
        """Every authority the name could mean, most specific first; for error messages."""
        key = normalise_name(name)
        if not key:
            return []
        if sub_region is not None and (scoped := self._scoped.get((sub_region.pk, key))):
            return self._authorities(scoped)
        found = self._global.get(key, set())
        if len(found) > 1 and sub_region is not None:
            narrowed = {pk for pk in found if self._by_id[pk].sub_region_id == sub_region.pk}
            found = narrowed or found
        return self._authorities(found)

    def resolve(self, name: str, *, sub_region: SubRegion | None = None) -> Authority | None:
        """The one authority the name means, or None when it means none or several."""
        found = self.candidates(name, sub_region=sub_region)
        return found[0] if len(found) == 1 else None

    def laa_area(self, name: str, *, sub_region: SubRegion | None = None) -> LAAArea | None:
        """The LAA area a name or slug means ("LINCOLNSHIRE" in a county-wide total row).

        An LAA area shares its name with its lead council's short name, so only the importer
        knows from the row's context which of the two a name means; this answers the LAA side.
        """
        if self._laa_areas is None:
            self._laa_areas = defaultdict(list)
            for area in LAAArea.objects.select_related("sub_region", "lead_authority"):
                for key in {normalise_name(area.name), normalise_name(area.slug)}:
                    self._laa_areas[key].append(area)
        found = self._laa_areas.get(normalise_name(name), [])
        if sub_region is not None:
            found = [area for area in found if area.sub_region_id == sub_region.pk]
        return found[0] if len(found) == 1 else None

    def _authorities(self, ids: set[int]) -> list[Authority]:
        return sorted((self._by_id[pk] for pk in ids), key=lambda authority: authority.name)


def resolve_authority(name: str, *, sub_region: SubRegion | None = None) -> Authority | None:
    """Resolve a single name; for many names build one AuthorityResolver and reuse it."""
    return AuthorityResolver().resolve(name, sub_region=sub_region)

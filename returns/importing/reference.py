"""What validating an import looks things up in: the reference data, the returns and their
lines, each fetched once, with every lookup cached (``Reference``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from authorities.models import Authority, SubRegion
from authorities.names import normalise_name
from authorities.resolve import AuthorityResolver
from targets.models import Target, TargetSet, level_labels

from .. import permissions, services
from ..models import ReportedRating, Return, ReturnLine
from ..naming import TargetNames, TargetSetNames, find_authority
from ..periods import Quarter
from .cells import ValueProblem, parse_value
from .reading import Cell

ReturnKey = tuple[int, int, int, int]  # sub-region id, target set id, year, quarter
#: Words that name the sub-region itself in the authority column (its own overall rating).
SUB_REGION_SUFFIXES = (" srp", " sub-region", " sub region", " subregion", " overall")


class Reference:
    """Everything validation looks things up in, fetched once; lookups are cached."""

    def __init__(self, *, actor) -> None:
        self.actor = actor
        self.resolver = AuthorityResolver()
        self.sub_regions: dict[str, SubRegion] = {}
        for sub_region in SubRegion.objects.all():
            for name in (sub_region.name, sub_region.slug):
                self.sub_regions[normalise_name(name)] = sub_region
        self.set_names = TargetSetNames(TargetSet.objects.all())
        self.laa_leads = set(
            Authority.objects.filter(led_laa__isnull=False).values_list("pk", flat=True)
        )
        self._targets: dict[int, TargetNames] | None = None
        self._authority_cache: dict[tuple[int, str], Authority | str] = {}
        self._quarters: dict[str, Quarter | str] = {}
        self._may_edit: dict[int, bool] = {}
        self._levels: dict[int, dict[int, str]] = {}
        self._values: dict[tuple, Decimal | ValueProblem | None] = {}
        self.returns: dict[ReturnKey, Return] = {}
        self.lines: dict[tuple[int, int, int], dict[str, Any]] = {}
        self.reported: dict[tuple[int, int], dict[str, Any]] = {}

    def target_set(self, text: str) -> TargetSet | str:
        """The set a row names (slug or title), or the problem as text."""
        found = self.set_names.find(text)
        if len(found) == 1:
            return found[0]
        if found:
            slugs = ", ".join(ts.slug for ts in found)
            return f"“{text}” could mean several target sets: {slugs}. Give its slug."
        known = "; ".join(f"{ts.slug} ({ts.title})" for ts in self.set_names.all) or "none yet"
        return f"“{text}” is not a target set: give its slug or its title ({known})."

    def load_targets(self, target_sets: Iterable[TargetSet]) -> None:
        """Every target of the sets used, by number, indicator code ("NI 117") and code."""
        targets = list(
            Target.objects.filter(target_set__in=list(target_sets))
            .select_related("measure", "target_set")
            .prefetch_related("measure__levels")
        )
        by_set: dict[int, list[Target]] = defaultdict(list)
        for target in targets:
            by_set[target.target_set_id].append(target)
        self._targets = {set_id: TargetNames(found) for set_id, found in by_set.items()}

    def target(self, target_set: TargetSet, text: str) -> list[Target]:
        names = (self._targets or {}).get(target_set.pk)
        return names.find(text) if names is not None else []

    def authority(self, name: str, sub_region: SubRegion) -> Authority | str:
        """The authority a name means within a sub-region's rows, or the problem as text."""
        key = (sub_region.pk, name)
        if key not in self._authority_cache:
            self._authority_cache[key] = find_authority(self.resolver, name, sub_region)
        return self._authority_cache[key]

    def quarter(self, text: str) -> Quarter | str:
        if text not in self._quarters:
            try:
                self._quarters[text] = Quarter.parse(text)
            except ValueError as error:
                self._quarters[text] = str(error)
        return self._quarters[text]

    def value(self, raw: Cell, measure) -> Decimal | None:
        """``cells.parse_value`` of a cell for a measure, worked out once per distinct cell
        and measure (a file repeats its levels, yes and no, blank target values...): a pure
        function, so the same cell always gives the same value or the same problem. Cells
        are told apart by their type too (TRUE is not 1)."""
        key = (measure.pk, type(raw), raw)
        if key not in self._values:
            if measure.pk not in self._levels:
                self._levels[measure.pk] = level_labels(measure)
            try:
                self._values[key] = parse_value(
                    raw, kind=measure.kind, levels=self._levels[measure.pk]
                )
            except ValueProblem as problem:
                self._values[key] = problem
        found = self._values[key]
        if isinstance(found, ValueProblem):
            raise ValueProblem(str(found))
        return found

    def may_edit(self, sub_region: SubRegion) -> bool:
        if sub_region.pk not in self._may_edit:
            self._may_edit[sub_region.pk] = permissions.can_edit_sub_region(
                self.actor, sub_region.pk
            )
        return self._may_edit[sub_region.pk]

    def load_returns(self, keys: set[ReturnKey]) -> None:
        """The returns the rows go to that exist already, and the current values of their
        lines (one query each)."""
        if not keys:
            return
        candidates = Return.objects.filter(
            sub_region__in={key[0] for key in keys},
            target_set__in={key[1] for key in keys},
            year__in={key[2] for key in keys},
        )
        for return_obj in candidates:
            key = (
                return_obj.sub_region_id,
                return_obj.target_set_id,
                return_obj.year,
                return_obj.quarter,
            )
            if key in keys:
                self.returns[key] = return_obj
        fields = (*services.EDITABLE_FIELDS, *services.RATED_FIELDS, "scope")
        return_ids = [return_obj.pk for return_obj in self.returns.values()]
        values = ReturnLine.objects.filter(return_obj__in=return_ids).values(
            "return_obj_id", "authority_id", "target_id", *fields
        )
        for line in values:
            key = (line.pop("return_obj_id"), line.pop("authority_id"), line.pop("target_id"))
            self.lines[key] = line
        for row in ReportedRating.objects.filter(return_obj__in=return_ids).values(
            "return_obj_id", "target_id", "rating", "reason", "source"
        ):
            self.reported[(row.pop("return_obj_id"), row.pop("target_id"))] = row

    def names_sub_region(self, text: str, sub_region: SubRegion) -> bool:
        """Whether an authority column names the sub-region itself (its own overall row):
        "<name> SRP", "<name> sub-region", "<name> overall", or its bare name or slug where no
        authority of the sub-region goes by it ("Leicestershire/Rutland"; but "Lincolnshire"
        is Lincolnshire County Council)."""
        folded = text.strip().casefold()
        names = {sub_region.name.casefold(), sub_region.slug.casefold()}
        for suffix in SUB_REGION_SUFFIXES:
            if folded.endswith(suffix) and folded.removesuffix(suffix).strip() in names:
                return True
        if folded in names:
            return not self.resolver.candidates(text, sub_region=sub_region)
        return False

    def current_reported(self, key: ReturnKey, target: Target) -> dict[str, Any] | None:
        return_obj = self.returns.get(key)
        if return_obj is None:
            return None
        return self.reported.get((return_obj.pk, target.pk))

    def current_line(
        self, key: ReturnKey, authority: Authority, target: Target
    ) -> dict[str, Any] | None:
        """The stored values of a line (editable and rated fields), None if it has none yet."""
        return_obj = self.returns.get(key)
        if return_obj is None:
            return None
        return self.lines.get((return_obj.pk, authority.pk, target.pk))

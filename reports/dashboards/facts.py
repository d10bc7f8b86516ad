"""The plain facts every dashboard shows about a target set, its targets, an authority and a
sub-region (no model instances: nothing can query later), and the fast path maker for their
links. Split from reports.dashboards.cells, which builds the cells from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.urls import reverse

from authorities.models import AuthorityKind
from returns.models import ReturnStatus
from returns.selectors import SubRegionRef
from targets.models import RuleFacts, Target, TargetSet, level_labels, rating_rule, rule_facts
from targets.rules import format_value
from targets.stamp import ReferenceMemo

from .status import DataStatus, Place

__all__ = [
    "KIND_ORDER",
    "AuthorityInfo",
    "SetInfo",
    "SubRegionInfo",
    "TargetInfo",
    "path",
    "target_infos",
]

KIND_ORDER = {kind: index for index, kind in enumerate(AuthorityKind.values)}


def path(name: str, *args) -> Callable[..., str]:
    """A fast path maker for ``name``: reverse once with placeholders, then format (pages have
    hundreds of links; ``reverse`` per link would cost more than the rest of the cell)."""
    placeholders = [f"{index}0919283746" for index in range(len(args))]
    pattern = reverse(name, args=placeholders)
    for index, placeholder in enumerate(placeholders):
        pattern = pattern.replace(placeholder, "{" + str(index) + "}")
    return pattern.format


@dataclass(frozen=True)
class SetInfo:
    slug: str
    title: str
    ranked_by_paper: bool = False
    is_plan: bool = False  # an improvement plan (seed 004): Achieved and not yet due shown

    @classmethod
    def of(cls, target_set: TargetSet) -> SetInfo:
        return cls(
            slug=target_set.slug,
            title=target_set.title,
            ranked_by_paper=target_set.ranked_by_paper,
            is_plan=target_set.is_plan,
        )


@dataclass(frozen=True)
class TargetInfo:
    """What a dashboard says about a target."""

    pk: int
    code: str
    number: str
    title: str
    text: str
    indicator: str
    theme_id: int
    theme: str
    priority: int
    is_placeholder: bool
    measure: str
    measure_kind: str
    direction: str
    unit: str
    levels: tuple[tuple[int, str], ...]
    threshold: Decimal | None
    rule_text: str
    pass_mark: str
    threshold_words: str
    threshold_reading: str
    amber_margin: str
    tolerance: str
    deadline: date | None
    scope: str
    applies_to: tuple[str, ...]
    target_set: SetInfo
    url: str

    @classmethod
    def of(cls, target: Target, *, target_set: SetInfo, url: str) -> TargetInfo:
        measure = target.measure
        facts = _rule_facts(target)
        return cls(
            pk=target.pk,
            code=target.code,
            number=target.number,
            title=target.title,
            text=target.text,
            indicator=target.indicator,
            theme_id=target.theme_id,
            theme=target.theme.name,
            priority=target.priority,
            is_placeholder=target.is_placeholder,
            measure=measure.name,
            measure_kind=measure.kind,
            direction=measure.direction,
            unit=measure.unit,
            levels=tuple(level_labels(measure).items()),
            threshold=target.threshold,
            rule_text=facts.rule_text,
            pass_mark=facts.pass_mark,
            threshold_words=facts.threshold_words,
            threshold_reading=facts.threshold_reading,
            amber_margin=facts.amber_margin,
            tolerance=facts.tolerance,
            deadline=target.deadline,
            scope=target.scope,
            applies_to=tuple(target.applies_to or ()),
            target_set=target_set,
            url=url,
        )

    @property
    def label(self) -> str:
        return f"Target {self.number}: {self.title}"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"

    def format(self, value: Decimal | None) -> str:
        return format_value(
            value, measure_kind=self.measure_kind, unit=self.unit, levels=self.levels_by_number
        )

    @cached_property
    def threshold_text(self) -> str:
        """The threshold as a cell writes it ("" without one): made once, not per cell."""
        return self.format(self.threshold) if self.threshold is not None else ""

    @cached_property
    def levels_by_number(self) -> dict[int, str]:
        """The levels by number (made once: a page formats a value per cell)."""
        return dict(self.levels)

    def applies_to_kind(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to


#: ``rule_facts`` by everything it reads (see ``_rule_facts``); emptied when it grows large.
_FACTS: dict[tuple, RuleFacts] = {}


def _rule_facts(target: Target) -> RuleFacts:
    """``targets.models.rule_facts``, remembered by everything it depends on: the engine's rule
    (kind, measure, threshold, tolerance, margins, conditions, levels, notes), the scope, the
    kinds it applies to and the paper's words. It is a pure function of them, so the words are
    never stale: a changed rule is a new key. Spelling a set's rules afresh on every request
    cost the overview a tenth of its builder."""
    key = (
        rating_rule(target),
        target.scope,
        tuple(target.applies_to or ()),
        target.threshold_words,
        target.threshold_reading,
    )
    facts = _FACTS.get(key)
    if facts is None:
        if len(_FACTS) >= 2048:
            _FACTS.clear()
        facts = _FACTS[key] = rule_facts(target)
    return facts


def target_infos(targets: Sequence[Target], target_set: TargetSet) -> list[TargetInfo]:
    """What the dashboards say of each of ``targets``, as ``set_targets`` gave them.

    Each is made once per state of the reference data (``targets.stamp``: they depend on
    nothing else) and kept for every later page: making them was a twentieth of every
    dashboard's time."""
    # The token the targets were read under (``set_targets``), when they all share one: no
    # query then.
    tokens = {getattr(target, "reference_token", None) for target in targets}
    token = tokens.pop() if len(tokens) == 1 else None
    kept: dict[int, TargetInfo] = _INFOS.get(("target_infos", target_set.pk), dict, token=token)
    missing = [target for target in targets if target.pk not in kept]
    if missing:
        kept.update((info.pk, info) for info in _infos(missing, target_set))
    return [kept[target.pk] for target in targets]


#: The sets' target infos by state of the reference data (see ``target_infos``).
_INFOS = ReferenceMemo()


def _infos(targets: Sequence[Target], target_set: TargetSet) -> list[TargetInfo]:
    set_info = SetInfo.of(target_set)
    url = path("reports:target", "code")
    return [TargetInfo.of(target, target_set=set_info, url=url(target.code)) for target in targets]


@dataclass(frozen=True)
class AuthorityInfo:
    slug: str
    name: str
    short_name: str
    kind: str
    url: str

    @property
    def kind_label(self) -> str:
        return AuthorityKind(self.kind).label

    @property
    def sort_key(self) -> tuple[int, str]:
        return (KIND_ORDER.get(self.kind, 99), self.name)


@dataclass(frozen=True)
class SubRegionInfo:
    """A sub-region with the status of its return for the quarter."""

    slug: str
    name: str
    return_id: int | None
    return_status: str | None
    url: str

    @property
    def has_return(self) -> bool:
        return self.return_id is not None

    @property
    def status_label(self) -> str:
        return ReturnStatus(self.return_status).label if self.return_status else "No return"

    @property
    def signed_off(self) -> bool:
        return self.return_status in {ReturnStatus.SUBMITTED, ReturnStatus.APPROVED}

    @property
    def approved(self) -> bool:
        return self.return_status == ReturnStatus.APPROVED

    @property
    def place(self) -> Place:
        return Place(name=self.name, status=self.return_status)

    def data(self, basis: str) -> DataStatus:
        """What this sub-region's figures rest on, on ``basis``."""
        return DataStatus.of_statuses([self.return_status], basis)

    @classmethod
    def of(cls, ref: SubRegionRef, url: Callable[..., str]) -> SubRegionInfo:
        return cls(
            slug=ref.slug,
            name=ref.name,
            return_id=ref.return_id,
            return_status=ref.return_status,
            url=url(ref.slug),
        )

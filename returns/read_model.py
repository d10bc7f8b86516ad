"""The read layer's shapes (returns.selectors): what a selector returns, and how a stored row
becomes one. A stored overall rating (``StoredOverall``, from an ``Overall`` row), a quarter's
ratings for one caller (``QuarterRatings``), a stored line rating (``LineRow``), and the
sub-regions and regions they are about. Nothing here reads the database or rates anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db.models import TextField
from django.db.models.functions import Cast

from authorities.models import AuthorityKind
from targets.models import Target, TargetSet
from targets.rating import LineRating, OverallRating, Rating, Status, reported_note

from .models import EDITABLE_LINE_FIELDS, Basis, LineScope, LineState, ReturnStatus
from .periods import Quarter
from .rating import missing_rating, stored_rating

__all__ = [
    "KIND_ORDER",
    "LineRow",
    "QuarterRatings",
    "RegionRef",
    "StoredCounts",
    "StoredOverall",
    "SubRegionRef",
]

KIND_ORDER = {kind: index for index, kind in enumerate(AuthorityKind.values)}


@dataclass(frozen=True)
class RegionRef:
    pk: int
    slug: str
    name: str


@dataclass(frozen=True)
class SubRegionRef:
    """A sub-region the caller may see, and its return for the quarter (None: no return)."""

    pk: int
    slug: str
    name: str
    order: int
    region_id: int
    return_id: int | None = None
    return_status: str | None = None
    return_version: int | None = None

    @property
    def has_return(self) -> bool:
        return self.return_id is not None

    def included(self, basis: str) -> bool:
        """Whether the return counts on this basis."""
        if self.return_id is None:
            return False
        return basis == Basis.ALL or self.return_status == ReturnStatus.APPROVED


class StoredCounts(Mapping):
    """A stored JSON object (``Overall.states``, ``Overall.returns``, ``Overall.marks``),
    decoded on first use: a dashboard reads one per cell and most pages never look at them
    (completeness reads the states of the sub-regions shown; only the comparison reads the
    marks), and decoding them all was a third of the overview's and the comparison's reading
    of their overall rows."""

    __slots__ = ("_decoded", "_text")

    def __init__(self, text: str | None) -> None:
        self._text = text
        self._decoded: dict[str, int] | None = None

    def _counts(self) -> dict[str, int]:
        if self._decoded is None:
            self._decoded = json.loads(self._text) if self._text else {}
        return self._decoded

    def __getitem__(self, key: str) -> int:
        return self._counts()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts())

    def __len__(self) -> int:
        return len(self._counts())

    # The decoded dict's own methods: the Mapping mixins' go through ``__iter__`` and
    # ``__getitem__`` key by key (the overview's completeness reads every cell's states).
    def get(self, key: str, default=None):
        return self._counts().get(key, default)

    def items(self):
        return self._counts().items()

    def keys(self):
        return self._counts().keys()

    def values(self):
        return self._counts().values()

    def __contains__(self, key: object) -> bool:
        return key in self._counts()

    def __eq__(self, other: object) -> bool:
        return self._counts() == other

    __hash__ = None  # a mapping: unhashable, as a dict

    def __repr__(self) -> str:
        return repr(self._counts())


@dataclass(frozen=True)
class StoredOverall:
    """A stored overall rating as readers see it (see returns.models.Overall)."""

    rating: Rating | None
    explanation: str
    counts: dict[str, int]
    states: Mapping[str, int]
    returns: Mapping[str, int]
    relevant: int = 0
    known: int = 0
    value: Decimal | None = None
    reported: Rating | None = None
    reported_reason: str = ""
    differs: bool = False
    who: str = ""  # whose rating: a sub-region's name, or the region's
    # The counted R, A, G and Achieved lines by authority id (``Overall.marks``): what the
    # comparison of two quarters pairs (targets.rating.moves). None: not read (see
    # ``ratings_over``'s ``with_marks``), so that no one pairs marks that were never read.
    marks: Mapping[str, str] | None = None

    @property
    def reported_note(self) -> str:
        return reported_note(
            who=self.who,
            computed=self.rating,
            reported=self.reported,
            reason=self.reported_reason,
        )

    @property
    def thin(self) -> bool:
        """Rests on fewer than half of its relevant authorities."""
        return self.relevant > 0 and self.known * 2 < self.relevant

    @classmethod
    def from_engine(
        cls, result: OverallRating, *, marks: Mapping[str, str], who: str = ""
    ) -> StoredOverall:
        """An overall rating aggregated here from stored line ratings (a filtered view), with
        the marks of those lines (``targets.rating.line_marks``)."""
        return cls(
            rating=result.rating,
            explanation=result.explanation,
            counts=result.counts,
            states={},
            returns={},
            relevant=result.relevant,
            known=result.known,
            value=result.value,
            who=who,
            marks=marks,
        )

    @classmethod
    def none_made(cls, *, who: str, relevant_note: str = "") -> StoredOverall:
        """No return of the set in the quarter anywhere in the region: Grey, and why."""
        text = f"No return has been made for this quarter{relevant_note}."
        return cls(
            rating=Rating.GREY,
            explanation=text,
            counts={},
            states={},
            returns={},
            who=who,
            marks={},
        )


#: What ``ratings_over`` reads of each stored overall row, in ``StoredOverall``'s order; the
#: JSON columns as text (``_AS_TEXT``).
_OVERALL_COLUMNS = (
    "year",
    "quarter",
    "target_id",
    "sub_region_id",
    "region_id",
    "rating",
    "explanation",
    "value",
    "counts_text",
    "relevant",
    "known",
    "reported_rating",
    "reported_reason",
    "differs",
    "states_text",
    "returns_text",
)
_AS_TEXT = {
    f"{name}_text": Cast(name, output_field=TextField()) for name in ("counts", "states", "returns")
}
_MARKS_AS_TEXT = Cast("marks", output_field=TextField())
#: A stored rating code's ``Rating`` ("" and None: not rated).
_RATING_OF: dict[str | None, Rating] = {rating.value: rating for rating in Rating}


@dataclass
class QuarterRatings:
    """The stored overall ratings of a target set for one quarter, for one caller."""

    target_set: TargetSet
    quarter: Quarter
    basis: str
    targets: list[Target]
    sub_regions: list[SubRegionRef]  # the visible ones, in order
    regions: list[RegionRef]  # the regions of the visible sub-regions
    whole: bool  # the caller sees every sub-region of each region shown
    scope_note: str  # "" when whole, else what the "region" figures are over
    _rows: dict[tuple[int, int | None, int], StoredOverall] = field(default_factory=dict)

    def sub_region(self, target_id: int, sub_region: SubRegionRef) -> StoredOverall:
        found = self._rows.get((target_id, sub_region.pk, sub_region.region_id))
        return found or StoredOverall.none_made(who=sub_region.name)

    def region(self, target_id: int, region: RegionRef) -> StoredOverall:
        """The region's rating; for partial visibility, the visible sub-region's, said so."""
        if self.whole:
            found = self._rows.get((target_id, None, region.pk))
            return found or StoredOverall.none_made(who=region.name)
        mine = [ref for ref in self.sub_regions if ref.region_id == region.pk]
        if len(mine) != 1:
            return StoredOverall.none_made(who=region.name)
        own = self.sub_region(target_id, mine[0])
        return replace(own, explanation=f"{self.scope_note} {own.explanation}")

    @property
    def missing_returns(self) -> list[SubRegionRef]:
        return [ref for ref in self.sub_regions if not ref.has_return]


@dataclass(frozen=True)
class LineRow:
    """One authority against one target in one quarter, from its stored rating.

    ``line_id`` is None when the authority has no line in a return of the basis (no return,
    none approved, or no line in it); such a row has state ``no_return`` and is Grey.
    """

    authority_id: int
    authority_slug: str
    authority_name: str
    authority_short_name: str
    authority_kind: str
    sub_region_slug: str
    target_id: int
    return_id: int | None
    line_id: int | None
    state: str
    scope: str
    actual: Decimal | None
    target_value: Decimal | None
    date_of_data: date | None
    manual_reason: str
    state_reason: str
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
    def counted(self) -> bool:
        return self.rating.counted

    @property
    def overridden(self) -> bool:
        return self.rating.overridden

    @property
    def explanation(self) -> str:
        return self.rating.explanation

    @property
    def missing(self) -> bool:
        return self.line_id is None

    @property
    def outside_scope(self) -> bool:
        return self.scope == LineScope.OUTSIDE


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
    "scope",
    *EDITABLE_LINE_FIELDS,
    "status",
    "computed_rating",
    "explanation",
)


def _row_from_line(line: dict, sub_region_slug: str) -> LineRow:
    return LineRow(
        authority_id=line["authority_id"],
        authority_slug=line["authority__slug"],
        authority_name=line["authority__name"],
        authority_short_name=line["authority__short_name"],
        authority_kind=line["authority__kind"],
        sub_region_slug=sub_region_slug,
        target_id=line["target_id"],
        return_id=line["return_obj_id"],
        line_id=line["id"],
        state=line["state"],
        scope=line["scope"],
        actual=line["actual"],
        target_value=line["target_value"],
        date_of_data=line["date_of_data"],
        manual_reason=line["manual_reason"],
        state_reason=line["state_reason"],
        comment=line["comment"],
        source=line["source"],
        rating=stored_rating(line, authority=line["authority__short_name"]),
    )


def _missing_row(authority: dict, target_id: int, sub_region_slug: str) -> LineRow:
    return LineRow(
        authority_id=authority["id"],
        authority_slug=authority["slug"],
        authority_name=authority["name"],
        authority_short_name=authority["short_name"],
        authority_kind=authority["kind"],
        sub_region_slug=sub_region_slug,
        target_id=target_id,
        return_id=None,
        line_id=None,
        state=LineState.NO_RETURN.value,
        scope=LineScope.IN.value,
        actual=None,
        target_value=None,
        date_of_data=None,
        manual_reason="",
        state_reason="",
        comment="",
        source="",
        rating=missing_rating(authority=authority["short_name"]),
    )


def _sort_key(row: LineRow) -> tuple:
    return (row.outside_scope, KIND_ORDER.get(row.authority_kind, 99), row.authority_name)

"""What a figure rests on: approved returns only, or returns not yet approved too (marked).

The Board reads approved returns by default (reports.filters.default_basis); the Director and
the programme managers read every return. Whatever the basis, a figure that rests on a return
not yet approved (submitted, draft, or returned for changes) says so beside it, in words, never
by colour alone: ``DataStatus`` is that mark, ``DataNote`` the sentence a page or a paper opens
with ("Approved returns only: rests on 3 of 5 sub-regions' returns; not counted: ...").

Pure functions of plain values (the stored overall rows' ``returns`` counts by status, the
sub-regions' return statuses): no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from returns.models import Basis, ReturnStatus

__all__ = ["APPROVED_ONLY", "UNAPPROVED", "DataNote", "DataStatus", "data_note", "listed"]

#: The statuses of a return not yet approved, the least approved first.
UNAPPROVED = (ReturnStatus.DRAFT.value, ReturnStatus.RETURNED.value, ReturnStatus.SUBMITTED.value)

#: The word a cell prints beside a figure resting on such a return.
WORDS = {"draft": "draft", "returned": "returned", "submitted": "submitted"}
#: How a sentence names it.
PHRASES = {
    "draft": "draft",
    "returned": "returned for changes",
    "submitted": "submitted, awaiting approval",
}


def listed(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class DataStatus:
    """The returns not yet approved that a figure rests on: (status, how many), least approved
    first. Empty: the figure rests on approved returns only."""

    unapproved: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, returns: Mapping[str, int], basis: str) -> DataStatus:
        """From a stored overall row's returns by status. On the approved basis nothing else
        is counted, so nothing is marked."""
        if basis != Basis.ALL:
            return APPROVED_ONLY
        found = tuple((status, returns[status]) for status in UNAPPROVED if returns.get(status))
        return cls(found) if found else APPROVED_ONLY

    @classmethod
    def of_statuses(cls, statuses: Iterable[str | None], basis: str) -> DataStatus:
        counts: dict[str, int] = {}
        for status in statuses:
            if status:
                counts[status] = counts.get(status, 0) + 1
        return cls.of(counts, basis)

    @property
    def marked(self) -> bool:
        return bool(self.unapproved)

    @property
    def word(self) -> str:
        """The least approved status a figure rests on: "draft", "returned", "submitted"."""
        return WORDS[self.unapproved[0][0]] if self.unapproved else ""

    @property
    def css(self) -> str:
        return f"data-status data-status--{self.unapproved[0][0]}" if self.unapproved else ""

    @property
    def count(self) -> int:
        return sum(count for _, count in self.unapproved)

    @property
    def text(self) -> str:
        """ "rests on 1 submitted return, not yet approved" (for screen readers and print)."""
        if not self.unapproved:
            return "rests on approved returns only"
        parts = [f"{count} {WORDS[status]}" for status, count in self.unapproved]
        noun = "return" if self.count == 1 else "returns"
        return f"rests on {listed(parts)} {noun}, not yet approved"


APPROVED_ONLY = DataStatus()


@dataclass(frozen=True)
class Place:
    """A sub-region and the status of its return (None: no return)."""

    name: str
    status: str | None

    @property
    def phrase(self) -> str:
        """ "submitted, awaiting approval", "draft"..."""
        return PHRASES.get(self.status or "", self.status or "no return")


@dataclass(frozen=True)
class DataNote:
    """What a page's figures rest on, for its opening message."""

    basis: str
    total: int  # sub-regions shown
    included: list[Place]  # returns counted
    unapproved: list[Place]  # counted and not yet approved (the "all" basis only)
    left_out: list[Place]  # made, not approved, not counted (the "approved" basis only)
    missing: list[str]  # sub-regions without a return

    @property
    def approved_only(self) -> bool:
        return self.basis != Basis.ALL

    @property
    def approved(self) -> int:
        return sum(1 for place in self.included if place.status == ReturnStatus.APPROVED)

    @property
    def rests_on(self) -> str:
        """ "rests on 3 of 5 approved returns" / "rests on 4 of 5 returns: 3 approved, 1
        submitted" ."""
        return f"rests on {self.on}"

    @property
    def on(self) -> str:
        """ "3 of 5 approved returns" / "4 of 5 returns: 3 approved, 1 submitted"."""
        if self.approved_only:
            return f"{len(self.included)} of {self.total} approved returns"
        counts: dict[str, int] = {}
        for place in self.included:
            counts[place.status or ""] = counts.get(place.status or "", 0) + 1
        parts = [
            f"{counts[status]} {WORDS.get(status, status)}"
            for status in ("approved", *reversed(UNAPPROVED))
            if counts.get(status)
        ]
        detail = f": {', '.join(parts)}" if len(parts) > 1 else ""
        noun = "return" if self.total == 1 else "returns"
        return f"{len(self.included)} of {self.total} {noun}{detail}"

    @property
    def details(self) -> str:
        """What is not counted, or counted though not approved, and who made no return."""
        parts = []
        if self.left_out:
            names = [f"{place.name}'s ({PHRASES[place.status]})" for place in self.left_out]
            noun = "return is" if len(names) == 1 else "returns are"
            parts.append(f"{listed(names)} {noun} not counted until approved")
        if self.unapproved:
            names = [f"{place.name}'s ({PHRASES[place.status]})" for place in self.unapproved]
            noun = "return is" if len(names) == 1 else "returns are"
            parts.append(f"{listed(names)} {noun} counted though not yet approved, and marked")
        if self.missing:
            verb = "made no return" if len(self.missing) == 1 else "made no returns"
            parts.append(f"{listed(self.missing)} {verb}")
        return "; ".join(parts)

    @property
    def basis_label(self) -> str:
        if self.approved_only:
            return "Approved returns only"
        return "All returns, including those not yet approved (marked)"


def data_note(places: Iterable[Place], basis: str) -> DataNote:
    """The note of a set of sub-regions' returns on ``basis``."""
    places = list(places)
    all_basis = basis == Basis.ALL
    included = [
        place
        for place in places
        if place.status and (all_basis or place.status == ReturnStatus.APPROVED)
    ]
    return DataNote(
        basis=basis,
        total=len(places),
        included=included,
        unapproved=[place for place in included if place.status in UNAPPROVED],
        left_out=[
            place
            for place in places
            if place.status and not all_basis and place.status != ReturnStatus.APPROVED
        ],
        missing=[place.name for place in places if not place.status],
    )

"""The overview's opening message: which targets are Red, what moved since the previous
quarter, and how complete the data is. Built from the rows the overview already made (and the
previous quarter's stored ratings, read in the same queries), so it costs no query of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from returns.periods import Quarter

from .cells import (
    Mark,
    Movement,
    OverallCell,
    movement,
)
from .facts import (
    TargetInfo,
)
from .status import DataNote

__all__ = ["Change", "Message", "changes_between"]


@dataclass(frozen=True)
class Change:
    """One overall rating that moved between two quarters (R, A or G both times)."""

    target: TargetInfo
    where: str  # "the region", "Derbyshire"
    region: bool
    before: Mark
    after: Mark
    movement: Movement
    url: str  # the page that shows the rating in full (the reader's query is added)
    anchor: str = ""  # the target's column on that page, if any
    after_cell: OverallCell | None = None


@dataclass
class Message:
    """What the overview opens with (see the template: three short sentences)."""

    where: str  # "the region", "Derbyshire", "district councils in the region"
    quarter: Quarter
    previous: Quarter
    previous_has_returns: bool  # any return made for the previous quarter
    previous_counted: bool  # ... and counted on this basis (approved, unless all are read)
    red: list[TargetInfo]  # the targets rated Red where the page judges (region or sub-region)
    judged: list[Change]  # the judged rating's moves (region, or the chosen sub-region)
    changes: list[Change]  # every move, the judged ones first, then each sub-region's
    not_comparable: int  # judged ratings that cannot be compared (Grey, n/a, not rated)
    data: DataNote
    lines: int  # authority-target pairs the returns should cover
    values: int  # of them, with a value (or "met" / "not met" stated)

    @property
    def worse(self) -> list[Change]:
        return [change for change in self.judged if change.movement.code == "worse"]

    @property
    def better(self) -> list[Change]:
        return [change for change in self.judged if change.movement.code == "improved"]

    @property
    def unchanged(self) -> int:
        return sum(1 for change in self.judged if change.movement.code == "same")


def changes_between(
    *,
    target: TargetInfo,
    before: Sequence[Mark],
    after: Sequence[OverallCell],
    wheres: Sequence[str],
    urls: Sequence[str],
    region_first: bool,
    anchor: str = "",
) -> list[Change]:
    """The moves of one target's cells (region first when ``region_first``) from the earlier
    quarter's ratings (``before``: their marks, all a move needs), R/A/G both times (a move
    from or to Grey, n/a or not rated is no news: it cannot be compared)."""
    found = []
    for index, (then, now, where, url) in enumerate(zip(before, after, wheres, urls, strict=True)):
        moved = movement(then, now.mark)
        if moved.code == "unknown":
            continue
        found.append(
            Change(
                target=target,
                where=where,
                region=region_first and index == 0,
                before=then,
                after=now.mark,
                movement=moved,
                url=url,
                anchor="" if region_first and index == 0 else anchor,
                after_cell=now,
            )
        )
    return found

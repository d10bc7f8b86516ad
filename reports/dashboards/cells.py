"""What every dashboard shows in a cell: marks, counts, movements, line and overall cells
(no model instances: nothing can query later), built from the plain facts about targets,
authorities and sub-regions (reports.dashboards.facts). Words and letters come from
targets.vocabulary, the one vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from returns.models import Basis
from returns.selectors import LineRow, StoredOverall
from targets.rating import MOVE_RANK, Rating
from targets.rules import KIND_LABELS
from targets.vocabulary import STATES, mark, rating

from .facts import SubRegionInfo, TargetInfo
from .status import APPROVED_ONLY, DataStatus


class NotVisible(Exception):
    """The user may not see this sub-region or authority (the pages answer 404)."""


# ------------------------------------------------------------------------------- ratings shown


@dataclass(frozen=True)
class Mark:
    """A rating as every dashboard shows it: a letter or word, never colour alone.

    ``code`` is "R", "A", "G", "ACH" (Achieved), "NYD" (not yet due), "GREY" (not yet known),
    "NA" (not applicable) or "none" (not rated: a rule the returns alone cannot rate)."""

    code: str

    @property
    def text(self) -> str:
        return rating(self.code).letter

    @property
    def label(self) -> str:
        return rating(self.code).label

    @property
    def rank(self) -> int:
        return rating(self.code).rank

    @property
    def css(self) -> str:
        return rating(self.code).css

    @property
    def is_rag(self) -> bool:
        return rating(self.code).is_rag

    @property
    def rating(self) -> str | None:
        """The API's value: "R", "A", "G", "GREY", "NA", or None when not rated."""
        return None if self.code == "none" else self.code

    @classmethod
    def of(cls, value: Rating | str | None) -> Mark:
        return _MARK_OF[str(value) if value else "none"]


_MARK_OF = {code: Mark(code) for code in ("R", "A", "G", "ACH", "NYD", "GREY", "NA", "none")}
MARKS = list(_MARK_OF.values())


@dataclass
class Counts:
    """How many of something (lines, targets, cells) have each rating."""

    red: int = 0
    amber: int = 0
    green: int = 0
    grey: int = 0
    not_applicable: int = 0
    not_rated: int = 0
    outside: int = 0
    # Seed 004's own states (an improvement plan's): shown where there are any.
    achieved: int = 0
    not_yet_due: int = 0

    _FIELDS = {
        "R": "red",
        "A": "amber",
        "G": "green",
        "ACH": "achieved",
        "NYD": "not_yet_due",
        "GREY": "grey",
        "NA": "not_applicable",
    }

    def add(self, mark_: Mark, count: int = 1) -> None:
        name = self._FIELDS.get(mark_.code, "not_rated")
        setattr(self, name, getattr(self, name) + count)

    @classmethod
    def of(cls, marks: Iterable[Mark]) -> Counts:
        counts = cls()
        for each in marks:
            counts.add(each)
        return counts

    @classmethod
    def of_lines(cls, stored: dict[str, int]) -> Counts:
        """From a stored overall rating's counts (Grey = awaiting data + no return; not yet
        due is never Grey)."""
        return cls(
            red=stored.get("R", 0),
            amber=stored.get("A", 0),
            green=stored.get("G", 0),
            grey=stored.get("GREY", 0) + stored.get("missing", 0),
            not_applicable=stored.get("NA", 0),
            outside=stored.get("outside", 0),
            achieved=stored.get("ACH", 0),
            not_yet_due=stored.get("NYD", 0),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in self.__dataclass_fields__ if name != "outside")

    @property
    def items(self) -> list[tuple[Mark, int]]:
        """(mark, count) for R, A, G, (Achieved), (not yet due), Grey, then n/a and not rated:
        those in brackets, n/a and not rated only when there are any."""
        pairs = [(_MARK_OF[code], getattr(self, self._FIELDS[code])) for code in ("R", "A", "G")]
        if self.achieved:
            pairs.append((_MARK_OF["ACH"], self.achieved))
        if self.not_yet_due:
            pairs.append((_MARK_OF["NYD"], self.not_yet_due))
        pairs.append((_MARK_OF["GREY"], self.grey))
        if self.not_applicable:
            pairs.append((_MARK_OF["NA"], self.not_applicable))
        if self.not_rated:
            pairs.append((_MARK_OF["none"], self.not_rated))
        return pairs

    @property
    def text(self) -> str:
        """ "3 Red, 1 Amber, 0 Green, 2 Grey" (for screen readers and print)."""
        return ", ".join(f"{count} {each.label}" for each, count in self.items)


@dataclass(frozen=True)
class Movement:
    """How a rating moved from one quarter to the next: a symbol and a word, never colour."""

    code: str  # "improved", "same", "worse", "unknown"

    @property
    def symbol(self) -> str:
        return {"improved": "▲", "same": "=", "worse": "▼", "unknown": "–"}[self.code]

    @property
    def text(self) -> str:
        return {
            "improved": "improved",
            "same": "no change",
            "worse": "worse",
            "unknown": "cannot compare",
        }[self.code]

    @property
    def css(self) -> str:
        return f"move move--{self.code}"


def movement(before: Mark, after: Mark) -> Movement:
    """Improved / same / worse between two R, A, G or Achieved ratings (Red < Amber < Green <
    Achieved). Anything involving not yet due, Grey, n/a or not rated cannot be compared (Grey
    to Grey is no news either)."""
    if before.is_rag and after.is_rag:
        difference = MOVE_RANK[after.code] - MOVE_RANK[before.code]
        return Movement("improved" if difference > 0 else "worse" if difference < 0 else "same")
    return Movement("unknown")


# ------------------------------------------------------------------------------------ cells


@dataclass(frozen=True)
class LineCell:
    """One authority against one target in one quarter, as a cell shows it and opens it.

    ``state`` is the line's ("value", "met", "not_met", "awaiting", "not_applicable",
    "no_return"), or "no_line" (a return was made but has no line for the authority) or
    "does_not_apply" (the target does not apply to the authority: it has no line and needs
    none). ``outside_scope``: reported, outside the target's scope (shown, never counted).
    """

    state: str
    mark: Mark
    computed: Mark
    manual: Mark | None
    value_text: str
    target_text: str
    date_of_data: date | None
    comment: str
    explanation: str
    manual_reason: str
    status: str | None  # "worse", "within", "better" or None
    source: str
    line_url: str  # the line's page (value, history), "" when there is no line
    actual: Decimal | None = None
    target_value: Decimal | None = None
    where: str = ""  # "Amber Valley, target 5" (for screen readers)
    outside_scope: bool = False
    state_reason: str = ""
    data: DataStatus = APPROVED_ONLY  # the return the line is in, when not yet approved

    @property
    def overridden(self) -> bool:
        """The sub-region's own rating differs from the rule's R, A or G (the rule's counts)."""
        return self.manual is not None and self.computed.is_rag and self.manual != self.computed

    @property
    def stands_in(self) -> bool:
        """No value to rate: the sub-region's own R, A or G rating stands for the line."""
        return self.manual is not None and self.manual.is_rag and not self.computed.is_rag

    @property
    def state_text(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def status_text(self) -> str:
        symbol, words = mark(self.status)
        return f"{symbol} {words}".strip()

    @property
    def short_text(self) -> str:
        """What the closed cell shows beside its mark: the value, or why there is none."""
        return self.value_text if self.actual is not None else self.state_text

    @property
    def is_not_applicable(self) -> bool:
        return self.state in {"not_applicable", "does_not_apply"}

    @property
    def css(self) -> str:
        return f"lc lc--{self.state}" + (" lc--outside" if self.outside_scope else "")


def line_cell(
    row: LineRow,
    target: TargetInfo,
    line_url: Callable[..., str],
    where: str = "",
    data: DataStatus = APPROVED_ONLY,
) -> LineCell:
    rated = row.rating
    target_value = row.target_value if row.target_value is not None else target.threshold
    if target_value is None:
        target_text = "its own target (none given)"
    elif row.target_value is None:
        target_text = f"{target.threshold_text} (the target's threshold)"
    else:
        target_text = target.format(target_value)
    manual = rated.manual
    return LineCell(
        state=row.state,
        mark=_MARK_OF[rated.effective or "none"],
        computed=_MARK_OF[rated.computed or "none"],
        manual=_MARK_OF[manual or "none"] if manual is not None else None,
        value_text=target.format(row.actual) if row.actual is not None else "",
        target_text=target_text,
        date_of_data=row.date_of_data,
        comment=row.comment,
        explanation=rated.explanation,
        manual_reason=row.manual_reason,
        status=str(rated.status) if rated.status is not None else None,
        source=row.source,
        line_url=line_url(row.return_id, row.line_id) if row.line_id and row.return_id else "",
        actual=row.actual,
        target_value=row.target_value,
        where=where,
        outside_scope=row.outside_scope,
        state_reason=row.state_reason,
        data=data if row.line_id else APPROVED_ONLY,
    )


def empty_cell(state: str, target: TargetInfo, explanation: str, where: str = "") -> LineCell:
    shown = _MARK_OF["NA"] if state == "does_not_apply" else _MARK_OF["GREY"]
    return LineCell(
        state=state,
        mark=shown,
        computed=shown,
        manual=None,
        value_text="",
        target_text=target.threshold_text,
        date_of_data=None,
        comment="",
        explanation=explanation,
        manual_reason="",
        status=None,
        source="",
        line_url="",
        where=where,
    )


def does_not_apply(target: TargetInfo, authority_kind: str) -> str:
    if not target.applies_to_kind(authority_kind):
        return f"Target {target.number} does not apply to {KIND_LABELS[authority_kind]}."
    if target.scope == "laa":
        return (
            f"Target {target.number} is about LAAs: each LAA's lead council answers for it, "
            "so this authority has no line."
        )
    return f"Target {target.number} does not apply to this authority."


@dataclass(frozen=True)
class OverallCell:
    """An overall rating (of a sub-region or the region) for one target, and its reason;
    beside it, the sub-region's own rating where it gave one, flagged where they differ."""

    mark: Mark
    explanation: str
    counts: Counts  # the lines behind it, by rating
    url: str = ""
    value: Decimal | None = None
    where: str = ""  # whose rating: "Derbyshire", "the region" (for screen readers)
    reported: Mark | None = None
    reported_note: str = ""
    differs: bool = False
    thin: bool = False  # rests on fewer than half of its relevant authorities
    relevant: int = 0
    known: int = 0
    data: DataStatus = APPROVED_ONLY  # the returns not yet approved it rests on

    @classmethod
    def of(
        cls, result: StoredOverall, *, basis: str, url: str = "", where: str = ""
    ) -> OverallCell:
        """``basis``: what the rating was read on; on "all", a rating resting on a return not
        yet approved is marked (``data``). (Positional, and the sub-region's own rating's note
        only where it gave one: a page builds one per cell.)"""
        reported = result.reported
        return cls(
            _MARK_OF[result.rating or "none"],
            result.explanation,
            Counts.of_lines(result.counts),
            url,
            result.value,
            where,
            _MARK_OF[reported] if reported else None,
            result.reported_note if reported else "",
            result.differs,
            result.thin,
            result.relevant,
            result.known,
            DataStatus.of(result.returns, basis) if basis == Basis.ALL else APPROVED_ONLY,
        )

    @property
    def shows_thin(self) -> bool:
        """A Red, Amber or Green resting on fewer than half of its relevant authorities (a
        Grey already says it is not known)."""
        return self.thin and self.mark.is_rag

    @property
    def thin_short(self) -> str:
        """ "3/9": what the cell prints beside its mark."""
        return f"{self.known}/{self.relevant}" if self.shows_thin else ""

    @property
    def thin_text(self) -> str:
        if not self.shows_thin:
            return ""
        return f"rests on only {self.known} of {self.relevant} relevant authorities"


# ------------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """What a dashboard narrows to (see reports.dashboards for what each one does)."""

    theme: int | None = None
    sub_region: str | None = None  # a sub-region's slug
    kind: str | None = None  # an AuthorityKind value
    rating: str | None = None  # "R", "A", "G", "ACH", "NYD", "GREY" or "NA"

    @property
    def active(self) -> bool:
        return any((self.theme, self.sub_region, self.kind, self.rating))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind or "", "")


def headline(
    counts: Counts,
    *,
    where: str,
    quarter,
    what: str = "target",
    whats: str = "targets",
) -> str:
    """ "Of 12 targets, 3 green, 4 amber and 5 red for the region in 2009/10 Q3." """
    total = counts.total
    if not total:
        return f"No {whats} to show for {where} in {quarter}."
    parts = [
        (counts.achieved, "achieved"),
        (counts.green, "green"),
        (counts.amber, "amber"),
        (counts.red, "red"),
        (counts.not_yet_due, "not yet due"),
        (counts.grey, "not yet known"),
        (counts.not_applicable, "not applicable"),
        (counts.not_rated, "not rated from the returns"),
    ]
    words = [f"{count} {word}" for count, word in parts if count]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"Of {total} {what if total == 1 else whats}, {listed} for {where} in {quarter}."


@dataclass(frozen=True)
class ThemeSpan:
    name: str
    span: int


@dataclass(frozen=True)
class ThemeGroup:
    name: str
    rows: list


def group(rows: Iterable, theme_of: Callable) -> list[ThemeGroup]:
    groups: list[ThemeGroup] = []
    for row in rows:
        name = theme_of(row)
        if not groups or groups[-1].name != name:
            groups.append(ThemeGroup(name=name, rows=[]))
        groups[-1].rows.append(row)
    return groups


def spans(targets: Sequence[TargetInfo]) -> list[ThemeSpan]:
    result: list[ThemeSpan] = []
    for target in targets:
        if result and result[-1].name == target.theme:
            result[-1] = ThemeSpan(target.theme, result[-1].span + 1)
        else:
            result.append(ThemeSpan(target.theme, 1))
    return result


def where_words(*, whole_region: bool, columns: Sequence[SubRegionInfo], filters: Filters) -> str:
    if filters.sub_region:
        names = [column.name for column in columns if column.slug == filters.sub_region]
        place = names[0] if names else filters.sub_region
    elif whole_region:
        place = "the region"
    else:
        place = " and ".join(column.name for column in columns) or "no sub-region"
    if filters.kind:
        return f"{filters.kind_label} in {place}"
    return place
